import Testing

@testable import Dockerfile

@Suite struct ExpansionTests {
    static let environment = ["V": "value", "EMPTY": "", "PATH": "/usr/local/bin:/usr/bin", "N": "a.b.c.tar.gz"]

    @Test(arguments: [
        ("$V", "value"), ("${V}", "value"), ("x${V}y", "xvaluey"), ("$UNSET", ""), ("${UNSET:-d}", "d"),
        ("${EMPTY:-d}", "d"), ("${EMPTY-d}", ""), ("${UNSET-d}", "d"), ("${V:+alt}", "alt"),
        ("${EMPTY:+alt}", ""), ("${EMPTY+alt}", "alt"), ("${UNSET+alt}", ""), ("'$V'", "$V"),
        ("\"$V\"", "value"), ("\\$V", "$V"), ("\"a\\\"b\"", "a\"b"), ("${N%.*}", "a.b.c.tar"),
        ("${N%%.*}", "a"), ("${N#*.}", "b.c.tar.gz"), ("${N##*.}", "gz"),
        ("${PATH/bin/sbin}", "/usr/local/sbin:/usr/bin"),
        ("${PATH//bin/sbin}", "/usr/local/sbin:/usr/sbin"), ("$", "$"), ("${V:-${UNSET:-deep}}", "value"),
        ("${UNSET:-${V}}", "value"), ("a\\ b", "a b"), ("$1x", "x"),
    ])
    func expandsLikeBuildKit(_ input: String, _ expected: String) throws {
        let result = try ShellLexer().processWord(input, environment: Self.environment)
        #expect(result.result == expected, "\(input)")
    }

    @Test(arguments: [
        "${", "${V", "${:}", "${V:?must be set}x".replacingOccurrences(of: "V", with: "UNSET"), "'open", "\"open",
        "${V:#x}",
    ])
    func rejectsMalformedWords(_ input: String) {
        #expect(throws: ShellExpansionError.self, "\(input)") {
            try ShellLexer().processWord(input, environment: Self.environment)
        }
    }

    @Test func splitsWordsAfterExpansion() throws {
        let words = try ShellLexer().processWords("a \"b c\" $V 'd e'", environment: Self.environment)
        #expect(words == ["a", "b c", "value", "d e"])
    }

    @Test func reportsUnresolvedVariablesButNotDefaults() throws {
        let plain = try ShellLexer().processWord("${BASE}", environment: [:])
        #expect(plain.unresolved == ["BASE"])
        let withDefault = try ShellLexer().processWord("${BASE:-eclipse-temurin:21-jre}", environment: [:])
        #expect(withDefault.unresolved.isEmpty)
        #expect(withDefault.result == "eclipse-temurin:21-jre")
    }

    @Test func backtickEscape() throws {
        var lexer = ShellLexer(escapeToken: "`")
        lexer.rawEscapes = false
        #expect(try lexer.processWord("a`$V", environment: Self.environment).result == "a$V")
        #expect(try lexer.processWord("a\\b", environment: Self.environment).result == "a\\b")
    }

    @Test func resolvesFromImagesThroughArgDefaultsAndStages() throws {
        let parsed = try DockerfileParser().parse(
            """
            ARG BASE=eclipse-temurin:21-jre
            ARG UNKNOWN
            ARG REGISTRY=registry.example.com
            FROM ${BASE} AS build
            ARG BASE
            RUN echo $BASE
            FROM $UNKNOWN AS other
            FROM ${REGISTRY}/wso2/wso2am:${VERSION:-4.5.0}
            FROM build AS final
            ENV HOME=/home/wso2carbon
            USER 802

            """)
        let stages = parsed.stages()
        #expect(stages.count == 4)
        #expect(stages[0].image == "eclipse-temurin:21-jre")
        #expect(stages[0].name == "build")
        #expect(stages[1].image == nil, "an ARG without default cannot be judged")
        #expect(stages[2].image == "registry.example.com/wso2/wso2am:4.5.0")
        #expect(stages[3].parentStage == 0)
        let scope = parsed.scope(before: 1, in: stages[0], of: stages)
        #expect(scope.values["BASE"] == "eclipse-temurin:21-jre")
        let overridden = parsed.stages(buildArgs: ["BASE": "alpine:3.20"])
        #expect(overridden[0].image == "alpine:3.20")
    }
}

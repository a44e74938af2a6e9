import Foundation

/// A small deterministic random number generator (SplitMix64), so generated cases are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Generates Dockerfiles that exercise the parser's corners: directives, continuations, heredocs,
/// exec and shell forms, flags, quoting, escapes, odd whitespace and line endings.
struct DockerfileGenerator {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &random)] }

    mutating func count(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }

    static let keywords = [
        "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
        "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "BOGUS",
    ]

    static let words = [
        "alpine:3.20", "ubuntu", "wso2/wso2am:4.5.0", "/opt/app", "a", "b c", "x=y", "echo", "hello",
        "$HOME", "${VAR}", "${VAR:-def}", "${A:+alt}", "\\$x", "'single quoted'", "\"double \\\" quoted\"",
        "a\\ b", "é", "日本", "tab\there", "--not-a-flag", "=", "==", "k=", "=v", "\"\"", "''", "\\",
        "<<", "<", "a<<b", "[", "]", "{", "}", "#", "# not comment", "`", "9443", "8243/tcp",
        "user:group", "*.jar", "https://example.com/x.zip",
    ]

    static let flags = [
        "--from=build", "--chown=802:802", "--chmod=0755", "--link", "--mount=type=cache,target=/root/.m2",
        "--network=none", "--security=insecure", "--platform=$BUILDPLATFORM", "--checksum=sha256:abc",
        "--keep-git-dir=true", "--exclude=*.tmp", "--parents", "--interval=5s", "--timeout=3s",
        "--retries=3", "--start-period=10s", "--a=\"b c\"", "--x='y z'", "--e=a\\ b", "--",
        "--empty=", "--unicode=é", "-single", "--q=\"unterminated",
    ]

    static let jsonArrays = [
        "[\"a\", \"b\"]", "[]", "[ ]", "[\"a\"] trailing", "[\"a\",]", "[\"a\" \"b\"]", "[\"\\u00e9\", \"\\n\"]",
        "[\"\\ud83d\\ude00\"]", "[\"\\ud800\"]", "[\"a\", 1]", "[\"a\", [\"b\"]]", "[\"a\", null]",
        "[\"a\", {\"k\": 1}]", "['single']", "[\"unterminated", "[\"a\"]   ", "[\"tab\\tq\\\"\"]",
        "[\"/bin/sh\", \"-c\", \"echo $X\"]", "[ \"x\" , \"y\" ]", "[\"a\"] [\"b\"]", "[\"\\x\"]",
        "[1e5]", "[-0.5, \"a\"]", "[true]", "[\"a\"]\t",
    ]

    mutating func whitespace() -> String {
        pick([" ", " ", " ", "  ", "\t", " \t ", "\u{0B}", "\u{0C}", "\u{A0}", "\u{2003}", " \r"])
    }

    mutating func argumentText() -> String {
        var parts: [String] = []
        for _ in 0..<count(0...4) { parts.append(pick(Self.words)) }
        return parts.joined(separator: chance(85) ? " " : whitespace())
    }

    mutating func heredocBlock(keyword: String) -> (String, String) {
        var names: [String] = []
        var header: [String] = []
        for _ in 0..<count(1...3) {
            let name = pick(["EOF", "END", "FILE1", "x", "EOT"])
            let chomp = chance(30)
            let quoted = pick(["", "", "\"", "'"])
            let fd = chance(15) ? pick(["3", "0", "12"]) : ""
            let space = chance(15) ? " " : ""
            header.append("\(fd)<<\(chomp ? "-" : "")\(space)\(quoted)\(name)\(quoted)")
            names.append((chomp ? "\t" : "") + name)
        }
        let tail = keyword == "RUN" ? pick(["", " cat", " bash -ex", " && echo done"]) : " /dest/"
        var body = ""
        for name in names {
            for _ in 0..<count(0...3) {
                body +=
                    pick(["echo hi", "\tindented", "$VAR ${X}", "", "# comment", "RUN inner", "  spaced", "\\"]) + "\n"
            }
            if !chance(5) { body += name + "\n" }
        }
        return (header.joined(separator: " ") + tail, body)
    }

    mutating func instruction(depth: Int = 0) -> String {
        var keyword = pick(Self.keywords)
        if chance(10) { keyword = keyword.lowercased() }
        var line = keyword
        var after = ""
        if chance(35) {
            for _ in 0..<count(1...3) { line += " " + pick(Self.flags) }
        }
        switch keyword.uppercased() {
        case "ONBUILD" where depth < 2:
            line += " " + instruction(depth: depth + 1)
            return line
        case "RUN", "COPY",
            "ADD" where chance(35):
            let (header, body) = heredocBlock(keyword: keyword.uppercased())
            line += " " + header
            after = "\n" + body
            return line + after
        case "CMD", "ENTRYPOINT", "RUN", "SHELL", "COPY", "ADD",
            "VOLUME" where chance(50):
            line += whitespace() + pick(Self.jsonArrays)
        case "HEALTHCHECK":
            line +=
                " "
                + pick(["NONE", "CMD", "CMD curl -f http://localhost/", "CMD [\"a\", \"b\"]", "CONNECT TCP 7000", ""])
        case "ENV", "LABEL":
            let form = count(0...2)
            if form == 0 {
                line += " NAME " + argumentText()
            } else {
                for _ in 0..<count(1...3) {
                    line +=
                        " " + pick(["A", "B_2", "key.label", "q"]) + "="
                        + pick(["1", "\"2 3\"", "a\\ b", "", "'x y'", "$V", "\"unterminated"])
                }
                if form == 2 { line += " " + pick(["bare", "=x", "k="]) }
            }
        case "ARG":
            line += " " + pick(["VERSION", "VERSION=4.5.0", "A=1 B", "BASE=alpine:3.20", "\"Q=1 2\""])
        default:
            if !chance(8) { line += whitespace() + argumentText() }
        }
        return line
    }

    /// A whole Dockerfile.
    mutating func dockerfile() -> String {
        var out = ""
        if chance(5) { out += "\u{FEFF}" }
        if chance(35) {
            var directives = [
                "# syntax=docker/dockerfile:1", "# escape=`", "#escape=\\", "# check=skip=all",
                "# ESCAPE = `", "# escape=x", "#  syntax = foo bar ", "# unknown=1", "#directive",
            ]
            directives.shuffle(using: &random)
            for directive in directives.prefix(count(1...3)) { out += directive + "\n" }
        }
        let newline = chance(12) ? "\r\n" : "\n"
        for _ in 0..<count(1...12) {
            switch count(0...20) {
            case 0: out += newline
            case 1: out += "# a comment" + newline
            case 2: out += whitespace() + "# indented comment" + newline
            case 3:
                // A continued instruction with comments and blank lines inside.
                let escape = chance(50) ? "\\" : "`"
                out += "RUN echo one " + escape + newline
                if chance(50) { out += "# inside" + newline }
                if chance(40) { out += "   " + newline }
                out += "    two " + escape + (chance(30) ? "  \t" : "") + newline
                out += chance(20) ? "" : "    three" + newline
            case 4:
                out += "ENV A=1 \\\\" + newline
            case 5:
                out +=
                    "FROM " + pick(["alpine:3.20 AS build", "${BASE}", "scratch", "--platform=linux/amd64 x"]) + newline
            default:
                out += instruction() + newline
            }
        }
        if chance(20) { out += pick(["RUN trailing \\", "CMD x \\\n", "\\", "RUN a \\\n\n"]) }
        if chance(15) {
            var lines = out.components(separatedBy: "\n")
            if lines.count > 2 {
                lines.swapAt(count(0...(lines.count - 1)), count(0...(lines.count - 1)))
                out = lines.joined(separator: "\n")
            }
        }
        return out
    }

    static let mutationAlphabet: [String] = [
        "\\", "`", "\"", "'", "[", "]", "<<", "<<-", "\n", "\r\n", "#", "$", "${", "}", " ", "\t",
        "=", "--", "-", ",", "{", "EOF", "\u{A0}", "é", "\u{FEFF}", "ONBUILD ", "RUN ", "\\\n",
    ]

    /// `source` with a few random edits: insertions of special characters, deletions, duplicated
    /// or swapped lines, truncation.
    mutating func mutate(_ source: String) -> String {
        var scalars = Array(source.unicodeScalars)
        for _ in 0..<count(1...4) {
            let position = scalars.isEmpty ? 0 : count(0...scalars.count)
            switch count(0...5) {
            case 0, 1:
                scalars.insert(contentsOf: pick(Self.mutationAlphabet).unicodeScalars, at: position)
            case 2:
                if !scalars.isEmpty {
                    let end = min(scalars.count, position + count(1...6))
                    if position < end { scalars.removeSubrange(position..<end) }
                }
            case 3:
                var lines = String(String.UnicodeScalarView(scalars)).components(separatedBy: "\n")
                if !lines.isEmpty {
                    let index = count(0...(lines.count - 1))
                    lines.insert(lines[index], at: index)
                    scalars = Array(lines.joined(separator: "\n").unicodeScalars)
                }
            case 4:
                var lines = String(String.UnicodeScalarView(scalars)).components(separatedBy: "\n")
                if lines.count > 1 {
                    lines.swapAt(count(0...(lines.count - 1)), count(0...(lines.count - 1)))
                    scalars = Array(lines.joined(separator: "\n").unicodeScalars)
                }
            default:
                if chance(30), position < scalars.count { scalars.removeSubrange(position...) }
            }
        }
        return String(String.UnicodeScalarView(scalars))
    }
}

import Foundation
import TestSupport
import Testing

@testable import Dockerfile

@Suite struct RobustnessTests {
    /// 10,000 random mutations of corpus and generated files: the parser returns or throws, never
    /// crashes or hangs.
    @Test(.timeLimit(.minutes(3)))
    func tenThousandMutationsNeverCrashOrHang() throws {
        var generator = DockerfileGenerator(seed: TestSeed.value(for: "parser mutations", default: 0x5EED_F022))
        var sources: [String] = []
        for url in TestPaths.corpusDockerfiles {
            sources.append(try String(contentsOf: url, encoding: .utf8))
        }
        for _ in 0..<30 { sources.append(generator.dockerfile()) }
        let parser = DockerfileParser()
        var parsed = 0
        var rejected = 0
        for _ in 0..<10_000 {
            var source = generator.pick(sources)
            for _ in 0..<generator.count(1...3) { source = generator.mutate(source) }
            do {
                let result = try parser.parse(source)
                // Every instruction has sane lines, and the dump and JSON can be produced.
                for instruction in result.instructions {
                    #expect(
                        instruction.startLine >= 1 && instruction.endLine >= instruction.startLine,
                        "input:\n\(source)")
                }
                _ = result.buildKitDump()
                _ = result.jsonDump()
                parsed += 1
            } catch {
                #expect(error.line >= 1, "input:\n\(source)")
                rejected += 1
            }
        }
        #expect(parsed + rejected == 10_000)
        #expect(parsed > 1000, "mutations should mostly stay parsable")
    }

    @Test func rejectsBinaryContent() {
        var bytes = Array("FROM alpine\nRUN echo\n".utf8)
        bytes.insert(0, at: 14)
        #expect(
            throws: DockerfileParseError(file: "bin", line: 2, message: "binary content (a NUL byte): not a Dockerfile")
        ) {
            try DockerfileParser().parse(bytes: bytes, file: "bin")
        }
    }

    @Test func rejectsInvalidUTF8WithItsLine() {
        let bytes: [UInt8] = Array("FROM alpine\n\nRUN echo ".utf8) + [0xC3, 0x28] + Array("\n".utf8)
        do {
            _ = try DockerfileParser().parse(bytes: bytes, file: "latin1")
            Issue.record("invalid UTF-8 accepted")
        } catch {
            #expect(error.line == 3)
            #expect(error.message.contains("invalid UTF-8"))
        }
    }

    @Test(arguments: [
        ("", 1, "empty file"), ("# only\n# comments\n\n", 3, "no instructions"),
        ("FROM a\nRUN <<EOF\nline\n", 2, "unterminated heredoc"), ("# escape=x\nFROM a\n", 1, "invalid escape token"),
        ("# escape=`\n# escape=\\\nFROM a\n", 2, "only one escape parser directive"),
        ("FROM a\nCMD [\"a\", 1]\n", 2, "arrays must be comprised of strings"),
        ("FROM a\nENV NAME\n", 2, "ENV must have two arguments"),
    ])
    func rejectsWithLineAndMessage(_ source: String, _ line: Int, _ message: String) {
        do {
            _ = try DockerfileParser().parse(source, file: "case")
            Issue.record("accepted: \(source)")
        } catch {
            #expect(error.line == line, "\(source)")
            #expect(error.message.contains(message), "\(error.message)")
            #expect(error.description.hasPrefix("case:\(line): "))
        }
    }

    @Test func rejectsOversizedFilesAndLines() {
        let big = [UInt8](repeating: UInt8(ascii: "a"), count: 10 << 20)
        #expect(throws: DockerfileParseError.self) { try DockerfileParser().parse(bytes: big, file: "big") }
        let longLine = "FROM a\nRUN " + String(repeating: "x", count: 70_000) + "\n"
        #expect(throws: DockerfileParseError.self) {
            try DockerfileParser(options: ParserOptions(maxBytes: nil)).parse(longLine)
        }
    }

    @Test func parsesAHugeValidFileWithoutLimit() throws {
        var source = "FROM alpine:3.20\n"
        for index in 0..<20_000 { source += "RUN echo \(index) && \\\n    true\n" }
        let parsed = try DockerfileParser(options: ParserOptions(maxBytes: nil)).parse(source)
        #expect(parsed.instructions.count == 20_001)
        #expect(parsed.instructions.last?.endLine == 40_001)
    }

    @Test func reportsColumnsAndFlags() throws {
        let parsed = try DockerfileParser().parse("FROM a AS build\n  COPY --from=build --chown=802:802 /x /y\n")
        let copy = parsed.instructions[1]
        #expect(copy.column == 3)
        #expect(copy.flag("from") == "build")
        #expect(copy.flag("chown") == "802:802")
        #expect(copy.flag("link") == nil)
    }

    @Test func heredocsKeepQuotingAndChomp() throws {
        let parsed = try DockerfileParser().parse("FROM a\nRUN <<-\"EOF\" 3<<X\n\techo $HOME\n\tEOF\nx\nX\n")
        let run = parsed.instructions[1]
        #expect(run.heredocs.map(\.name) == ["EOF", "X"])
        #expect(run.heredocs[0].expand == false)
        #expect(run.heredocs[0].chomp)
        #expect(run.heredocs[0].effectiveContent == "echo $HOME\n")
        #expect(run.heredocs[1].fileDescriptor == 3)
        #expect(run.endLine == 6)
    }
}

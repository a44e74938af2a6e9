import Foundation
import TestSupport
import Testing

/// End-to-end tests of the `berth` executable built beside the test bundle.
@Suite struct ParseCommandTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], stdin: String? = nil) throws -> Run {
        let result = try BerthExecutable.run(arguments, input: stdin)
        return Run(status: result.status, stdout: result.output, stderr: result.error)
    }

    @Test func printsVersionAndHelp() throws {
        let version = try Self.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.split(separator: ".").count == 3)
        let help = try Self.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("parse"))
    }

    @Test func parsesTheBuiltInExample() throws {
        let result = try Self.run(["parse", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        let commands = json?.compactMap { $0["cmd"] as? String } ?? []
        #expect(commands.contains("USER"))
        #expect(commands.contains("HEALTHCHECK"))
        #expect(commands.last == "ENTRYPOINT")
    }

    @Test func readsStandardInputAndDumpsLikeBuildKit() throws {
        let result = try Self.run(["parse", "-"], stdin: "FROM alpine:3.20\nCOPY --from=build a b\n")
        #expect(result.status == 0)
        #expect(result.stdout == "(from \"alpine:3.20\")\n(copy [\"--from=build\"] \"a\" \"b\")\n")
    }

    @Test func badFilesFailWithLocationButOthersAreStillParsed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("berth-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("Dockerfile")
        let bad = directory.appendingPathComponent("bad.Dockerfile")
        try "FROM alpine:3.20\nUSER 802\n".write(to: good, atomically: true, encoding: .utf8)
        try "FROM alpine\nRUN <<EOF\nnever closed\n".write(to: bad, atomically: true, encoding: .utf8)
        let result = try Self.run(["parse", bad.path, good.path, directory.appendingPathComponent("missing").path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(bad.path):2: unterminated heredoc"))
        #expect(result.stderr.contains("missing"))
        #expect(result.stdout.contains("(user \"802\")"))
    }

    @Test func rejectsUnknownOptionsAsUsageErrors() throws {
        let result = try Self.run(["parse", "--format", "yaml", "-"])
        #expect(result.status == 2)
        #expect(!result.stderr.isEmpty)
    }
}

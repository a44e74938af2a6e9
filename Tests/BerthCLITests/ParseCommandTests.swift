import Foundation
import Testing

/// End-to-end tests of the `berth` executable built beside the test bundle.
@Suite struct ParseCommandTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: URL? {
        var candidates: [URL] = []
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0])
        var directory = argv0.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("berth"))
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/berth"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], stdin: String? = nil) throws -> Run {
        let binary = try #require(Self.binary, "the berth executable is built with the tests")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
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

import Foundation
import Testing

/// `berth render` and `berth init` end to end.
@Suite struct RenderCommandTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("berth-render-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func rendersTheDefaultThenChangesNothingOnASecondRun() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("deploy").path
        let first = try ParseCommandTests.run(["render", "--out", out])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("from built-in default (apim-is-km)"))
        for path in [
            "images/gateway/Dockerfile", "chart/Chart.yaml", "manifests/kustomization.yaml", "architecture.svg",
            "README.md",
        ] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + path), "\(path)")
        }
        let second = try ParseCommandTests.run(["render", "--out", out])
        #expect(second.stdout.contains("(0 written, 0 removed)"))
        let check = try ParseCommandTests.run(["check", out + "/images", out + "/manifests"])
        #expect(check.status == 0, "\(check.stdout)")
    }

    @Test func badSpecWritesNothingAndExitsTwo() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spec = directory.appendingPathComponent("berth.yaml")
        try "apiVersion: berth.dev/v1alpha1\nspec:\n  pattern: nope\n  database: {type: h2}\n".write(
            to: spec, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("deploy").path
        let result = try ParseCommandTests.run(["render", "--spec", spec.path, "--out", out])
        #expect(result.status == 2)
        #expect(result.stderr.contains("berth.yaml:3:12: spec.pattern 'nope' is not a pattern"))
        #expect(result.stderr.contains("berth.yaml:4:"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func initWritesASpecThatRendersAndRefusesToOverwrite() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spec = directory.appendingPathComponent("berth.yaml").path
        let written = try ParseCommandTests.run(["init", "--pattern", "apim-distributed", "--output", spec])
        #expect(written.status == 0)
        let again = try ParseCommandTests.run(["init", "--output", spec])
        #expect(again.status == 2)
        let rendered = try ParseCommandTests.run([
            "render", "--spec", spec, "--out", directory.appendingPathComponent("out").path,
        ])
        #expect(rendered.status == 0, "\(rendered.stderr)")
        #expect(
            !FileManager.default.fileExists(atPath: directory.appendingPathComponent("out/images/identity-server").path)
        )
    }
}

import Foundation
import TestSupport
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

    /// Swift seeds its hash functions per process: two `berth render` processes must still write
    /// the same bytes, and the same bytes as the committed golden files, for every pattern.
    @Test(arguments: ["apim-all-in-one", "apim-distributed", "apim-is-km"])
    func twoProcessesRenderTheSameBytesAsTheGoldenFiles(_ pattern: String) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spec = directory.appendingPathComponent("berth.yaml").path
        let initialised = try ParseCommandTests.run(["init", "--pattern", pattern, "--output", spec])
        try #require(initialised.status == 0, "\(initialised.stderr)")
        var trees: [[String: Data]] = []
        for run in 0..<2 {
            let out = directory.appendingPathComponent("out\(run)")
            let result = try ParseCommandTests.run(["render", "--spec", spec, "--out", out.path])
            try #require(result.status == 0, "\(result.stderr)")
            trees.append(try Self.tree(out))
        }
        #expect(trees[0] == trees[1], "two processes wrote different bytes")
        var golden = try Self.tree(Repository.url("Tests/RenderTests/Golden/\(pattern)"))
        // The golden files are the built-in defaults; the spec above spells them out.
        golden["berth.yaml"] = trees[0]["berth.yaml"]
        trees[0].removeValue(forKey: ".berth-generated")
        #expect(Set(trees[0].keys) == Set(golden.keys))
        for (path, data) in trees[0] where golden[path] != data {
            Issue.record("\(pattern)/\(path) differs from its golden file")
        }
    }

    /// Every regular file under `root`, by relative path.
    static func tree(_ root: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { return files }
        while let path = enumerator.nextObject() as? String {
            let url = root.appendingPathComponent(path)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[path] = try Data(contentsOf: url)
            }
        }
        return files
    }
}

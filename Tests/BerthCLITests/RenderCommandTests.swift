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

    /// `.berth-generated` is read back as untrusted input: an entry outside the output directory is
    /// refused, and the file it names survives.
    @Test(arguments: ["../victim/precious", "/tmp/berth-absolute-victim", "images/../../victim/precious"])
    func generatedListCannotReachOutsideTheOutputDirectory(_ entry: String) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let victim = directory.appendingPathComponent("victim/precious")
        try FileManager.default.createDirectory(
            at: victim.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: victim)
        let out = directory.appendingPathComponent("deploy").path
        try #require(try ParseCommandTests.run(["render", "--out", out]).status == 0)
        let list = out + "/.berth-generated"
        let before = try String(contentsOfFile: list, encoding: .utf8)
        try (before + entry + "\n").write(toFile: list, atomically: true, encoding: .utf8)
        let result = try ParseCommandTests.run(["render", "--out", out])
        #expect(result.status == 2)
        #expect(result.stderr.contains(".berth-generated:") && result.stderr.contains("nothing was written or removed"))
        #expect(try String(contentsOf: victim, encoding: .utf8) == "keep me")
    }

    /// A listed path that now goes through a symbolic link, or is a directory, is refused.
    @Test func generatedListRefusesSymlinkedParentsAndDirectories() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outside = directory.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: outside.appendingPathComponent("Dockerfile"))
        let out = directory.appendingPathComponent("deploy").path
        try #require(try ParseCommandTests.run(["render", "--out", out]).status == 0)
        // images/gateway becomes a link to a folder outside.
        try FileManager.default.removeItem(atPath: out + "/images/gateway")
        try FileManager.default.createSymbolicLink(atPath: out + "/images/gateway", withDestinationPath: outside.path)
        let linked = try ParseCommandTests.run(["render", "--out", out, "--pattern", "apim-all-in-one"])
        #expect(linked.status == 2)
        #expect(linked.stderr.contains("symbolic link"), "\(linked.stderr)")
        #expect(try String(contentsOf: outside.appendingPathComponent("Dockerfile"), encoding: .utf8) == "keep me")
        // A listed file that is now a directory the user made.
        try FileManager.default.removeItem(atPath: out + "/images/gateway")
        try FileManager.default.createDirectory(
            atPath: out + "/images/gateway/Dockerfile", withIntermediateDirectories: true)
        let directoryEntry = try ParseCommandTests.run(["render", "--out", out])
        #expect(directoryEntry.status == 2)
        #expect(directoryEntry.stderr.contains("is now a directory"), "\(directoryEntry.stderr)")
    }

    /// Output that cannot be written is exit 2 with one line naming the path and the reason.
    @Test func unwritableOutputIsOneLineAndExitTwo() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("a-file").path
        try Data().write(to: URL(fileURLWithPath: file))
        let result = try ParseCommandTests.run(["render", "--out", file])
        #expect(result.status == 2)
        #expect(result.stderr == "berth: \(file): is not a directory\n", "\(result.stderr)")
    }

    /// A render that fails part-way (here: the file-size limit is hit while writing) leaves the old
    /// tree exactly as it was, not a mix of old and new files.
    @Test(Tool.enabled("bash")) func failedRenderLeavesTheOldTreeIntact() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("deploy")
        try #require(try ParseCommandTests.run(["render", "--out", out.path]).status == 0)
        let before = try Self.tree(out)
        let binary = try #require(BerthExecutable.path)
        // SIGXFSZ ignored: writes past `ulimit -f` fail with EFBIG instead of killing the process.
        let failed = try ChildProcess.runSync(
            "bash",
            [
                "-c", "trap '' XFSZ; ulimit -f 4; exec \"$0\" render --out \"$1\" --pattern apim-distributed", binary,
                out.path,
            ])
        #expect(failed.status == 2, "\(failed.error)")
        #expect(try Self.tree(out) == before, "the old tree is unchanged")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "no staging folder is left behind: \(leftovers)")
    }
}

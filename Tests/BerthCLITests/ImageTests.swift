import Foundation
import TestSupport
import Testing

/// Berth's own Dockerfile: clean under `berth check`, and built with buildah into an image that runs
/// `berth --version` as a non-root user.
@Suite struct ImageTests {
    static let dockerfile = Repository.url("Dockerfile")

    @Test func berthsOwnDockerfileHasNoFindings() throws {
        let result = try BerthExecutable.run(["check", "--format", "json", Self.dockerfile.path])
        #expect(result.status == 0, "\(result.output)\(result.error)")
        let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        #expect((json?["findings"] as? [Any])?.isEmpty == true, "\(result.output)")
    }

    /// The image is built from the committed Dockerfile on a base made here from the host's own C
    /// libraries (no registry is reachable), then run in a chroot of its root file system.
    @Test(Tool.enabled("buildah", "ldd", "chroot", "mount"))
    func imageBuildsAndRunsAsNonRoot() async throws {
        guard let buildah = Tool.require("buildah"), let binary = BerthExecutable.path else { return }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("berth-image-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let storage = [
            "--storage-driver", "vfs", "--root", work.path + "/storage", "--runroot", work.path + "/run",
        ]
        let context = work.appendingPathComponent("context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.dockerfile, to: context.appendingPathComponent("Dockerfile"))
        try FileManager.default.copyItem(
            at: URL(fileURLWithPath: binary), to: context.appendingPathComponent("berth"))
        defer { _ = try? ChildProcess.runSync(buildah, storage + ["rm", "--all"]) }

        // A base of just the shared libraries the binary needs, and the users Debian defines.
        let base = try ChildProcess.runSync(buildah, storage + ["from", "scratch"])
        try #require(base.status == 0, "\(base.error)")
        let container = base.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let mounted = try ChildProcess.runSync(buildah, storage + ["mount", container])
        try #require(mounted.status == 0, "\(mounted.error)")
        let root = mounted.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let libraries = try ChildProcess.runSync("ldd", [binary])
        for line in libraries.output.split(separator: "\n") {
            for word in line.split(whereSeparator: \.isWhitespace) where word.hasPrefix("/") {
                let source = URL(fileURLWithPath: String(word)).resolvingSymlinksInPath()
                for path in Set([String(word), source.path]) {
                    let target = root + path
                    try FileManager.default.createDirectory(
                        atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    if !FileManager.default.fileExists(atPath: target) {
                        try FileManager.default.copyItem(atPath: source.path, toPath: target)
                    }
                }
            }
        }
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
        try Data("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n".utf8)
            .write(to: URL(fileURLWithPath: root + "/etc/passwd"))
        _ = try ChildProcess.runSync(buildah, storage + ["umount", container])
        let committed = try ChildProcess.runSync(buildah, storage + ["commit", container, "localhost/berth-base:test"])
        try #require(committed.status == 0, "\(committed.error)")

        let build = try ChildProcess.runSync(
            buildah,
            storage + [
                "bud", "--isolation", "chroot", "--format", "docker", "--build-arg", "BASE=localhost/berth-base:test",
                "-t", "localhost/berth:test", context.path,
            ], timeout: 300)
        try #require(build.status == 0, "\(build.output)\(build.error)")

        let inspect = try ChildProcess.runSync(
            buildah, storage + ["inspect", "--type", "image", "localhost/berth:test"])
        let document = try JSONSerialization.jsonObject(with: Data(inspect.output.utf8)) as? [String: Any]
        let config = (document?["Docker"] as? [String: Any])?["config"] as? [String: Any]
        #expect(config?["User"] as? String == "65534:65534")
        #expect(config?["Entrypoint"] as? [String] == ["/usr/local/bin/berth"])
        let labels = config?["Labels"] as? [String: String] ?? [:]
        #expect(labels["org.opencontainers.image.version"] != nil)

        // Run it: the image's root file system, as the image's user.
        let image = try ChildProcess.runSync(buildah, storage + ["from", "localhost/berth:test"])
        let imageContainer = image.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let imageRoot = try ChildProcess.runSync(buildah, storage + ["mount", imageContainer]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // A container runtime mounts /proc, where the Swift runtime reads the command line from.
        try FileManager.default.createDirectory(atPath: imageRoot + "/proc", withIntermediateDirectories: true)
        let proc = try ChildProcess.runSync("mount", ["-t", "proc", "proc", imageRoot + "/proc"])
        try #require(proc.status == 0, "mounting /proc needs root: \(proc.error)")
        defer { _ = try? ChildProcess.runSync("umount", [imageRoot + "/proc"]) }
        let version = try ChildProcess.runSync(
            "chroot", ["--userspec=65534:65534", imageRoot, "/usr/local/bin/berth", "--version"])
        #expect(version.status == 0, "\(version.error)")
        #expect(
            version.output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3,
            "\(version.output)")
        _ = try ChildProcess.runSync(buildah, storage + ["umount", imageContainer])
    }
}

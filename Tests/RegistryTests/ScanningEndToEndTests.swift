import Foundation
import TestSupport
import Testing

@testable import Registry

/// Scan on push and the vulnerability gate through the real clients: buildah builds an image from a
/// root file system whose dpkg status lists a vulnerable package, podman pushes it to a project that
/// blocks High, and podman pull is refused, allowed by an allowlist entry, refused again once the
/// entry has expired.
@Suite struct ScanningEndToEndTests {
    @Test(Tool.enabled("podman", "buildah"))
    func podmanPullOfAVulnerableImageFollowsTheProjectPolicy() async throws {
        guard let podman = requireTool("podman"), let buildah = requireTool("buildah") else { return }
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let root = TemporaryRoot()
        defer { root.cleanup() }
        let work = TemporaryRoot()
        defer { work.cleanup() }
        try FileManager.default.createDirectory(atPath: work.path, withIntermediateDirectories: true)
        // podman refuses run roots longer than 50 characters.
        let runroot = "/tmp/bs-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: runroot) }
        let storage = ["--root", work.path + "/storage", "--runroot", runroot, "--storage-driver", "vfs"]

        let from = try await run(buildah, storage + ["from", "scratch"])
        try #require(from.status == 0, "\(from.error)")
        let container = from.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let copy = try await run(buildah, storage + ["copy", container, image.rootfs + "/.", "/"])
        try #require(copy.status == 0, "\(copy.error)")
        let commit = try await run(buildah, storage + ["commit", "--format", "oci", container, "localhost/vuln:v1"])
        try #require(commit.status == 0, "\(commit.error)")

        func serve(
            allowlist: [VulnerabilityPolicySettings.AllowlistEntry]?,
            _ body: @escaping @Sendable (String, RegistryServices) async throws -> Void
        ) async throws {
            try await withRegistry(
                live: true, root: root,
                configure: { configuration in
                    scanning(image.database)(&configuration)
                    configuration.projects["proj"] = blockHigh(allowlist: allowlist)
                }
            ) { client, services in
                try await body("127.0.0.1:\(try #require(client.port))", services)
            }
        }
        @Sendable func pull(_ host: String) async throws -> ProcessResult {
            _ = try await run(podman, storage + ["rmi", "-f", "\(host)/proj/vuln:v1"])
            return try await run(podman, storage + ["pull", "--tls-verify=false", "\(host)/proj/vuln:v1"])
        }

        // Blocked: the scan completes and the pull is refused with the finding.
        try await serve(allowlist: nil) { host, services in
            let push = try await run(
                podman, storage + ["push", "--tls-verify=false", "localhost/vuln:v1", "docker://\(host)/proj/vuln:v1"])
            #expect(push.status == 0, "\(push.error)")
            try await #require(services.scans).waitUntilIdle()
            let digest = try #require(try await services.storage.resolveTag("proj/vuln", "v1"))
            let record = try #require(try await ScanResults(storage: services.storage).record(digest))
            #expect(record.status == .completed, "\(record.error ?? "")")
            #expect(record.findings.map(\.id) == [VulnerableImage.vulnerability])
            let refused = try await pull(host)
            #expect(refused.status != 0)
            #expect(refused.error.contains(VulnerableImage.vulnerability), "\(refused.error)")
            #expect(refused.error.contains("blockSeverity=high"), "\(refused.error)")
        }
        // An allowlist entry that has not expired lets it through.
        try await serve(allowlist: [
            .init(id: VulnerableImage.vulnerability, reason: "not reachable", expires: "2999-12-31")
        ]) {
            host, _ in
            let allowed = try await pull(host)
            #expect(allowed.status == 0, "\(allowed.error)")
        }
        // Expired, the block is back.
        try await serve(allowlist: [
            .init(id: VulnerableImage.vulnerability, reason: "not reachable", expires: "2001-01-01")
        ]) {
            host, _ in
            let refused = try await pull(host)
            #expect(refused.status != 0)
            #expect(refused.error.contains(VulnerableImage.vulnerability), "\(refused.error)")
        }
    }
}

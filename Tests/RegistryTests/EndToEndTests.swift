import Foundation
import OCI
import TestSupport
import Testing

@testable import Registry

/// Real clients over 127.0.0.1 against an in-process server on an ephemeral port.
@Suite(.serialized) struct EndToEndTests {
    /// Every file under `blobs/` of an OCI layout, by relative path.
    func blobs(_ layout: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let base = layout + "/blobs"
        for algorithm in try FileManager.default.contentsOfDirectory(atPath: base) {
            for name in try FileManager.default.contentsOfDirectory(atPath: "\(base)/\(algorithm)") {
                result["\(algorithm)/\(name)"] = FileManager.default.contents(atPath: "\(base)/\(algorithm)/\(name)")
            }
        }
        return result
    }

    func manifestDigests(_ layout: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: layout + "/index.json"))
        let index = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (index?["manifests"] as? [[String: Any]] ?? []).compactMap { $0["digest"] as? String }
    }

    @Test(Tool.enabled("skopeo", "umoci")) func skopeoCopiesUmociLayoutBothWaysWithIdenticalDigests() async throws {
        guard let skopeo = requireTool("skopeo"), let umoci = requireTool("umoci") else { return }
        let work = TemporaryRoot()
        defer { work.cleanup() }
        try FileManager.default.createDirectory(atPath: work.path, withIntermediateDirectories: true)
        let layout = work.path + "/layout"
        // Build a real image layout with umoci: init, new, unpack, add files, repack.
        try #require(try await run(umoci, ["init", "--layout", layout]).status == 0)
        try #require(try await run(umoci, ["new", "--image", "\(layout):v1"]).status == 0)
        let bundle = work.path + "/bundle"
        let unpack = try await run(umoci, ["unpack", "--rootless", "--image", "\(layout):v1", bundle])
        try #require(unpack.status == 0, "\(unpack.error)")
        try randomData(512 * 1024).write(to: URL(fileURLWithPath: bundle + "/rootfs/payload.bin"))
        try Data("hello from berth\n".utf8).write(to: URL(fileURLWithPath: bundle + "/rootfs/hello.txt"))
        let repack = try await run(umoci, ["repack", "--image", "\(layout):v1", bundle])
        try #require(repack.status == 0, "\(repack.error)")

        try await withRegistry(live: true) { client, services in
            let port = try #require(client.port)
            let target = "docker://127.0.0.1:\(port)/e2e/umoci:v1"
            let push = try await run(
                skopeo, ["copy", "--preserve-digests", "--dest-tls-verify=false", "oci:\(layout):v1", target])
            #expect(push.status == 0, "\(push.error)")
            let pulled = work.path + "/pulled"
            let pull = try await run(
                skopeo, ["copy", "--preserve-digests", "--src-tls-verify=false", target, "oci:\(pulled):v1"])
            #expect(pull.status == 0, "\(pull.error)")
            #expect(try manifestDigests(pulled) == manifestDigests(layout))
            let original = try blobs(layout)
            let copied = try blobs(pulled)
            for (path, data) in copied { #expect(original[path] == data, "blob \(path) is byte-identical") }
            #expect(Set(copied.keys).isSubset(of: Set(original.keys)))

            let tags = try await run(
                skopeo, ["list-tags", "--tls-verify=false", "docker://127.0.0.1:\(port)/e2e/umoci"])
            #expect(tags.output.contains("\"v1\""))
            let inspect = try await run(skopeo, ["inspect", "--raw", "--tls-verify=false", target])
            let digest = try manifestDigests(layout)[0]
            #expect(Digest.of(Data(inspect.output.utf8)).description == digest, "manifest bytes served exactly")
            #expect(try await Scrubber(storage: services.storage).run().problems.isEmpty)
        }
    }

    @Test(Tool.enabled("skopeo", "python3")) func skopeoPushesAndPullsLargeLayerAndDockerFormat() async throws {
        guard let skopeo = requireTool("skopeo"), let python = requireTool("python3") else { return }
        let work = TemporaryRoot()
        defer { work.cleanup() }
        try FileManager.default.createDirectory(atPath: work.path, withIntermediateDirectories: true)
        let layout = work.path + "/layout"
        let make = try await run(python, [Paths.repository + "/scripts/make-oci-layout.py", layout, "big", "20"])
        try #require(make.status == 0, "\(make.error)")
        try await withRegistry(live: true) { client, _ in
            let port = try #require(client.port)
            let push = try await run(
                skopeo,
                [
                    "copy", "--preserve-digests", "--dest-tls-verify=false", "oci:\(layout):big",
                    "docker://127.0.0.1:\(port)/e2e/big:v1",
                ])
            #expect(push.status == 0, "\(push.error)")
            let pulled = work.path + "/pulled"
            let pull = try await run(
                skopeo,
                [
                    "copy", "--preserve-digests", "--src-tls-verify=false", "docker://127.0.0.1:\(port)/e2e/big:v1",
                    "oci:\(pulled):v1",
                ])
            #expect(pull.status == 0, "\(pull.error)")
            #expect(try manifestDigests(pulled) == manifestDigests(layout))
            #expect(try blobs(pulled) == blobs(layout))
            // Docker schema 2: skopeo converts the manifest and pushes it with the Docker media type.
            let docker = try await run(
                skopeo,
                [
                    "copy", "--format", "v2s2", "--dest-tls-verify=false", "oci:\(layout):big",
                    "docker://127.0.0.1:\(port)/e2e/docker:v1",
                ])
            #expect(docker.status == 0, "\(docker.error)")
            let raw = try await run(
                skopeo, ["inspect", "--raw", "--tls-verify=false", "docker://127.0.0.1:\(port)/e2e/docker:v1"])
            #expect(raw.output.contains(MediaType.dockerManifest))
            let delete = try await run(
                skopeo, ["delete", "--tls-verify=false", "docker://127.0.0.1:\(port)/e2e/docker:v1"])
            #expect(delete.status == 0, "\(delete.error)")
        }
    }

    @Test(Tool.enabled(pythonModules: "oras")) func orasPushesPullsAndListsReferrers() async throws {
        guard let python = requireTool("python3") else { return }
        let probe = try await run(python, ["-c", "import oras.provider"])
        try #require(probe.status == 0, "the oras Python package: \(probe.error)")
        let work = TemporaryRoot()
        defer { work.cleanup() }
        try FileManager.default.createDirectory(atPath: work.path, withIntermediateDirectories: true)
        try await withRegistry(live: true) { client, _ in
            let port = try #require(client.port)
            let result = try await run(python, [Paths.fixtures + "/oras_e2e.py", "127.0.0.1:\(port)", work.path])
            #expect(result.status == 0, "\(result.error)")
            let report = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
            #expect(report?["identical"] as? Bool == true)
            #expect(report?["pulled"] as? [String] == ["artifact.txt", "big.bin"])
            #expect(report?["referrers"] as? [String] == ["signature"])
            #expect(report?["filteredCount"] as? Int == 0)
            #expect(report?["filterHeader"] as? String == "artifactType")
        }
    }

    @Test(Tool.enabled("podman", "buildah", "skopeo", "python3"))
    func podmanBuildahAndSkopeoWorkThroughTokenAuth() async throws {
        guard let podman = requireTool("podman"), let buildah = requireTool("buildah"),
            let skopeo = requireTool("skopeo"),
            let python = requireTool("python3")
        else { return }
        let work = TemporaryRoot()
        defer { work.cleanup() }
        try FileManager.default.createDirectory(atPath: work.path, withIntermediateDirectories: true)
        let layout = work.path + "/layout"
        try #require(
            try await run(python, [Paths.repository + "/scripts/make-oci-layout.py", layout, "img", "2"]).status == 0)
        // podman refuses run roots longer than 50 characters.
        let runroot = "/tmp/bp-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: runroot) }
        let storage = ["--root", work.path + "/storage", "--runroot", runroot, "--storage-driver", "vfs"]
        let authfile = work.path + "/auth.json"
        try await withRegistry(live: true, prepare: prepareUsers) { client, services in
            let host = "127.0.0.1:\(try #require(client.port))"
            // podman login: wrong password refused, right one accepted.
            let bad = try await run(
                podman,
                storage + [
                    "login", "--tls-verify=false", "--authfile", authfile, "-u", "developer", "-p", "wrong", host,
                ])
            #expect(bad.status != 0)
            let login = try await run(
                podman,
                storage + [
                    "login", "--tls-verify=false", "--authfile", authfile, "-u", "developer", "-p",
                    "password-developer", host,
                ])
            #expect(login.status == 0, "\(login.error)")
            let load = try await run(podman, storage + ["pull", "oci:\(layout):img"])
            #expect(load.status == 0, "\(load.error)")
            let imageID = load.output.split(separator: "\n").last.map(String.init) ?? ""
            let push = try await run(
                podman,
                storage + [
                    "push", "--tls-verify=false", "--authfile", authfile, imageID, "docker://\(host)/proj/podman:v1",
                ])
            #expect(push.status == 0, "\(push.error)")
            _ = try await run(podman, storage + ["rmi", "-f", imageID])
            let pull = try await run(
                podman, storage + ["pull", "--tls-verify=false", "--authfile", authfile, "\(host)/proj/podman:v1"])
            #expect(pull.status == 0, "\(pull.error)")
            // A guest may pull but not push.
            let guestPush = try await run(
                skopeo,
                [
                    "copy", "--dest-tls-verify=false", "--dest-creds", "guest:password-guest", "oci:\(layout):img",
                    "docker://\(host)/proj/guest:v1",
                ])
            #expect(guestPush.status != 0)
            let guestPull = try await run(
                skopeo,
                ["inspect", "--tls-verify=false", "--creds", "guest:password-guest", "docker://\(host)/proj/podman:v1"])
            #expect(guestPull.status == 0, "\(guestPull.error)")
            let anonymousPull = try await run(
                skopeo, ["inspect", "--tls-verify=false", "--no-creds", "docker://\(host)/proj/podman:v1"])
            #expect(anonymousPull.status != 0)

            // buildah push and pull with credentials.
            let from = try await run(buildah, storage + ["pull", "oci:\(layout):img"])
            #expect(from.status == 0, "\(from.error)")
            let buildahImage = from.output.split(separator: "\n").last.map(String.init) ?? ""
            let buildahPush = try await run(
                buildah,
                storage + [
                    "push", "--tls-verify=false", "--creds", "maintainer:password-maintainer", buildahImage,
                    "docker://\(host)/proj/buildah:v1",
                ])
            #expect(buildahPush.status == 0, "\(buildahPush.error)")
            let buildahPull = try await run(
                buildah,
                storage + [
                    "pull", "--tls-verify=false", "--creds", "guest:password-guest", "docker://\(host)/proj/buildah:v1",
                ])
            #expect(buildahPull.status == 0, "\(buildahPull.error)")
            let audit = try await auditText(services)
            #expect(audit.contains(#""action":"push""#) && audit.contains(#""user":"developer""#))
            #expect(audit.contains(#""decision":"deny""#), "the guest's refused push is audited")
        }
    }
}

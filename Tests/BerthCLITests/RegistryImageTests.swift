import Foundation
import TestSupport
import Testing

/// `berth sbom` and `berth scan` read `docker://` images from a registry (Berth's own, over
/// loopback), with the same result as the local layout the image was pushed from.
@Suite struct RegistryImageTests {
    /// An OCI layout of one image whose layer holds a dpkg status database of three packages.
    static func makeLayout(_ directory: URL) throws {
        let script = #"""
            import hashlib, io, json, os, sys, tarfile
            root = sys.argv[1]
            os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
            def put(data):
                digest = hashlib.sha256(data).hexdigest()
                open(os.path.join(root, "blobs", "sha256", digest), "wb").write(data)
                return {"digest": "sha256:" + digest, "size": len(data)}
            status = "".join(
                f"Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\n\n"
                for name, version in [("libc6", "2.36-9+deb12u7"), ("zlib1g", "1:1.2.13.dfsg-1"), ("bash", "5.2.15-2+b7")])
            os_release = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w") as tar:
                for name, text in [("var/lib/dpkg/status", status), ("etc/os-release", os_release)]:
                    data = text.encode()
                    entry = tarfile.TarInfo(name)
                    entry.size = len(data)
                    tar.addfile(entry, io.BytesIO(data))
            layer = buffer.getvalue()
            config = {"architecture": "amd64", "os": "linux", "config": {},
                      "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]}}
            manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **put(json.dumps(config).encode())),
                        "layers": [dict(mediaType="application/vnd.oci.image.layer.v1.tar", **put(layer))]}
            described = dict(mediaType=manifest["mediaType"], **put(json.dumps(manifest).encode()))
            described["annotations"] = {"org.opencontainers.image.ref.name": "v1"}
            json.dump({"schemaVersion": 2, "manifests": [described]}, open(os.path.join(root, "index.json"), "w"))
            open(os.path.join(root, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
            """#
        let result = try ChildProcess.runSync("python3", ["-c", script, directory.path])
        try #require(result.status == 0, "\(result.error)")
    }

    /// Package names and versions of an SBOM in Berth's JSON.
    static func packages(_ json: String) throws -> [String] {
        let document = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let packages = document?["packages"] as? [[String: Any]] ?? []
        return packages.map { "\($0["name"] ?? "?") \($0["version"] ?? "?")" }.sorted()
    }

    @Test(Tool.enabled("skopeo", "python3"))
    func sbomOfARegistryImageMatchesItsLayout() throws {
        let binary = try #require(BerthExecutable.path)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("berth-pull-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        try Self.makeLayout(work.appendingPathComponent("layout"))
        let server = Process()
        server.executableURL = URL(fileURLWithPath: binary)
        server.arguments = [
            "registry", "serve", "--root", work.appendingPathComponent("root").path, "--addr", "127.0.0.1:0",
            "--log-level", "error",
        ]
        let pipe = Pipe()
        server.standardOutput = pipe
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let line = String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
        let port = try #require(
            line.split(separator: "\n").first { $0.hasPrefix("listening on ") }?.split(separator: ":").last)
        let host = "127.0.0.1:\(port)"
        let push = try ChildProcess.runSync(
            "skopeo",
            ["copy", "--dest-tls-verify=false", "oci:\(work.path)/layout:v1", "docker://\(host)/team/app:v1"])
        try #require(push.status == 0, "\(push.error)")

        let local = try BerthExecutable.run(["sbom", "oci:\(work.path)/layout:v1", "--format", "json"])
        let remote = try BerthExecutable.run([
            "sbom", "docker://\(host)/team/app:v1", "--tls-verify=false", "--format", "json",
        ])
        #expect(remote.status == 0, "\(remote.error)")
        let expected = ["bash 5.2.15-2+b7", "libc6 2.36-9+deb12u7", "zlib1g 1:1.2.13.dfsg-1"]
        #expect(try Self.packages(local.output) == expected, "\(local.output.prefix(400))")
        #expect(try Self.packages(remote.output) == expected, "\(remote.output.prefix(400))")
        #expect(remote.output.contains("\"source\":\"docker://\(host)/team/app:v1\""))

        let missing = try BerthExecutable.run(["sbom", "docker://\(host)/team/none:v1", "--tls-verify=false"])
        #expect(missing.status == 2)
        #expect(missing.error.contains("MANIFEST_UNKNOWN"), "\(missing.error)")
    }
}

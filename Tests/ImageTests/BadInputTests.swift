import Foundation
import ImageTestSupport
import OCI
import Testing

@testable import Image

@Suite struct BadInputTests {
    /// Python's tarfile writes members with any name, including ones that climb out of the root.
    func pythonTar(_ builder: TestImageBuilder, _ script: String) throws -> Data {
        let output = builder.root + "/py-\(UUID().uuidString).tar"
        try TestImageBuilder.run("/usr/bin/env", ["python3", "-c", script, output])
        return try Data(contentsOf: URL(fileURLWithPath: output))
    }

    @Test func pathTraversalEntriesAreSkippedWithAWarning() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let tar = try pythonTar(
            builder,
            """
            import io, sys, tarfile
            with tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT) as t:
                for name, data in [("../../etc/evil", b"x"), ("ok/../../escape", b"y"), ("etc/fine", b"z")]:
                    info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
            """)
        let layout = try builder.ociLayout(
            "layout", layers: [(tar, "application/vnd.oci.image.layer.v1.tar", Digest.of(tar).description)])
        let (found, warnings) = try events(try Image.open(.ociLayout(path: layout.path, reference: nil)))
        #expect(content(found, "/etc/fine") == "z")
        #expect(found.count == 1)
        #expect(warnings.count == 2)
        #expect(warnings.allSatisfy { $0.message.contains("leaves the root") })
    }

    @Test func truncatedGzipLayerIsAnError() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let tree = try builder.tree("tree", ["data.bin": String(repeating: "abcdefgh", count: 20000)])
        let whole = try builder.layer(from: tree, gzip: true)
        let truncated = whole.prefix(whole.count / 2)
        let layout = try builder.ociLayout(
            "layout",
            layers: [
                (
                    Data(truncated), "application/vnd.oci.image.layer.v1.tar+gzip",
                    "sha256:" + String(repeating: "0", count: 64)
                )
            ])
        #expect {
            _ = try events(try Image.open(.ociLayout(path: layout.path, reference: nil)))
        } throws: { error in
            guard let error = error as? ImageError else { return false }
            if case .corruptStream = error { return true }
            if case .corruptTar = error { return true }
            return false
        }
    }

    @Test func truncatedPlainLayerIsAnError() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let tree = try builder.tree("tree", ["data.bin": String(repeating: "abcdefgh", count: 2000)])
        let whole = try builder.layer(from: tree, gzip: false)
        let truncated = Data(whole.prefix(5000))
        let layout = try builder.ociLayout(
            "layout", layers: [(truncated, "application/vnd.oci.image.layer.v1.tar", Digest.of(truncated).description)])
        #expect {
            _ = try events(try Image.open(.ociLayout(path: layout.path, reference: nil)))
        } throws: { error in
            (error as? ImageError)?.description.contains("ends") == true
        }
    }

    @Test func wrongLayerDigestIsAnError() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let tree = try builder.tree("tree", ["a": "b"])
        let layout = try builder.ociLayout("layout", layers: try builder.layers([tree]))
        // Corrupt the layer blob in place: its name no longer matches its content.
        let manifestPath = layout.path + "/blobs/sha256/" + layout.manifestDigest.dropFirst(7)
        let manifest =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifestPath)))
            as? [String: Any]
        let layerDigest = ((manifest?["layers"] as? [[String: Any]])?.first?["digest"] as? String) ?? ""
        let blob = layout.path + "/blobs/sha256/" + layerDigest.dropFirst(7)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: blob))
        bytes[bytes.count - 1] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: blob))
        #expect {
            _ = try events(try Image.open(.ociLayout(path: layout.path, reference: nil)))
        } throws: { error in
            guard case .digestMismatch = error as? ImageError else {
                // A flipped trailer byte may also be caught by gzip's own CRC first.
                if case .corruptStream = error as? ImageError { return true }
                return false
            }
            return true
        }
    }

    @Test func unknownLayerMediaTypeIsNamed() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let tree = try builder.tree("tree", ["a": "b"])
        let plain = try builder.layer(from: tree, gzip: false)
        let layout = try builder.ociLayout(
            "layout", layers: [(plain, "application/vnd.example.unknown", Digest.of(plain).description)])
        #expect {
            try Image.open(.ociLayout(path: layout.path, reference: nil))
        } throws: { error in
            (error as? ImageError)?.description.contains("application/vnd.example.unknown") == true
        }
    }

    @Test func tenGigabyteSparseEntryIsSkippedQuickly() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let tree = try builder.tree("tree", ["etc/os-release": "ID=debian\n"])
        try TestImageBuilder.run("/usr/bin/truncate", ["-s", "10G", tree + "/huge.img"])
        let output = builder.root + "/sparse.tar"
        try TestImageBuilder.run("/bin/tar", ["--sparse", "--format=gnu", "-C", tree, "-cf", output, "."])
        let tar = try Data(contentsOf: URL(fileURLWithPath: output))
        #expect(tar.count < 1 << 20)
        let layout = try builder.ociLayout(
            "layout", layers: [(tar, "application/vnd.oci.image.layer.v1.tar", Digest.of(tar).description)])
        let started = Date()
        let (found, warnings) = try events(try Image.open(.ociLayout(path: layout.path, reference: nil)))
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(content(found, "/etc/os-release") == "ID=debian\n")
        #expect(warnings.contains { $0.message.contains("sparse file '/huge.img'") })
    }

    @Test func corruptHeaderChecksumIsAnError() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let tree = try builder.tree("tree", ["a": "b"])
        var plain = try builder.layer(from: tree, gzip: false)
        plain[0] ^= 0x55
        let layout = try builder.ociLayout(
            "layout", layers: [(plain, "application/vnd.oci.image.layer.v1.tar", Digest.of(plain).description)])
        #expect {
            _ = try events(try Image.open(.ociLayout(path: layout.path, reference: nil)))
        } throws: { error in
            (error as? ImageError)?.description.contains("checksum") == true
        }
    }

    @Test func missingLayoutAndGarbageIndexAreClearErrors() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        #expect(throws: ImageError.self) { try Image.open(.ociLayout(path: builder.root + "/nothing", reference: nil)) }
        let layout = try builder.tree("garbage", ["index.json": "{not json"])
        #expect {
            try Image.open(.ociLayout(path: layout, reference: nil))
        } throws: { error in
            (error as? ImageError)?.description.contains("index.json") == true
        }
    }
}

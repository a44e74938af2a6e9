import Foundation
import ImageTestSupport
import OCI
import TestSupport
import Testing

@testable import Image

/// Reads every event of an image into a list.
func events(_ image: Image, selecting: (String) -> Bool = { _ in true }, limit: Int64 = 1 << 20) throws
    -> (events: [(Int, FileEvent)], warnings: [ImageWarning])
{
    var result: [(Int, FileEvent)] = []
    let warnings = try image.walk(selecting: selecting, maximumFileSize: limit) { layer, event in
        result.append((layer.index, event))
    }
    return (result, warnings)
}

func content(_ events: [(Int, FileEvent)], _ path: String) -> String? {
    for (_, event) in events {
        if case .file(let eventPath, let bytes) = event, eventPath == path {
            return String(decoding: bytes, as: UTF8.self)
        }
    }
    return nil
}

@Suite struct LayerWalkTests {
    @Test func ociLayoutWithGzipLayersWhiteoutsAndOpaqueDirectories() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let base = try builder.tree(
            "base", ["etc/os-release": "ID=debian\n", "opt/app/old.txt": "old", "tmp/gone.txt": "x"])
        let top = try builder.tree(
            "top", ["tmp/.wh.gone.txt": "", "opt/app/.wh..wh..opq": "", "opt/app/new.txt": "new"])
        let layout = try builder.ociLayout("layout", layers: try builder.layers([base, top]))
        let image = try Image.open(.ociLayout(path: layout.path, reference: "latest"))
        #expect(image.layers.count == 2)
        #expect(image.manifestDigest == layout.manifestDigest)
        #expect(image.platform == Platform(os: "linux", architecture: "amd64"))
        let (found, warnings) = try events(image)
        #expect(warnings.isEmpty)
        #expect(content(found, "/etc/os-release") == "ID=debian\n")
        #expect(found.contains { $0.0 == 1 && $0.1 == .whiteout(path: "/tmp/gone.txt") })
        #expect(found.contains { $0.0 == 1 && $0.1 == .opaque(directory: "/opt/app") })
        #expect(content(found, "/opt/app/new.txt") == "new")
    }

    @Test func uncompressedLayersAndLongNamesInEveryTarFormat() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let long = (0..<6).map { "directory-with-a-long-name-\($0)" }.joined(separator: "/") + "/file.txt"
        let tree = try builder.tree(
            "tree", [long: "deep", "usr/lib/os-release": "ID=alpine\n", "etc/os-release": "->../usr/lib/os-release"])
        for format in ["gnu", "pax", "ustar"] where !(format == "ustar" && long.count > 255) {
            let plain = try builder.layer(from: tree, gzip: false, format: format)
            let layout = try builder.ociLayout(
                "layout-\(format)",
                layers: [(plain, "application/vnd.oci.image.layer.v1.tar", Digest.of(plain).description)])
            let (found, _) = try events(try Image.open(.ociLayout(path: layout.path, reference: nil)))
            #expect(content(found, "/" + long) == "deep", "format \(format)")
            #expect(found.contains { $0.1 == .symbolicLink(path: "/etc/os-release", target: "../usr/lib/os-release") })
        }
    }

    @Test func hardLinksAreReported() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let tree = try builder.tree("tree", ["a/original": "content"])
        try FileManager.default.linkItem(atPath: tree + "/a/original", toPath: tree + "/a/linked")
        let layout = try builder.ociLayout("layout", layers: try builder.layers([tree]))
        let (found, _) = try events(try Image.open(.ociLayout(path: layout.path, reference: nil)))
        let linked =
            found.contains { $0.1 == .hardLink(path: "/a/original", target: "/a/linked") }
            || found.contains { $0.1 == .hardLink(path: "/a/linked", target: "/a/original") }
        #expect(linked)
    }

    @Test func selectorAndSizeLimitKeepContentOut() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let tree = try builder.tree(
            "tree", ["big.bin": String(repeating: "x", count: 5000), "small.txt": "s", "other": "o"])
        let layout = try builder.ociLayout("layout", layers: try builder.layers([tree]))
        let (found, _) = try events(
            try Image.open(.ociLayout(path: layout.path, reference: nil)), selecting: { $0 != "/other" }, limit: 1000)
        #expect(found.contains { $0.1 == .oversized(path: "/big.bin", size: 5000) })
        #expect(content(found, "/small.txt") == "s")
        #expect(content(found, "/other") == nil)
    }

    @Test func dockerArchiveAndOCIArchiveAndDirectory() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let base = try builder.tree("base", ["etc/os-release": "ID=debian\n"])
        let top = try builder.tree("top", ["etc/.wh.os-release": "", "srv/x": "y"])
        let docker = try builder.dockerArchive("docker", layerDirectories: [base, top])
        let image = try Image.open(.dockerArchive(path: docker))
        #expect(image.tags == ["test/image:1"])
        #expect(image.layers.count == 2)
        let (found, _) = try events(image)
        #expect(content(found, "/etc/os-release") == "ID=debian\n")
        #expect(found.contains { $0.0 == 1 && $0.1 == .whiteout(path: "/etc/os-release") })

        let layout = try builder.ociLayout("layout", layers: try builder.layers([base, top]))
        let archive = try builder.archive(layout.path, name: "oci")
        let (archived, _) = try events(try Image.open(.ociArchive(path: archive)))
        #expect(content(archived, "/srv/x") == "y")

        let (direct, _) = try events(try Image.open(.directory(path: base)))
        #expect(content(direct, "/etc/os-release") == "ID=debian\n")
    }

    @Test func indexWithTwoTagsNeedsAReference() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let tree = try builder.tree("tree", ["a": "b"])
        let layout = try builder.ociLayout("layout", layers: try builder.layers([tree]), tag: "one")
        // Add a second tag for the same manifest.
        let indexPath = layout.path + "/index.json"
        var index =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: indexPath))) as? [String: Any]
            ?? [:]
        var manifests = index["manifests"] as? [[String: Any]] ?? []
        if var second = manifests.first {
            second["annotations"] = ["org.opencontainers.image.ref.name": "two"]
            manifests.append(second)
        }
        index["manifests"] = manifests
        try JSONSerialization.data(withJSONObject: index).write(to: URL(fileURLWithPath: indexPath))
        #expect(throws: ImageError.self) { try Image.open(.ociLayout(path: layout.path, reference: nil)) }
        #expect(try Image.open(.ociLayout(path: layout.path, reference: "two")).layers.count == 1)
        #expect(throws: ImageError.self) { try Image.open(.ociLayout(path: layout.path, reference: "three")) }
    }
}

/// Archives written by skopeo itself, the way users make them.
@Suite struct SkopeoArchiveTests {
    @Test(Tool.enabled("skopeo")) func dockerAndOCIArchivesFromSkopeo() throws {
        guard let skopeo = Tool.require("skopeo") else { return }
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let base = try builder.tree("base", ["etc/os-release": "ID=debian\n", "opt/a.txt": "a"])
        let top = try builder.tree("top", ["opt/.wh.a.txt": "", "opt/b.txt": "b"])
        let layout = try builder.ociLayout("layout", layers: try builder.layers([base, top]), tag: "v1")
        let docker = builder.root + "/docker.tar"
        let oci = builder.root + "/oci.tar"
        try TestImageBuilder.run(
            skopeo, ["copy", "oci:\(layout.path):v1", "docker-archive:\(docker):example/small:v1"])
        try TestImageBuilder.run(skopeo, ["copy", "oci:\(layout.path):v1", "oci-archive:\(oci)"])
        for source in [ImageSource.dockerArchive(path: docker), .ociArchive(path: oci)] {
            let image = try Image.open(source)
            #expect(image.layers.count == 2, "\(source)")
            let (found, warnings) = try events(image)
            #expect(warnings.isEmpty)
            #expect(content(found, "/etc/os-release") == "ID=debian\n", "\(source)")
            #expect(found.contains { $0.0 == 1 && $0.1 == .whiteout(path: "/opt/a.txt") }, "\(source)")
        }
        #expect(try Image.open(.dockerArchive(path: docker)).tags == ["docker.io/example/small:v1"])
    }
}

/// zstd layers, compressed by the zstd tool and read through libzstd loaded at run time.
@Suite struct ZstdLayerTests {
    func zstdLayer(_ builder: TestImageBuilder, _ directory: String, zstd: String) throws -> Data {
        let plain = builder.root + "/plain-\(UUID().uuidString).tar"
        try builder.layer(from: directory, gzip: false).write(to: URL(fileURLWithPath: plain))
        try TestImageBuilder.run(zstd, ["-q", "-f", plain, "-o", plain + ".zst"])
        return try Data(contentsOf: URL(fileURLWithPath: plain + ".zst"))
    }

    @Test(Tool.enabled("zstd")) func zstdLayersAreRead() throws {
        guard let zstd = Tool.require("zstd") else { return }
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let tree = try builder.tree(
            "tree", ["etc/os-release": "ID=alpine\n", "big.txt": String(repeating: "zstd ", count: 100_000)])
        let data = try zstdLayer(builder, tree, zstd: zstd)
        let plain = try builder.layer(from: tree, gzip: false)
        let layout = try builder.ociLayout(
            "layout", layers: [(data, "application/vnd.oci.image.layer.v1.tar+zstd", Digest.of(plain).description)])
        let (found, warnings) = try events(try Image.open(.ociLayout(path: layout.path, reference: nil)))
        #expect(warnings.isEmpty)
        #expect(content(found, "/etc/os-release") == "ID=alpine\n")
        #expect(content(found, "/big.txt")?.count == 500_000)
    }

    @Test(Tool.enabled("zstd")) func truncatedZstdLayerIsAnError() throws {
        guard let zstd = Tool.require("zstd") else { return }
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let tree = try builder.tree("tree", ["random.txt": (0..<50_000).map { String($0 * 7919 % 10007) }.joined()])
        let data = try zstdLayer(builder, tree, zstd: zstd)
        let truncated = Data(data.prefix(data.count / 2))
        let layout = try builder.ociLayout(
            "layout",
            layers: [(truncated, "application/vnd.oci.image.layer.v1.tar+zstd", Digest.of(truncated).description)])
        #expect {
            _ = try events(try Image.open(.ociLayout(path: layout.path, reference: nil)))
        } throws: { error in
            guard let error = error as? ImageError else { return false }
            if case .corruptStream = error { return true }
            if case .corruptTar = error { return true }
            return false
        }
    }
}

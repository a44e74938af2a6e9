import Foundation
import OCI
import TestSupport

/// Builds small images on disk for tests: layers written by the system `tar`, laid out by hand as an
/// OCI image layout, a docker archive or an OCI archive.
public struct TestImageBuilder {
    /// A scratch directory removed by `cleanUp()`.
    public let root: String

    public init() throws {
        root = NSTemporaryDirectory() + "berth-image-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    public func cleanUp() { try? FileManager.default.removeItem(atPath: root) }

    /// Writes `files` (path to content; a content starting with `->` is a symbolic link) under a new
    /// directory and returns it.
    public func tree(_ name: String, _ files: [String: String]) throws -> String {
        let directory = root + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (path, content) in files.sorted(by: { $0.key < $1.key }) {
            let full = directory + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if content.hasPrefix("->") {
                try FileManager.default.createSymbolicLink(
                    atPath: full, withDestinationPath: String(content.dropFirst(2)))
            } else {
                try Data(content.utf8).write(to: URL(fileURLWithPath: full))
            }
        }
        return directory
    }

    /// A tar of `directory` made by the system tar, optionally gzip-compressed.
    public func layer(from directory: String, gzip: Bool, format: String = "gnu") throws -> Data {
        let output = root + "/layer-\(UUID().uuidString).tar"
        try Self.run(
            "/bin/tar",
            ["--format=\(format)", "--sort=name", "--owner=0", "--group=0", "-C", directory, "-cf", output, "."])
        var data = try Data(contentsOf: URL(fileURLWithPath: output))
        if gzip {
            try Self.run("/bin/gzip", ["-n", "-f", output])
            data = try Data(contentsOf: URL(fileURLWithPath: output + ".gz"))
        }
        return data
    }

    /// Writes an OCI image layout of `layers` (already tar or tar+gzip bytes) and returns its path.
    @discardableResult
    public func ociLayout(
        _ name: String, layers: [(data: Data, mediaType: String, diffID: String)], tag: String? = "latest",
        labels: [String: String] = [:]
    ) throws -> (path: String, manifestDigest: String) {
        let layout = root + "/" + name
        let blobs = layout + "/blobs/sha256"
        try FileManager.default.createDirectory(atPath: blobs, withIntermediateDirectories: true)
        func put(_ data: Data) throws -> String {
            let digest = Digest.of(data)
            try data.write(to: URL(fileURLWithPath: blobs + "/" + digest.encoded))
            return digest.description
        }
        let config: [String: Any] = [
            "architecture": "amd64", "os": "linux",
            "config": ["Labels": labels, "Env": ["PATH=/usr/bin"]],
            "rootfs": ["type": "layers", "diff_ids": layers.map(\.diffID)],
        ]
        let configData = try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
        let configDigest = try put(configData)
        var layerDescriptors: [[String: Any]] = []
        for layer in layers {
            let digest = try put(layer.data)
            layerDescriptors.append(["mediaType": layer.mediaType, "digest": digest, "size": layer.data.count])
        }
        let manifest: [String: Any] = [
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": [
                "mediaType": "application/vnd.oci.image.config.v1+json", "digest": configDigest,
                "size": configData.count,
            ],
            "layers": layerDescriptors,
        ]
        let manifestData = try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys])
        let manifestDigest = try put(manifestData)
        var entry: [String: Any] = [
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifestDigest,
            "size": manifestData.count,
        ]
        if let tag { entry["annotations"] = ["org.opencontainers.image.ref.name": tag] }
        let index: [String: Any] = ["schemaVersion": 2, "manifests": [entry]]
        try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys])
            .write(to: URL(fileURLWithPath: layout + "/index.json"))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: URL(fileURLWithPath: layout + "/oci-layout"))
        return (layout, manifestDigest)
    }

    /// Layers as `ociLayout` wants them, from directories.
    public func layers(_ directories: [String], gzip: Bool = true) throws -> [(
        data: Data, mediaType: String, diffID: String
    )] {
        try directories.map { directory in
            let plain = try layer(from: directory, gzip: false)
            let data = gzip ? try layer(from: directory, gzip: true) : plain
            let mediaType = "application/vnd.oci.image.layer.v1.tar" + (gzip ? "+gzip" : "")
            return (data, mediaType, Digest.of(plain).description)
        }
    }

    /// A docker-save archive (`manifest.json`, config, `<id>/layer.tar`) of uncompressed layers.
    public func dockerArchive(_ name: String, layerDirectories: [String], tag: String = "test/image:1") throws -> String
    {
        let staging = root + "/" + name + "-staging"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        var diffIDs: [String] = []
        var names: [String] = []
        for directory in layerDirectories {
            let data = try layer(from: directory, gzip: false)
            let digest = Digest.of(data)
            diffIDs.append(digest.description)
            try FileManager.default.createDirectory(
                atPath: staging + "/" + digest.encoded, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: staging + "/" + digest.encoded + "/layer.tar"))
            names.append(digest.encoded + "/layer.tar")
        }
        let config: [String: Any] = [
            "architecture": "amd64", "os": "linux", "rootfs": ["type": "layers", "diff_ids": diffIDs],
        ]
        let configData = try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
        let configName = Digest.of(configData).encoded + ".json"
        try configData.write(to: URL(fileURLWithPath: staging + "/" + configName))
        let manifest: [[String: Any]] = [["Config": configName, "RepoTags": [tag], "Layers": names]]
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: staging + "/manifest.json"))
        let archive = root + "/" + name + ".tar"
        try Self.run("/bin/tar", ["--format=gnu", "-C", staging, "-cf", archive, "."])
        return archive
    }

    /// A tar of an OCI layout directory (the oci-archive transport).
    public func archive(_ directory: String, name: String) throws -> String {
        let archive = root + "/" + name + ".tar"
        try Self.run("/bin/tar", ["--format=gnu", "-C", directory, "-cf", archive, "."])
        return archive
    }

    /// Runs a tool and fails when it exits non-zero.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        let result = try ChildProcess.runSync(executable, arguments, environment: environment)
        guard result.status == 0 else {
            throw TestImageError.tool("\(executable) \(arguments.joined(separator: " ")) failed: \(result.error)")
        }
    }

    /// Runs a tool and returns its standard output, standard error and exit status.
    public static func capture(_ executable: String, _ arguments: [String], environment: [String: String]? = nil)
        throws -> (output: String, errors: String, status: Int32)
    {
        let result = try ChildProcess.runSync(executable, arguments, environment: environment)
        return (result.output, result.error, result.status)
    }

    /// The executable `name` on PATH, if any.
    public static func which(_ name: String) -> String? { Tool.find(name) }

    /// Whether tests must fail rather than skip when a tool is missing.
    public static var underCI: Bool { Environment.isCI }
}

public enum TestImageError: Error, CustomStringConvertible {
    case tool(String)

    public var description: String {
        switch self {
        case .tool(let message): return message
        }
    }
}

extension TestImageBuilder {
    /// The repository's root directory.
    public static var packageRoot: String { Repository.root.path }

    /// The `berth` executable built beside the test bundle.
    public static var berthBinary: String? { BerthExecutable.path }

    /// Writes a jar with the given entries (name to text) using Python's zipfile; `stored` names are not compressed.
    public func jar(_ path: String, entries: [String: String], binaryEntries: [String: String] = [:]) throws {
        let full = path.hasPrefix("/") ? path : root + "/" + path
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let specification = try JSONSerialization.data(withJSONObject: ["text": entries, "files": binaryEntries])
        let specificationPath = root + "/jar-\(UUID().uuidString).json"
        try specification.write(to: URL(fileURLWithPath: specificationPath))
        let script = """
            import json, sys, zipfile
            spec = json.load(open(sys.argv[2]))
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
                for name, text in sorted(spec["text"].items()):
                    z.writestr(name, text)
                for name, source in sorted(spec["files"].items()):
                    z.write(source, name)
            """
        try Self.run("/usr/bin/env", ["python3", "-c", script, full, specificationPath])
    }
}

import Foundation
import OCI

/// One layer of an image as its manifest and config describe it.
public struct LayerInfo: Sendable, Equatable {
    /// Position in the image, 0 for the base layer.
    public var index: Int
    /// The digest of the layer blob as stored (compressed), when known.
    public var digest: String?
    /// The digest of the uncompressed tar (the config's `rootfs.diff_ids`), when known.
    public var diffID: String?
    /// The media type the manifest declares; empty for docker archives and directories.
    public var mediaType: String
    /// The blob size in bytes, when known.
    public var size: Int64?

    public init(index: Int, digest: String?, diffID: String?, mediaType: String, size: Int64?) {
        self.index = index
        self.digest = digest
        self.diffID = diffID
        self.mediaType = mediaType
        self.size = size
    }

    /// The identifier to show for the layer: the diff-id, else the blob digest, else its index.
    public var identifier: String { diffID ?? digest ?? "layer-\(index)" }
}

/// The operating system and architecture an image is built for.
public struct Platform: Sendable, Equatable, CustomStringConvertible {
    public var os: String
    public var architecture: String
    public var variant: String?

    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// Parses `os/arch[/variant]`.
    public init(parsing text: String) throws(ImageError) {
        let parts = text.split(separator: "/").map(String.init)
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            throw .invalidReference("platform '\(text.prefix(100))' (expected os/arch[/variant])")
        }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    /// The platform of the machine running Berth.
    public static var current: Platform {
        #if arch(arm64)
            return Platform(os: "linux", architecture: "arm64")
        #else
            return Platform(os: "linux", architecture: "amd64")
        #endif
    }

    public var description: String { "\(os)/\(architecture)" + (variant.map { "/\($0)" } ?? "") }
}

/// Layer media types this reader accepts; anything else is refused by name.
public enum LayerMediaType {
    public static let known: Set<String> = [
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
        "application/vnd.docker.image.rootfs.diff.tar",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    ]
}

/// An opened image: where it came from, its platform, config and layers, ready to walk.
public struct Image: Sendable {
    public let source: ImageSource
    /// The manifest digest, when the image has a manifest.
    public let manifestDigest: String?
    /// The config blob digest, when the image has a config.
    public let configDigest: String?
    public let platform: Platform?
    /// Tags the archive or layout records for the image.
    public let tags: [String]
    /// The config's labels.
    public let labels: [String: String]
    /// The config's environment (`KEY=value`).
    public let environment: [String]
    public let layers: [LayerInfo]

    enum Content: Sendable {
        case store(any BlobStore, layerPaths: [String])
        case directory(String)
    }

    let content: Content

    /// Opens `source` and reads its manifest and config; layers are read only by `walk`.
    public static func open(_ source: ImageSource, platform: Platform? = nil) throws(ImageError) -> Image {
        switch source {
        case .directory(let path):
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw .io(path: path, reason: "no such directory")
            }
            return Image(
                source: source, manifestDigest: nil, configDigest: nil, platform: nil, tags: [], labels: [:],
                environment: [],
                layers: [LayerInfo(index: 0, digest: nil, diffID: nil, mediaType: "", size: nil)],
                content: .directory(path))
        case .ociLayout(let path, let reference):
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw .io(path: path, reason: "no such OCI layout directory")
            }
            return try openLayout(DirectoryStore(root: path), source: source, reference: reference, platform: platform)
        case .ociArchive(let path):
            return try openLayout(try TarStore(path: path), source: source, reference: nil, platform: platform)
        case .dockerArchive(let path):
            let store = try TarStore(path: path)
            if store.members["manifest.json"] == nil, store.members["index.json"] != nil {
                return try openLayout(store, source: source, reference: nil, platform: platform)
            }
            return try openDockerArchive(store, source: source)
        case .registry(let reference):
            throw .unsupportedTransport(
                "docker://\(reference.prefix(200)): reading from a registry is not available in this build; "
                    + "copy the image to a local layout first (skopeo copy docker://... oci:DIR:TAG)")
        }
    }

    private static func openLayout(
        _ store: any BlobStore, source: ImageSource, reference: String?, platform: Platform?
    ) throws(ImageError) -> Image {
        guard let indexData = try store.readSmall("index.json") else {
            throw .invalidImage(subject: store.location, reason: "no index.json: not an OCI image layout")
        }
        let index = try decode(IndexDocument.self, indexData, subject: "\(store.location)/index.json")
        var candidates = index.manifests
        if let reference {
            candidates = candidates.filter { $0.annotations?["org.opencontainers.image.ref.name"] == reference }
            if candidates.isEmpty, reference.hasPrefix("sha256:") {
                candidates = index.manifests.filter { $0.digest == reference }
            }
            guard !candidates.isEmpty else {
                throw .notFound(subject: store.location, reason: "no manifest tagged '\(reference)' in index.json")
            }
        }
        guard !candidates.isEmpty else {
            throw .notFound(subject: store.location, reason: "index.json lists no manifests")
        }
        guard candidates.count == 1 || reference != nil || platform != nil else {
            let names = candidates.compactMap { $0.annotations?["org.opencontainers.image.ref.name"] }
            throw .notFound(
                subject: store.location,
                reason: "index.json lists \(candidates.count) manifests; name one as oci:PATH:REF"
                    + (names.isEmpty ? "" : " (\(names.sorted().joined(separator: ", ")))"))
        }
        var descriptor = try choose(candidates, platform: platform, subject: "\(store.location)/index.json")
        var depth = 0
        let tags = index.manifests.filter { $0.digest == descriptor.digest }
            .compactMap { $0.annotations?["org.opencontainers.image.ref.name"] }
        while true {
            let path = try BlobStoreHelpers.blobPath(descriptor.digest)
            guard let data = try readVerified(store, path: path, digest: descriptor.digest) else {
                throw .notFound(subject: store.location, reason: "manifest blob \(descriptor.digest) is missing")
            }
            let summary: ManifestSummary
            do {
                summary = try ManifestParser.parse(
                    data, contentType: descriptor.mediaType.isEmpty ? nil : descriptor.mediaType)
            } catch {
                throw .invalidImage(subject: "manifest \(descriptor.digest)", reason: error.description)
            }
            if MediaType.isIndex(summary.mediaType) {
                depth += 1
                guard depth < 4 else {
                    throw .invalidImage(subject: "manifest \(descriptor.digest)", reason: "indexes nested too deep")
                }
                let children = summary.manifests.map {
                    IndexDocument.Entry(
                        mediaType: $0.mediaType, digest: $0.digest.description, size: $0.size,
                        annotations: $0.annotations, platform: nil)
                }
                let platforms = try childPlatforms(data)
                var entries = children
                for offset in entries.indices where offset < platforms.count {
                    entries[offset].platform = platforms[offset]
                }
                descriptor = try choose(entries, platform: platform ?? .current, subject: "index \(descriptor.digest)")
                continue
            }
            guard let config = summary.config else {
                throw .invalidImage(subject: "manifest \(descriptor.digest)", reason: "no config descriptor")
            }
            for layer in summary.layers where !LayerMediaType.known.contains(layer.mediaType) {
                throw .unsupportedMediaType(subject: "layer \(layer.digest)", mediaType: layer.mediaType)
            }
            let configPath = try BlobStoreHelpers.blobPath(config.digest.description)
            guard let configData = try readVerified(store, path: configPath, digest: config.digest.description) else {
                throw .notFound(subject: store.location, reason: "config blob \(config.digest) is missing")
            }
            let configDocument = try decode(
                ConfigDocument.self, configData, subject: "config \(config.digest.description)")
            let diffIDs = configDocument.rootfs?.diff_ids ?? []
            var layers: [LayerInfo] = []
            var paths: [String] = []
            for (offset, layer) in summary.layers.enumerated() {
                layers.append(
                    LayerInfo(
                        index: offset, digest: layer.digest.description,
                        diffID: offset < diffIDs.count ? diffIDs[offset] : nil, mediaType: layer.mediaType,
                        size: layer.size))
                paths.append(try BlobStoreHelpers.blobPath(layer.digest.description))
            }
            return Image(
                source: source, manifestDigest: descriptor.digest, configDigest: config.digest.description,
                platform: configDocument.platform, tags: tags, labels: configDocument.config?.Labels ?? [:],
                environment: configDocument.config?.Env ?? [], layers: layers,
                content: .store(store, layerPaths: paths))
        }
    }

    private static func openDockerArchive(_ store: TarStore, source: ImageSource) throws(ImageError) -> Image {
        guard let manifestData = try store.readSmall("manifest.json") else {
            throw .invalidImage(subject: store.path, reason: "no manifest.json: not a docker archive")
        }
        let manifests = try decode([DockerArchiveManifest].self, manifestData, subject: "\(store.path)/manifest.json")
        guard let manifest = manifests.first else {
            throw .notFound(subject: "\(store.path)/manifest.json", reason: "lists no images")
        }
        guard manifests.count == 1 else {
            throw .notFound(
                subject: "\(store.path)/manifest.json",
                reason: "lists \(manifests.count) images; only single-image archives are read")
        }
        guard let configName = normalisedArchiveName(manifest.Config),
            let configData = try store.readSmall(configName)
        else {
            throw .notFound(subject: store.path, reason: "config '\(manifest.Config)' is missing")
        }
        let config = try decode(ConfigDocument.self, configData, subject: "\(store.path)/\(manifest.Config)")
        let diffIDs = config.rootfs?.diff_ids ?? []
        guard diffIDs.isEmpty || diffIDs.count == manifest.Layers.count else {
            throw .invalidImage(
                subject: "\(store.path)/\(manifest.Config)",
                reason: "\(diffIDs.count) diff_ids for \(manifest.Layers.count) layers")
        }
        var layers: [LayerInfo] = []
        var paths: [String] = []
        for (offset, name) in manifest.Layers.enumerated() {
            guard let path = normalisedArchiveName(name), let member = store.members[path] else {
                throw .notFound(subject: store.path, reason: "layer '\(name)' is missing")
            }
            var digest: String?
            if path.hasPrefix("blobs/sha256/") { digest = "sha256:" + path.dropFirst("blobs/sha256/".count) }
            layers.append(
                LayerInfo(
                    index: offset, digest: digest, diffID: offset < diffIDs.count ? diffIDs[offset] : nil,
                    mediaType: "", size: member.size))
            paths.append(path)
        }
        return Image(
            source: source, manifestDigest: nil, configDigest: "sha256:" + Digest.of(configData).encoded,
            platform: config.platform, tags: manifest.RepoTags ?? [], labels: config.config?.Labels ?? [:],
            environment: config.config?.Env ?? [], layers: layers, content: .store(store, layerPaths: paths))
    }

    private static func readVerified(_ store: any BlobStore, path: String, digest: String) throws(ImageError) -> Data? {
        guard let data = try store.readSmall(path) else { return nil }
        let algorithm: Digest.Algorithm = digest.hasPrefix("sha512:") ? .sha512 : .sha256
        let actual = Digest.of(data, algorithm: algorithm).description
        guard actual == digest else {
            throw .digestMismatch(subject: "\(store.location)/\(path)", expected: digest, actual: actual)
        }
        return data
    }

    private static func choose(
        _ entries: [IndexDocument.Entry], platform: Platform?, subject: String
    ) throws(ImageError) -> IndexDocument.Entry {
        guard let platform, entries.count > 1 || entries.first?.platform != nil else {
            if let first = entries.first { return first }
            throw .notFound(subject: subject, reason: "no manifests")
        }
        let matching = entries.filter {
            guard let candidate = $0.platform else { return false }
            return candidate.os == platform.os && candidate.architecture == platform.architecture
                && (platform.variant == nil || candidate.variant == platform.variant)
        }
        if let first = matching.first { return first }
        if entries.count == 1, let only = entries.first, only.platform == nil { return only }
        let available = entries.compactMap { $0.platform?.description }
        throw .notFound(
            subject: subject,
            reason: "no manifest for platform \(platform)"
                + (available.isEmpty ? "" : " (available: \(available.joined(separator: ", ")))"))
    }

    private static func childPlatforms(_ data: Data) throws(ImageError) -> [Platform?] {
        struct Child: Decodable { var platform: PlatformDocument? }
        struct Document: Decodable { var manifests: [Child]? }
        let document = try decode(Document.self, data, subject: "index")
        return (document.manifests ?? []).map { $0.platform?.platform }
    }
}

/// Helpers on blob paths shared by the stores.
enum BlobStoreHelpers {
    static func blobPath(_ digest: String) throws(ImageError) -> String {
        try DirectoryStore.blobPath(digest)
    }
}

func decode<T: Decodable>(_ type: T.Type, _ data: Data, subject: String) throws(ImageError) -> T {
    do {
        return try JSONDecoder().decode(type, from: data)
    } catch let error as DecodingError {
        switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
            .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .invalidImage(
                subject: subject,
                reason: path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)")
        @unknown default:
            throw .invalidImage(subject: subject, reason: "malformed JSON")
        }
    } catch {
        throw .invalidImage(subject: subject, reason: "malformed JSON")
    }
}

struct PlatformDocument: Decodable {
    var os: String?
    var architecture: String?
    var variant: String?

    var platform: Platform? {
        guard let os, let architecture else { return nil }
        return Platform(os: os, architecture: architecture, variant: variant)
    }
}

struct IndexDocument: Decodable {
    struct Entry: Decodable {
        var mediaType: String
        var digest: String
        var size: Int64?
        var annotations: [String: String]?
        var platform: Platform?

        enum CodingKeys: String, CodingKey { case mediaType, digest, size, annotations, platform }

        init(mediaType: String, digest: String, size: Int64?, annotations: [String: String]?, platform: Platform?) {
            self.mediaType = mediaType
            self.digest = digest
            self.size = size
            self.annotations = annotations
            self.platform = platform
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            mediaType = try container.decodeIfPresent(String.self, forKey: .mediaType) ?? ""
            digest = try container.decode(String.self, forKey: .digest)
            size = try container.decodeIfPresent(Int64.self, forKey: .size)
            annotations = try container.decodeIfPresent([String: String].self, forKey: .annotations)
            platform = try container.decodeIfPresent(PlatformDocument.self, forKey: .platform)?.platform
        }
    }

    var manifests: [Entry]
}

// Field names follow the image config and docker archive formats.
// swift-format-ignore: AlwaysUseLowerCamelCase
struct ConfigDocument: Decodable {
    struct RootFS: Decodable { var diff_ids: [String]? }
    struct Inner: Decodable {
        var Labels: [String: String]?
        var Env: [String]?
    }

    var os: String?
    var architecture: String?
    var variant: String?
    var rootfs: RootFS?
    var config: Inner?

    var platform: Platform? {
        guard let os, let architecture else { return nil }
        return Platform(os: os, architecture: architecture, variant: variant)
    }
}

// swift-format-ignore: AlwaysUseLowerCamelCase
struct DockerArchiveManifest: Decodable {
    var Config: String
    var RepoTags: [String]?
    var Layers: [String]
}

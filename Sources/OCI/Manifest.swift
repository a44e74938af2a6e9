import Foundation

/// Media types of the manifests a registry stores.
public enum MediaType {
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let ociEmptyJSON = "application/vnd.oci.empty.v1+json"
    public static let ociLayout = "application/vnd.oci.layout.header.v1+json"

    /// The manifest media types accepted on push.
    public static let manifests: Set<String> = [ociManifest, ociIndex, dockerManifest, dockerManifestList]

    /// Whether `mediaType` is an index or list (its children are manifests, not blobs).
    public static func isIndex(_ mediaType: String) -> Bool {
        mediaType == ociIndex || mediaType == dockerManifestList
    }
}

/// A content descriptor (OCI image spec `descriptor.md`).
public struct Descriptor: Codable, Sendable, Hashable {
    public var mediaType: String
    public var digest: Digest
    public var size: Int64
    public var artifactType: String?
    public var annotations: [String: String]?
    public var urls: [String]?

    public init(
        mediaType: String, digest: Digest, size: Int64, artifactType: String? = nil,
        annotations: [String: String]? = nil, urls: [String]? = nil
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.artifactType = artifactType
        self.annotations = annotations
        self.urls = urls
    }

    enum CodingKeys: String, CodingKey {
        case mediaType, digest, size, artifactType, annotations, urls
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mediaType = try container.decodeIfPresent(String.self, forKey: .mediaType) ?? ""
        digest = try container.decode(Digest.self, forKey: .digest)
        size = try container.decode(Int64.self, forKey: .size)
        artifactType = try container.decodeIfPresent(String.self, forKey: .artifactType)
        annotations = try container.decodeIfPresent([String: String].self, forKey: .annotations)
        urls = try container.decodeIfPresent([String].self, forKey: .urls)
    }
}

/// What a registry needs to know about a pushed manifest: its kind and what it points to.
public struct ManifestSummary: Sendable, Equatable {
    /// The effective media type (Content-Type, or the document's `mediaType`).
    public var mediaType: String
    /// The artifact type for the referrers API: `artifactType`, else `config.mediaType`.
    public var artifactType: String?
    /// The document's annotations.
    public var annotations: [String: String]?
    /// The config descriptor of an image manifest.
    public var config: Descriptor?
    /// Layers of an image manifest.
    public var layers: [Descriptor]
    /// Children of an index or manifest list.
    public var manifests: [Descriptor]
    /// The manifest this one refers to (referrers API).
    public var subject: Descriptor?

    /// Descriptors of blobs that must exist in the repository: the config and every layer
    /// that has no external `urls` (non-distributable layers may live elsewhere).
    public var requiredBlobs: [Descriptor] {
        var result: [Descriptor] = []
        if let config { result.append(config) }
        result += layers.filter { ($0.urls ?? []).isEmpty }
        return result
    }
}

private struct ManifestDocument: Decodable {
    var schemaVersion: Int?
    var mediaType: String?
    var artifactType: String?
    var config: Descriptor?
    var layers: [Descriptor]?
    var manifests: [Descriptor]?
    var subject: Descriptor?
    var annotations: [String: String]?
}

/// Parses and validates manifests as they arrive on push.
public enum ManifestParser {
    /// Parses `data` pushed with `contentType` (may be nil or generic) and validates its structure.
    public static func parse(_ data: Data, contentType: String?) throws(OCIError) -> ManifestSummary {
        let document: ManifestDocument
        do {
            document = try JSONDecoder().decode(ManifestDocument.self, from: data)
        } catch let error as DecodingError {
            throw OCIError.invalidManifest("cannot decode manifest JSON: \(describe(error))")
        } catch {
            throw OCIError.invalidManifest("cannot decode manifest JSON")
        }
        let declared = contentType.map(normalise).flatMap { MediaType.manifests.contains($0) ? $0 : nil }
        guard let mediaType = declared ?? document.mediaType else {
            throw OCIError.invalidManifest(
                "unknown manifest media type '\(contentType ?? "")'; expected one of \(MediaType.manifests.sorted().joined(separator: ", "))"
            )
        }
        guard MediaType.manifests.contains(mediaType) else {
            throw OCIError.invalidManifest("unsupported manifest media type '\(mediaType.prefix(200))'")
        }
        if let inner = document.mediaType, inner != mediaType {
            throw OCIError.invalidManifest(
                "mediaType '\(inner.prefix(200))' does not match Content-Type '\(mediaType)'")
        }
        guard document.schemaVersion == 2 else {
            throw OCIError.invalidManifest("schemaVersion must be 2")
        }
        var summary = ManifestSummary(
            mediaType: mediaType, artifactType: nil, annotations: document.annotations,
            config: nil, layers: [], manifests: [], subject: document.subject)
        if MediaType.isIndex(mediaType) {
            guard let manifests = document.manifests else {
                throw OCIError.invalidManifest("an index must have a 'manifests' array")
            }
            summary.manifests = manifests
            summary.artifactType = document.artifactType
        } else {
            guard let config = document.config else {
                throw OCIError.invalidManifest("an image manifest must have a 'config' descriptor")
            }
            guard let layers = document.layers else {
                throw OCIError.invalidManifest("an image manifest must have a 'layers' array")
            }
            summary.config = config
            summary.layers = layers
            summary.artifactType = document.artifactType ?? config.mediaType
        }
        return summary
    }

    /// Strips parameters and whitespace from a Content-Type value.
    public static func normalise(_ contentType: String) -> String {
        let base = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? contentType
        return base.trimmingCharacters(in: .whitespaces).lowercased()
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
            .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default:
            return "malformed"
        }
    }
}

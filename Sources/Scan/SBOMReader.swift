import BerthCore
import Foundation
import Image

/// Reads back the SBOM `berth sbom --format json` writes, so `berth scan sbom:PATH` matches an image
/// catalogued earlier without reading the image again.
public enum SBOMReader {
    /// Largest SBOM read; a catalogue of a large image is a few megabytes.
    public static let maximumSize = 256 << 20

    /// Reads the SBOM at `path` (`-` for standard input).
    public static func read(path: String) throws(ScanError) -> Catalog {
        let bytes: [UInt8]
        do {
            bytes = try BoundedInput.read(path, limit: maximumSize)
        } catch {
            throw .invalidSBOM(path: path, reason: "\(error)")
        }
        return try parse(Data(bytes), path: path)
    }

    /// Decodes Berth's SBOM JSON (schema version `SBOMWriter.jsonSchemaVersion`).
    public static func parse(_ data: Data, path: String) throws(ScanError) -> Catalog {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw .invalidSBOM(path: path, reason: "field '\(fieldPath(context.codingPath + [key]))' is missing")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .invalidSBOM(path: path, reason: "field '\(fieldPath(context.codingPath))' has the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw .invalidSBOM(path: path, reason: "field '\(fieldPath(context.codingPath))' is null")
        } catch let DecodingError.dataCorrupted(context) {
            let field = fieldPath(context.codingPath)
            throw .invalidSBOM(
                path: path, reason: field.isEmpty ? "not JSON" : "field '\(field)': \(context.debugDescription)")
        } catch {
            throw .invalidSBOM(path: path, reason: "\(error)")
        }
        guard document.schemaVersion == SBOMWriter.jsonSchemaVersion else {
            throw .invalidSBOM(
                path: path,
                reason:
                    "schema version \(document.schemaVersion) is not \(SBOMWriter.jsonSchemaVersion); write it with berth sbom --format json"
            )
        }
        let image = document.image
        return Catalog(
            source: image.source, manifestDigest: image.manifestDigest, configDigest: image.configDigest,
            platform: image.platform, tags: image.tags,
            layers: image.layers.map {
                LayerInfo(index: $0.index, digest: $0.digest, diffID: $0.diffID, mediaType: $0.mediaType, size: $0.size)
            },
            distribution: document.distribution.map {
                Distribution(
                    id: $0.id, versionID: $0.versionID, codename: $0.codename, prettyName: $0.prettyName, idLike: [])
            },
            packages: document.packages.map {
                SoftwarePackage(
                    type: $0.type, name: $0.name, version: $0.version, purl: $0.purl, sourceName: $0.sourceName,
                    sourceVersion: $0.sourceVersion, architecture: $0.architecture, groupID: $0.groupID,
                    artifactID: $0.artifactID, licenses: $0.licenses, locations: $0.locations, layer: $0.layer)
            },
            warnings: document.warnings)
    }

    private static func fieldPath(_ path: [any CodingKey]) -> String {
        let text = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return text.hasPrefix(".") ? String(text.dropFirst()) : text
    }

    struct Document: Decodable {
        var schemaVersion: Int
        var image: ImageEntry
        var distribution: DistributionEntry?
        var packages: [PackageEntry]
        var warnings: [String]
    }

    struct ImageEntry: Decodable {
        var source: String
        var manifestDigest: String?
        var configDigest: String?
        var platform: String?
        var tags: [String]
        var layers: [LayerEntry]
    }

    struct LayerEntry: Decodable {
        var index: Int
        var digest: String?
        var diffID: String?
        var mediaType: String
        var size: Int64?
    }

    struct DistributionEntry: Decodable {
        var id: String
        var versionID: String?
        var codename: String?
        var prettyName: String?
    }

    struct PackageEntry: Decodable {
        var type: PackageType
        var name: String
        var version: String
        var purl: String
        var sourceName: String?
        var sourceVersion: String?
        var architecture: String?
        var groupID: String?
        var artifactID: String?
        var licenses: [String]
        var locations: [String]
        var layer: String
    }
}

import BerthCore
import Crypto
import Foundation

/// What cataloguing found in each layer, stored by the layer's diff-id, so an image that shares
/// layers with one catalogued before (the same base image, the same JDK) reads only its new layers.
///
/// An entry holds the layer's cataloguing events in order (files as what they contributed, links,
/// whiteouts) and the warnings met reading it; replaying them gives the same catalogue as reading
/// the layer. The key also covers the cataloguing limits and `Cataloger.resultsVersion`, so a
/// change to either misses instead of serving old results. Unreadable entries are misses.
///
/// Reading a layer checks the blob's digest (or, in a docker archive, the diff-id itself), but not
/// an image configuration's claim that a compressed blob has a given diff-id. So that an image whose
/// configuration lies cannot plant results other images would be served, the key pairs the diff-id
/// with the digest of the blob that was read: the same layer shared by images hits, whatever the
/// images around it.
public struct LayerCache: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `$BERTH_LAYER_CACHE`, else `$XDG_CACHE_HOME/berth/layers`, else `~/.cache/berth/layers`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String
    {
        if let path = environment["BERTH_LAYER_CACHE"], !path.isEmpty { return path }
        let cache =
            environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.cache")
        return cache + "/berth/layers"
    }

    /// The entry's file for a layer catalogued with `options`.
    func path(_ key: LayerKey, options: CatalogOptions) -> String {
        let limits = options.archiveLimits
        let material = [
            "berth-layer-cache", String(Cataloger.resultsVersion), key.diffID, key.blobDigest ?? "",
            String(options.maximumFileSize),
            String(limits.maximumDepth), String(limits.maximumNestedSize), String(limits.maximumMetadataSize),
            String(limits.maximumTotalInflated),
        ].joined(separator: "\n")
        let digest = SHA256.hash(data: Data(material.utf8)).map { String(format: "%02x", $0) }.joined()
        return directory + "/" + digest + ".json"
    }

    func load(_ key: LayerKey, options: CatalogOptions) -> CachedLayer? {
        guard let data = FileManager.default.contents(atPath: path(key, options: options)),
            let entry = try? JSONDecoder().decode(CachedLayer.self, from: data), entry.key == key
        else { return nil }
        return entry
    }

    /// Stores `entry`; a cache that cannot be written is only slower, so failures are ignored.
    func store(_ entry: CachedLayer, options: CatalogOptions) {
        guard let data = try? JSONEncoder().encode(entry) else { return }
        try? AtomicFile.write(data, to: path(entry.key, options: options))
    }
}

/// What identifies a layer's content in the cache: its diff-id and the digest of its blob as stored
/// (nil in a docker archive, where the diff-id is what reading checks).
struct LayerKey: Codable, Equatable {
    var diffID: String
    var blobDigest: String?
}

/// One layer's cataloguing, as `LayerCache` stores it.
struct CachedLayer: Codable {
    var key: LayerKey
    var events: [CachedEvent]
    /// Warnings met reading the layer (skipped paths, sparse files), as shown.
    var warnings: [String]
}

/// A layer event after analysis: a selected file is kept as what it contributes, not its bytes.
enum CachedEvent: Codable {
    case file(path: String, result: Cataloger.FileResult)
    case oversized(path: String, size: Int64)
    case symbolicLink(path: String, target: String)
    case hardLink(path: String, target: String)
    case whiteout(path: String)
    case opaque(directory: String)
}

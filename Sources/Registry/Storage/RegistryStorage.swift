import Foundation
import OCI

/// Content-addressed, crash-safe storage for blobs, manifests, tags and referrers.
///
/// Layout under `root`:
/// ```
/// blobs/<alg>/<hex[0..2]>/<hex>                        content (blobs and manifests), written once
/// uploads/<uuid>/{data,info.json}                      upload sessions, resumable across restarts
/// repositories/<name>/_layers/<alg>/<hex>              blob linked into a repository
/// repositories/<name>/_manifests/revisions/<alg>/<hex> manifest in a repository; holds its media type
/// repositories/<name>/_manifests/tags/<tag>            holds the tagged digest
/// repositories/<name>/_referrers/<alg>/<hex>/<alg>-<hex> descriptor of a manifest whose subject is <hex>
/// ```
/// Every acknowledged change is fsynced and published by rename, so a crash leaves either the old
/// state or the new one. Content is written before any link to it, so nothing visible ever points
/// at missing content.
public struct RegistryStorage: Sendable {
    /// The storage root.
    public let root: String

    public init(root: String) throws {
        self.root = (root as NSString).standardizingPath
        for directory in ["blobs", "uploads", "repositories", "tmp"] {
            try POSIXFile.makeDirectory(self.root + "/" + directory)
        }
    }

    // MARK: Paths

    func blobPath(_ digest: Digest) -> String {
        "\(root)/blobs/\(digest.algorithm.rawValue)/\(digest.encoded.prefix(2))/\(digest.encoded)"
    }

    func repositoryPath(_ name: String) -> String { "\(root)/repositories/\(name)" }

    func layerLinkPath(_ name: String, _ digest: Digest) -> String {
        "\(repositoryPath(name))/_layers/\(digest.algorithm.rawValue)/\(digest.encoded)"
    }

    func revisionPath(_ name: String, _ digest: Digest) -> String {
        "\(repositoryPath(name))/_manifests/revisions/\(digest.algorithm.rawValue)/\(digest.encoded)"
    }

    func tagsPath(_ name: String) -> String { "\(repositoryPath(name))/_manifests/tags" }

    func tagPath(_ name: String, _ tag: String) -> String { "\(tagsPath(name))/\(tag)" }

    func referrersPath(_ name: String, _ subject: Digest) -> String {
        "\(repositoryPath(name))/_referrers/\(subject.algorithm.rawValue)/\(subject.encoded)"
    }

    var temporaryDirectory: String { "\(root)/tmp" }
    var uploadsDirectory: String { "\(root)/uploads" }

    // MARK: Blobs

    /// Size of a stored blob, or nil.
    public func blobSize(_ digest: Digest) -> Int64? {
        POSIXFile.size(blobPath(digest))
    }

    /// Whether `name` has `digest` linked and the content exists.
    public func repositoryHasBlob(_ name: String, _ digest: Digest) -> Bool {
        POSIXFile.exists(layerLinkPath(name, digest)) && POSIXFile.exists(blobPath(digest))
    }

    /// Moves a verified, fsynced file into the content store (or drops it when already present).
    func commitBlob(from temporary: String, digest: Digest) throws {
        let destination = blobPath(digest)
        let directory = (destination as NSString).deletingLastPathComponent
        try POSIXFile.makeDirectory(directory)
        if POSIXFile.exists(destination) {
            POSIXFile.remove(temporary)
            POSIXFile.touch(destination)
            return
        }
        guard rename(temporary, destination) == 0 else {
            throw StorageError.io(path: destination, reason: POSIXFile.errorText())
        }
        try POSIXFile.syncDirectory(directory)
    }

    /// Stores small content (a manifest) by digest.
    func storeContent(_ data: Data, digest: Digest) throws {
        let destination = blobPath(digest)
        if POSIXFile.exists(destination) {
            POSIXFile.touch(destination)
            return
        }
        try POSIXFile.writeDurably(data, to: destination)
    }

    /// Links a stored blob into a repository, durably.
    public func linkBlob(_ name: String, _ digest: Digest) throws {
        let link = layerLinkPath(name, digest)
        POSIXFile.touch(blobPath(digest))
        if POSIXFile.exists(link) { return }
        try POSIXFile.writeDurably(Data(), to: link)
    }

    /// Removes a blob's link from a repository; the content stays until garbage collection.
    public func unlinkBlob(_ name: String, _ digest: Digest) throws -> Bool {
        let link = layerLinkPath(name, digest)
        guard POSIXFile.remove(link) else { return false }
        try POSIXFile.syncDirectory((link as NSString).deletingLastPathComponent)
        return true
    }

    // MARK: Repositories

    /// Whether the repository has ever received content.
    public func repositoryExists(_ name: String) -> Bool {
        POSIXFile.isDirectory(repositoryPath(name) + "/_layers")
            || POSIXFile.isDirectory(repositoryPath(name) + "/_manifests")
    }

    /// Every repository name, in lexical order.
    public func repositories() -> [String] {
        var result: [String] = []
        func walk(_ prefix: String, depth: Int) {
            guard depth < 64 else { return }
            let path = prefix.isEmpty ? "\(root)/repositories" : "\(root)/repositories/\(prefix)"
            for entry in POSIXFile.list(path) where !entry.hasPrefix("_") {
                let name = prefix.isEmpty ? entry : "\(prefix)/\(entry)"
                // Never through a symbolic link: it could loop or lead out of the root.
                guard POSIXFile.isRealDirectory("\(root)/repositories/\(name)") else { continue }
                if repositoryExists(name) { result.append(name) }
                walk(name, depth: depth + 1)
            }
        }
        walk("", depth: 0)
        return result.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    // MARK: Manifests

    /// A manifest as stored.
    public struct StoredManifest: Sendable {
        public var digest: Digest
        public var mediaType: String
        public var size: Int64
        public var path: String
    }

    /// Looks a manifest up by digest in a repository.
    public func manifest(_ name: String, digest: Digest) -> StoredManifest? {
        guard let typeData = POSIXFile.contents(revisionPath(name, digest)),
            let size = POSIXFile.size(blobPath(digest))
        else { return nil }
        let mediaType = String(decoding: typeData, as: UTF8.self)
        return StoredManifest(digest: digest, mediaType: mediaType, size: size, path: blobPath(digest))
    }

    /// Resolves a tag to a digest.
    public func resolveTag(_ name: String, _ tag: String) -> Digest? {
        guard let data = POSIXFile.contents(tagPath(name, tag)) else { return nil }
        return try? Digest(parsing: String(decoding: data, as: UTF8.self))
    }

    /// Stores a manifest's bytes and links it (and its tags and referrer entry) into `name`.
    ///
    /// Order: content, revision, referrer entry, then tags, each durable before the next.
    public func putManifest(
        _ name: String, data: Data, digest: Digest, summary: ManifestSummary, tags: [String]
    ) throws {
        try storeContent(data, digest: digest)
        try POSIXFile.writeDurably(Data(summary.mediaType.utf8), to: revisionPath(name, digest))
        if let subject = summary.subject {
            let descriptor = Descriptor(
                mediaType: summary.mediaType, digest: digest, size: Int64(data.count),
                artifactType: summary.artifactType, annotations: summary.annotations)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let entry = try encoder.encode(descriptor)
            try POSIXFile.writeDurably(entry, to: referrersPath(name, subject.digest) + "/" + digest.tagForm)
        }
        for tag in tags {
            try POSIXFile.writeDurably(Data(digest.description.utf8), to: tagPath(name, tag))
        }
    }

    /// Tags of a repository in lexical order.
    public func tags(_ name: String) -> [String] {
        POSIXFile.list(tagsPath(name))
    }

    /// Digests of every manifest revision in a repository.
    public func revisions(_ name: String) -> [Digest] {
        var result: [Digest] = []
        for algorithm in Digest.Algorithm.allCases {
            let directory = "\(repositoryPath(name))/_manifests/revisions/\(algorithm.rawValue)"
            for entry in POSIXFile.list(directory) {
                if let digest = try? Digest(algorithm: algorithm, encoded: entry) { result.append(digest) }
            }
        }
        return result
    }

    /// Digests of every blob linked into a repository.
    public func linkedBlobs(_ name: String) -> [Digest] {
        var result: [Digest] = []
        for algorithm in Digest.Algorithm.allCases {
            for entry in POSIXFile.list("\(repositoryPath(name))/_layers/\(algorithm.rawValue)") {
                if let digest = try? Digest(algorithm: algorithm, encoded: entry) { result.append(digest) }
            }
        }
        return result
    }

    /// Removes a tag; returns whether it existed.
    public func deleteTag(_ name: String, _ tag: String) throws -> Bool {
        guard POSIXFile.remove(tagPath(name, tag)) else { return false }
        try POSIXFile.syncDirectory(tagsPath(name))
        return true
    }

    /// Removes a manifest from a repository with every tag that points at it and its referrer entry.
    public func deleteManifest(_ name: String, digest: Digest) throws -> Bool {
        guard POSIXFile.exists(revisionPath(name, digest)) else { return false }
        for tag in tags(name) where resolveTag(name, tag) == digest {
            _ = try deleteTag(name, tag)
        }
        if let data = POSIXFile.contents(blobPath(digest)),
            let summary = try? ManifestParser.parse(data, contentType: manifest(name, digest: digest)?.mediaType),
            let subject = summary.subject
        {
            POSIXFile.remove(referrersPath(name, subject.digest) + "/" + digest.tagForm)
        }
        POSIXFile.remove(revisionPath(name, digest))
        try POSIXFile.syncDirectory((revisionPath(name, digest) as NSString).deletingLastPathComponent)
        return true
    }

    /// Descriptors of manifests in `name` whose subject is `subject`.
    public func referrers(_ name: String, subject: Digest) -> [Descriptor] {
        let directory = referrersPath(name, subject)
        let decoder = JSONDecoder()
        var result: [Descriptor] = []
        for entry in POSIXFile.list(directory) {
            guard let data = POSIXFile.contents(directory + "/" + entry),
                let descriptor = try? decoder.decode(Descriptor.self, from: data),
                POSIXFile.exists(revisionPath(name, descriptor.digest))
            else { continue }
            result.append(descriptor)
        }
        return result
    }
}

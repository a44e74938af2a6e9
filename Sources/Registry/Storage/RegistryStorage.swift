import Foundation
import OCI
import RegistryMetadata

/// Content-addressed, crash-safe storage for blobs, manifests, tags and referrers, on a
/// ``StorageDriver`` (the local file system by default, or an S3-compatible object store).
///
/// Layout (paths of the driver):
/// ```
/// blobs/<alg>/<hex[0..2]>/<hex>                        content (blobs and manifests), written once
/// uploads/<uuid>/...                                   upload sessions, resumable across restarts
/// repositories/<name>/_layers/<alg>/<hex>              blob linked into a repository
/// repositories/<name>/_manifests/revisions/<alg>/<hex> manifest in a repository; holds its media type
/// repositories/<name>/_manifests/tags/<tag>            holds the tagged digest
/// repositories/<name>/_referrers/<alg>/<hex>/<alg>-<hex> descriptor of a manifest whose subject is <hex>
/// ```
/// Every acknowledged change is durable and published atomically, so a crash leaves either the old
/// state or the new one. Content is written before any link to it, so nothing visible ever points
/// at missing content.
public struct RegistryStorage: Sendable {
    /// The local directory of the registry's own state (users, audit log, scan records, keys); with
    /// the file-system driver also the content's root.
    public let root: String
    /// Where the content is.
    public let driver: any StorageDriver
    /// Whether blob downloads may be answered with a redirect to the driver's temporary URL.
    public let redirects: Bool
    /// Shared by writers of references (pushes, mounts, scans), exclusive for garbage collection.
    public let lock: any ContentLock
    /// The metadata database (users, robots, projects, members, policies, audit log, scan
    /// records) when one is configured; without it they are files under `root`.
    public let metadata: MetadataStore?

    /// Storage on the local file system under `root`.
    public init(root: String) throws {
        let driver = try FileSystemDriver(root: root)
        self.init(root: driver.root, driver: driver)
    }

    /// Storage on `driver`, with local state under `root`.
    public init(
        root: String, driver: any StorageDriver, redirects: Bool = false, lock: (any ContentLock)? = nil,
        metadata: MetadataStore? = nil
    ) {
        self.root = (root as NSString).standardizingPath
        self.driver = driver
        self.redirects = redirects
        self.lock = lock ?? StorageLock(root: self.root)
        self.metadata = metadata
    }

    /// The storage `configuration` names: the object store of `storage`, else the file system
    /// under `root`; local state under `root` either way.
    public static func open(
        _ configuration: RegistryConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> RegistryStorage {
        let driver: any StorageDriver
        if let location = configuration.storage {
            try POSIXFile.makeDirectory(configuration.root + "/tmp")
            driver = try ObjectStoreDriver(location: location, environment: environment)
        } else {
            driver = try FileSystemDriver(root: configuration.root)
        }
        var lock: (any ContentLock)?
        var metadata: MetadataStore?
        switch try configuration.databaseLocation() {
        case .postgres(let url):
            let settings = try PostgresSettings(url: url, environment: environment)
            // Two pools: a lock waiter holds its connection while it waits (PostgreSQL's advisory
            // locks block), so records read or written under a lock (the audit log during
            // retention, say) must never queue behind the waiters for a connection.
            lock = PostgresContentLock(database: PostgresDatabase(settings: settings), content: driver.description)
            metadata = MetadataStore(database: PostgresDatabase(settings: settings))
        case .sqlite(let settings):
            // One node: the content lock stays the file lock under the root.
            try POSIXFile.makeDirectory((settings.path as NSString).deletingLastPathComponent)
            metadata = MetadataStore(database: try SQLiteDatabase(settings: settings))
        case nil:
            break
        }
        return RegistryStorage(
            root: configuration.root, driver: driver, redirects: configuration.storageRedirect, lock: lock,
            metadata: metadata)
    }

    /// Applies the metadata database's pending migrations (every replica may; one does the work).
    /// A store that served before the database existed is imported into it then, once.
    public func prepareMetadata() async throws {
        try await metadata?.migrate()
        try await importContentIndexIfNeeded()
    }

    // MARK: Paths

    func blobPath(_ digest: Digest) -> String {
        "blobs/\(digest.algorithm.rawValue)/\(digest.encoded.prefix(2))/\(digest.encoded)"
    }

    func repositoryPath(_ name: String) -> String { "repositories/\(name)" }

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

    /// A local scratch directory (scans unpack images here).
    var temporaryDirectory: String { "\(root)/tmp" }

    /// The time now by the content store's own clock (what its modification times are measured
    /// by), read by writing and removing an empty file; nil when the store gives no time.
    public func clock() async throws -> Date? {
        let path = "state/clock-\(UUID().uuidString.lowercased())"
        try await driver.write(path, Data())
        let time = try await driver.stat(path)?.modified
        try await driver.delete(path)
        return time
    }

    // MARK: Blobs

    /// Size of a stored blob, or nil.
    public func blobSize(_ digest: Digest) async throws -> Int64? {
        try await driver.stat(blobPath(digest))?.size
    }

    /// The bytes of a stored blob (for small blobs: manifests, configurations, attestations).
    public func blobContent(_ digest: Digest) async throws -> Data? {
        try await driver.read(blobPath(digest))
    }

    /// The size of `digest` when `name` has it linked and the content exists, else nil.
    ///
    /// With a database its index answers first: one lookup instead of two reads of the store (two
    /// requests on an object store). The index records a link from just before it is written
    /// until just after it is removed, so it may name a link a killed process never wrote (until
    /// `gc` or `scrub --reindex` corrects it); with `confirm` the store's link is checked as well,
    /// for answers a client acts on (a HEAD before a push skips the upload when it says 200).
    public func linkedBlobSize(_ name: String, _ digest: Digest, confirm: Bool = true) async throws -> Int64? {
        if let metadata,
            let size = try await metadata.contentSize(repository: name, digest: digest.description, kind: .blob)
        {
            guard confirm else { return size }
            return try await driver.exists(layerLinkPath(name, digest)) ? size : nil
        }
        guard try await driver.exists(layerLinkPath(name, digest)) else { return nil }
        return try await blobSize(digest)
    }

    /// Whether `name` has `digest` linked and the content exists.
    public func repositoryHasBlob(_ name: String, _ digest: Digest) async throws -> Bool {
        guard try await driver.exists(layerLinkPath(name, digest)) else { return false }
        return try await driver.exists(blobPath(digest))
    }

    /// With a metadata database, adds `digests` to the marks of a garbage collection running now
    /// (see ``GarbageCollector/run(dryRun:now:)``); called under the shared content lock, with the
    /// store's own mark of use (``StorageDriver/touch(_:)`` or a write).
    public func markInUse(_ digests: [Digest]) async throws {
        try await metadata?.markInUse(digests.map(\.description), now: MetadataClock.now())
    }

    /// Stores small content (a manifest) by digest.
    func storeContent(_ data: Data, digest: Digest) async throws {
        let destination = blobPath(digest)
        try await markInUse([digest])
        if try await driver.exists(destination) {
            try await driver.touch(destination)
            return
        }
        try await driver.write(destination, data)
    }

    /// Links a stored blob into a repository, durably.
    ///
    /// With a metadata database the index records the link first: a crash in between leaves the
    /// project charged for a link it does not have (which `gc` and `scrub --reindex` correct),
    /// never the reverse, which would let a project exceed its quota. A caller that knows the
    /// blob's size passes it and saves reading it (a HEAD request on an object store).
    public func linkBlob(_ name: String, _ digest: Digest, size known: Int64? = nil) async throws {
        let link = layerLinkPath(name, digest)
        try await markInUse([digest])
        try await driver.touch(blobPath(digest))
        var size = known
        if metadata != nil, size == nil { size = try await blobSize(digest) }
        if let metadata, let size {
            try await metadata.addContent([
                .init(
                    repository: name, project: PolicyEngine.project(of: name), digest: digest.description,
                    kind: .blob, size: size)
            ])
        }
        if try await driver.exists(link) { return }
        try await driver.write(link, Data())
    }

    /// Removes a blob's link from a repository; the content stays until garbage collection.
    public func unlinkBlob(_ name: String, _ digest: Digest) async throws -> Bool {
        let removed = try await driver.delete(layerLinkPath(name, digest))
        try await metadata?.removeContent(repository: name, digest: digest.description, kind: .blob)
        return removed
    }

    // MARK: Repositories

    /// Whether the repository has ever received content.
    public func repositoryExists(_ name: String) async throws -> Bool {
        try await driver.list(repositoryPath(name)).contains {
            $0.isDirectory && ($0.name == "_layers" || $0.name == "_manifests")
        }
    }

    /// Every repository name, in lexical order.
    public func repositories() async throws -> [String] {
        var result: [String] = []
        func walk(_ prefix: String, depth: Int) async throws {
            guard depth < 64 else { return }
            let path = prefix.isEmpty ? "repositories" : "repositories/\(prefix)"
            let entries = try await driver.list(path)
            if !prefix.isEmpty
                && entries.contains(where: { $0.isDirectory && ($0.name == "_layers" || $0.name == "_manifests") })
            {
                result.append(prefix)
            }
            for entry in entries where entry.isDirectory && !entry.name.hasPrefix("_") {
                try await walk(prefix.isEmpty ? entry.name : "\(prefix)/\(entry.name)", depth: depth + 1)
            }
        }
        try await walk("", depth: 0)
        return result.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    // MARK: Manifests

    /// A manifest as stored.
    public struct StoredManifest: Sendable {
        public var digest: Digest
        public var mediaType: String
        public var size: Int64
    }

    /// Looks a manifest up by digest in a repository.
    public func manifest(_ name: String, digest: Digest) async throws -> StoredManifest? {
        guard let typeData = try await driver.read(revisionPath(name, digest)),
            let size = try await blobSize(digest)
        else { return nil }
        let mediaType = String(decoding: typeData, as: UTF8.self)
        return StoredManifest(digest: digest, mediaType: mediaType, size: size)
    }

    /// A manifest's bytes and description, or nil when the repository has no such manifest.
    public func manifestContent(_ name: String, digest: Digest) async throws -> (StoredManifest, Data)? {
        guard let stored = try await manifest(name, digest: digest), let data = try await blobContent(digest) else {
            return nil
        }
        return (stored, data)
    }

    /// When a manifest revision was written into a repository.
    public func pushTime(_ name: String, digest: Digest) async throws -> Date? {
        try await driver.stat(revisionPath(name, digest))?.modified
    }

    /// Resolves a tag to a digest.
    public func resolveTag(_ name: String, _ tag: String) async throws -> Digest? {
        if let metadata {
            return try await metadata.tag(repository: name, name: tag).flatMap { try? Digest(parsing: $0) }
        }
        guard let data = try await driver.read(tagPath(name, tag)) else { return nil }
        return try? Digest(parsing: String(decoding: data, as: UTF8.self))
    }

    /// Stores a manifest's bytes and links it (and its tags and referrer entry) into `name`.
    ///
    /// Order: content, revision, referrer entry, then tags, each durable before the next. With a
    /// metadata database the index records the revision before it is written, and the tags live
    /// in the database (moved each in its own transaction) rather than in the store.
    public func putManifest(
        _ name: String, data: Data, digest: Digest, summary: ManifestSummary, tags: [String]
    ) async throws {
        try await storeContent(data, digest: digest)
        try await metadata?.addContent([
            .init(
                repository: name, project: PolicyEngine.project(of: name), digest: digest.description,
                kind: .manifest, size: Int64(data.count))
        ])
        try await driver.write(revisionPath(name, digest), Data(summary.mediaType.utf8))
        if let subject = summary.subject {
            let descriptor = Descriptor(
                mediaType: summary.mediaType, digest: digest, size: Int64(data.count),
                artifactType: summary.artifactType, annotations: summary.annotations)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let entry = try encoder.encode(descriptor)
            try await driver.write(referrersPath(name, subject.digest) + "/" + digest.tagForm, entry)
        }
        for tag in tags {
            if let metadata {
                try await metadata.moveTag(repository: name, name: tag, to: digest.description)
            } else {
                try await driver.write(tagPath(name, tag), Data(digest.description.utf8))
            }
        }
    }

    /// Tags of a repository in lexical order.
    public func tags(_ name: String) async throws -> [String] {
        guard let metadata else { return try await driver.list(tagsPath(name)).filter { !$0.isDirectory }.map(\.name) }
        var names: [String] = []
        var after: String?
        while true {
            let page = try await metadata.tags(repository: name, after: after, limit: 10_000)
            names += page.map(\.name)
            guard page.count == 10_000, let last = page.last else { return names }
            after = last.name
        }
    }

    /// The names of `all` (in byte order) after `last`, at most `limit` of them (all without a
    /// limit), and whether more follow: the distribution API's `n` and `last`.
    static func page(_ all: [String], after last: String?, limit: Int?) -> (tags: [String], more: Bool) {
        var items = all
        if let last {
            let key = Array(last.utf8)
            items = items.filter { key.lexicographicallyPrecedes(Array($0.utf8)) }
        }
        guard let limit else { return (items, false) }
        return (Array(items.prefix(limit)), items.count > limit && limit > 0)
    }

    /// One page of `name`'s tags in lexical (byte) order: those after `last`, at most `limit` of
    /// them (all without a limit), and whether more follow. With a database the page is read from
    /// it, not the whole list.
    public func tagPage(_ name: String, after last: String?, limit: Int?) async throws -> (tags: [String], more: Bool) {
        guard let metadata, let limit else { return Self.page(try await tags(name), after: last, limit: limit) }
        guard limit > 0 else { return ([], false) }
        let page = try await metadata.tags(repository: name, after: last, limit: limit + 1).map(\.name)
        return (Array(page.prefix(limit)), page.count > limit)
    }

    /// Digests of the files of `directory` whose names are the encoded digests of one algorithm each.
    private func digests(under directory: String) async throws -> [Digest] {
        var result: [Digest] = []
        for algorithm in Digest.Algorithm.allCases {
            for entry in try await driver.list("\(directory)/\(algorithm.rawValue)") where !entry.isDirectory {
                if let digest = try? Digest(algorithm: algorithm, encoded: entry.name) { result.append(digest) }
            }
        }
        return result
    }

    /// Digests of every manifest revision in a repository.
    public func revisions(_ name: String) async throws -> [Digest] {
        try await digests(under: "\(repositoryPath(name))/_manifests/revisions")
    }

    /// Digests of every blob linked into a repository.
    public func linkedBlobs(_ name: String) async throws -> [Digest] {
        try await digests(under: "\(repositoryPath(name))/_layers")
    }

    /// Every blob in the content store.
    public func allBlobs() async throws -> [Digest] {
        var result: [Digest] = []
        for algorithm in Digest.Algorithm.allCases {
            let base = "blobs/\(algorithm.rawValue)"
            for prefix in try await driver.list(base) where prefix.isDirectory {
                for entry in try await driver.list("\(base)/\(prefix.name)") where !entry.isDirectory {
                    if let digest = try? Digest(algorithm: algorithm, encoded: entry.name) { result.append(digest) }
                }
            }
        }
        return result
    }

    /// Removes a tag; returns whether it existed.
    public func deleteTag(_ name: String, _ tag: String) async throws -> Bool {
        if let metadata { return try await metadata.deleteTag(repository: name, name: tag) }
        return try await driver.delete(tagPath(name, tag))
    }

    /// Removes a manifest from a repository with every tag that points at it and its referrer entry.
    public func deleteManifest(_ name: String, digest: Digest) async throws -> Bool {
        guard try await driver.exists(revisionPath(name, digest)) else { return false }
        if let metadata {
            try await metadata.deleteTags(repository: name, pointingAt: digest.description)
        } else {
            for tag in try await tags(name) where try await resolveTag(name, tag) == digest {
                _ = try await deleteTag(name, tag)
            }
        }
        if let (stored, data) = try await manifestContent(name, digest: digest),
            let summary = try? ManifestParser.parse(data, contentType: stored.mediaType),
            let subject = summary.subject
        {
            try await driver.delete(referrersPath(name, subject.digest) + "/" + digest.tagForm)
        }
        let removed = try await driver.delete(revisionPath(name, digest))
        try await metadata?.removeContent(repository: name, digest: digest.description, kind: .manifest)
        return removed
    }

    /// Descriptors of manifests in `name` whose subject is `subject`.
    public func referrers(_ name: String, subject: Digest) async throws -> [Descriptor] {
        let directory = referrersPath(name, subject)
        let decoder = JSONDecoder()
        var result: [Descriptor] = []
        for entry in try await driver.list(directory) where !entry.isDirectory {
            guard let data = try await driver.read(directory + "/" + entry.name),
                let descriptor = try? decoder.decode(Descriptor.self, from: data),
                try await driver.exists(revisionPath(name, descriptor.digest))
            else { continue }
            result.append(descriptor)
        }
        return result
    }
}

import Foundation
import OCI
import RegistryMetadata

/// With a metadata database, tags live in it and it indexes what each repository holds (so a
/// project's storage use is a query, not a walk of the store). A store that served before the
/// database existed is imported into it once.
extension RegistryStorage {
    /// The marker the import leaves in the database.
    static let contentIndexMarker = "content-index"

    /// Imports the store's tags and an index of its repositories into an empty database, once:
    /// under the exclusive content lock, so no push runs meanwhile and a second process waiting
    /// for the lock finds the marker and does nothing. Returns the repositories imported, or nil
    /// when there was nothing to do.
    @discardableResult
    public func importContentIndexIfNeeded() async throws -> Int? {
        guard let metadata, try await metadata.storedValue(Self.contentIndexMarker) == nil else { return nil }
        return try await lock.withLock(exclusive: true) { () async throws -> Int? in
            guard try await metadata.storedValue(Self.contentIndexMarker) == nil else { return nil }
            let repositories = try await self.repositories()
            for repository in repositories {
                try await metadata.addContent(try await storedContent(repository))
                var tags: [MetadataStore.Tag] = []
                for entry in try await driver.list(tagsPath(repository)) where !entry.isDirectory {
                    guard let data = try await driver.read(tagPath(repository, entry.name)),
                        let digest = try? Digest(parsing: String(decoding: data, as: UTF8.self))
                    else { continue }
                    tags.append(.init(name: entry.name, digest: digest.description))
                }
                try await metadata.putTags(repository: repository, tags)
            }
            let stamp = ISO8601DateFormatter().string(from: Date())
            try await metadata.storeValue(
                Self.contentIndexMarker, "imported \(repositories.count) repositories at \(stamp)")
            return repositories.count
        }
    }

    /// What the store says `repository` holds: its revisions and its linked blobs whose content exists.
    func storedContent(_ repository: String) async throws -> [MetadataStore.ContentEntry] {
        let project = PolicyEngine.project(of: repository)
        var entries: [MetadataStore.ContentEntry] = []
        for (kind, digests) in [
            (MetadataStore.ContentKind.manifest, try await revisions(repository)),
            (.blob, try await linkedBlobs(repository)),
        ] {
            let sizes = try await PolicyEngine.concurrently(digests, width: 16) { try await blobSize($0) }
            for (digest, size) in zip(digests, sizes) {
                guard let size else { continue }
                entries.append(
                    .init(repository: repository, project: project, digest: digest.description, kind: kind, size: size))
            }
        }
        return entries
    }

    /// One difference between the index and the store.
    public struct IndexDrift: Sendable, Equatable, CustomStringConvertible {
        public var repository: String
        public var digest: String
        public var kind: MetadataStore.ContentKind
        /// True when the store holds it and the index does not; false for the reverse.
        public var missingFromIndex: Bool
        public var description: String {
            missingFromIndex
                ? "\(repository)@\(digest): \(kind.rawValue) held but not in the database's index"
                : "\(repository)@\(digest): \(kind.rawValue) in the database's index but not held"
        }
    }

    /// Compares the index with the store, repository by repository; with `repair`, makes the
    /// index say what the store holds.
    ///
    /// A push in flight is in the index a moment before it is in the store, so a repository that
    /// differs is compared again under the exclusive content lock (no push runs then), and only
    /// what still differs is reported (and repaired).
    ///
    /// Without `thorough`, the first comparison uses listings only: a repository whose revisions
    /// and links name what the index names is taken as agreeing, without reading each blob's size
    /// (a request per blob on an object store). That misses only an index entry for a link whose
    /// blob is gone, which `scrub` (thorough) reports along with the dangling link itself.
    public func contentIndexDrift(repair: Bool = false, thorough: Bool = true) async throws -> [IndexDrift] {
        guard let metadata else { return [] }
        let names = Set(try await repositories()).union(try await metadata.indexedRepositories()).sorted()
        var suspects: [String] = []
        for repository in names {
            let differs =
                thorough
                ? try await !drift(in: repository, metadata: metadata).isEmpty
                : try await listedContent(repository) != Set(metadata.content(repository: repository).map { Key($0) })
            if differs { suspects.append(repository) }
        }
        guard !suspects.isEmpty else { return [] }
        return try await lock.withLock(exclusive: true) { [suspects] in
            var confirmed: [IndexDrift] = []
            for repository in suspects {
                let found = try await drift(in: repository, metadata: metadata)
                confirmed += found
                guard repair, !found.isEmpty else { continue }
                try await metadata.addContent(try await storedContent(repository))
                for entry in found where !entry.missingFromIndex {
                    try await metadata.removeContent(repository: repository, digest: entry.digest, kind: entry.kind)
                }
            }
            return confirmed
        }
    }

    /// What `repository` lists (revisions and links), without checking that the content exists.
    private func listedContent(_ repository: String) async throws -> Set<Key> {
        Set(try await revisions(repository).map { Key(digest: $0.description, kind: .manifest) })
            .union(try await linkedBlobs(repository).map { Key(digest: $0.description, kind: .blob) })
    }

    private func drift(in repository: String, metadata: MetadataStore) async throws -> [IndexDrift] {
        let held = Set(try await storedContent(repository).map { Key($0) })
        let indexed = Set(try await metadata.content(repository: repository).map { Key($0) })
        return held.subtracting(indexed).sorted().map {
            IndexDrift(repository: repository, digest: $0.digest, kind: $0.kind, missingFromIndex: true)
        }
            + indexed.subtracting(held).sorted().map {
                IndexDrift(repository: repository, digest: $0.digest, kind: $0.kind, missingFromIndex: false)
            }
    }
}

/// An index entry without its size (sizes follow the content, which never changes).
private struct Key: Hashable, Comparable {
    var digest: String
    var kind: MetadataStore.ContentKind
    init(_ entry: MetadataStore.ContentEntry) {
        self.init(digest: entry.digest, kind: entry.kind)
    }
    init(digest: String, kind: MetadataStore.ContentKind) {
        self.digest = digest
        self.kind = kind
    }
    static func < (lhs: Key, rhs: Key) -> Bool {
        (lhs.kind.rawValue, lhs.digest) < (rhs.kind.rawValue, rhs.digest)
    }
}

import Dispatch
import Foundation
import NIOConcurrencyHelpers
import OCI
import RegistryMetadata

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A lock shared by writers of references and taken exclusively by garbage collection, so that a
/// sweep never runs between a push's reference check and its write.
public protocol ContentLock: Sendable {
    /// Runs `body` holding the lock, shared or exclusive; with `key`, also holding a lock of that
    /// name exclusively (taken first), so that a check and the write it allows are not interleaved
    /// with another writer's on the same key (immutable tags, quotas), on any replica.
    func withLock<T: Sendable>(exclusive: Bool, serialising key: String?, _ body: @Sendable () async throws -> T)
        async throws -> T
}

extension ContentLock {
    /// Runs `body` holding the lock, shared or exclusive.
    public func withLock<T: Sendable>(exclusive: Bool, _ body: @Sendable () async throws -> T) async throws -> T {
        try await withLock(exclusive: exclusive, serialising: nil, body)
    }

    /// A lock number from a name (FNV-1a, 64 bits).
    static func number(_ name: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in Array(name.utf8) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}

/// The content lock of replicas on one database: PostgreSQL's session advisory lock, taken shared
/// by writers and exclusively by garbage collection, on a connection held for the duration. A
/// process that dies drops its connection, and PostgreSQL releases its locks with it.
public struct PostgresContentLock: ContentLock {
    public let database: PostgresDatabase
    /// The lock's number: derived from where the content is, so registries on other buckets that
    /// share the database do not wait for each other.
    public let key: Int64

    let content: String

    public init(database: PostgresDatabase, content: String) {
        self.database = database
        self.content = content
        self.key = Int64(bitPattern: Self.number("berth-content:\(content)"))
    }

    /// Both locks on one connection: the keyed one first, exclusive, then the content lock.
    public func withLock<T: Sendable>(
        exclusive: Bool, serialising name: String?, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        var locks: [PostgresDatabase.AdvisoryLock] = []
        if let name {
            locks.append(.init(key: Int64(bitPattern: Self.number("berth-key:\(content):\(name)")), shared: false))
        }
        locks.append(.init(key: key, shared: !exclusive))
        do {
            return try await database.withAdvisoryLocks(locks, body)
        } catch let error as MetadataError {
            throw RegistryError.unavailable("\(error)")
        }
    }
}

/// An advisory lock (`flock`) on a file in the local state directory: it orders the processes of
/// one machine that share the root.
///
/// Waiting never blocks a thread: the lock is tried without blocking and tried again after a short
/// sleep. (Blocking in `flock` on the shared thread pool stalled every other file operation of the
/// process while garbage collection held the lock, and deadlocked when the collector itself needed
/// the pool.) An exclusive holder first takes a gate that shared holders pass through on their way
/// in, so a collection waits only for the pushes already inside, not for a stream of new ones.
struct StorageLock: ContentLock {
    let path: String
    var gatePath: String { path + ".gate" }

    init(root: String) {
        path = root + "/state/gc.lock"
    }

    /// Holds the lock while `body` runs; waiting is a sleep, not a blocked thread.
    func withLock<T: Sendable>(exclusive: Bool, serialising name: String?, _ body: @Sendable () async throws -> T)
        async throws -> T
    {
        var keyed: Int32?
        if let name {
            let directory = (path as NSString).deletingLastPathComponent + "/locks"
            keyed = try await Self.poll(
                directory + "/" + String(Self.number(name), radix: 16) + ".lock", exclusive: true)
        }
        defer { keyed.map(POSIXFile.unlock) }
        var gate: Int32?
        if exclusive {
            gate = try await Self.poll(gatePath, exclusive: true)
        } else {
            POSIXFile.unlock(try await Self.poll(gatePath, exclusive: false))
        }
        defer { gate.map(POSIXFile.unlock) }
        let fd = try await Self.poll(path, exclusive: exclusive)
        defer { POSIXFile.unlock(fd) }
        return try await body()
    }

    /// Takes the lock on `path`, trying again after 1 ms, doubling up to 50 ms.
    private static func poll(_ path: String, exclusive: Bool) async throws -> Int32 {
        var delay = 1
        while true {
            if let fd = try POSIXFile.lock(path, exclusive: exclusive, wait: false) { return fd }
            try await Task.sleep(for: .milliseconds(delay))
            delay = min(delay * 2, 50)
        }
    }
}

/// Garbage collection: removes blobs no manifest references.
public struct GarbageCollector: Sendable {
    /// What a run found (and removed, unless it was a dry run).
    public struct Report: Sendable, Equatable {
        public var referenced: Int = 0
        public var removedBlobs: [Digest] = []
        public var removedBytes: Int64 = 0
        public var keptRecent: Int = 0
        public var removedUploads: Int = 0
        public var dryRun: Bool = true
        /// Entries of the metadata database's index that did not say what the store holds (left
        /// by a process killed between the two writes, or naming content this run removed):
        /// corrected, unless a dry run.
        public var indexCorrected: Int = 0
        /// The run's id in the metadata database's `collections` (nil without a database).
        public var run: String?
    }

    public let storage: RegistryStorage
    /// Unreferenced blobs younger than this (by modification time) are kept: they may belong to
    /// a push whose manifest has not arrived yet.
    public var gracePeriod: TimeInterval
    /// Upload sessions idle longer than this are removed.
    public var uploadExpiry: TimeInterval

    public init(storage: RegistryStorage, gracePeriod: TimeInterval = 3600, uploadExpiry: TimeInterval = 24 * 3600) {
        self.storage = storage
        self.gracePeriod = gracePeriod
        self.uploadExpiry = uploadExpiry
    }

    /// Every digest reachable from a manifest revision in any repository (subjects excepted).
    public func mark() async throws -> Set<Digest> {
        var live = Set<Digest>()
        for repository in try await storage.repositories() {
            for digest in try await storage.revisions(repository) {
                live.insert(digest)
                guard let (stored, data) = try await storage.manifestContent(repository, digest: digest),
                    let summary = try? ManifestParser.parse(data, contentType: stored.mediaType)
                else { continue }
                for descriptor in summary.requiredBlobs { live.insert(descriptor.digest) }
                for child in summary.manifests { live.insert(child.digest) }
            }
        }
        return live
    }

    /// Every blob in the content store.
    public func allBlobs() async throws -> [Digest] { try await storage.allBlobs() }

    /// Marks, then sweeps under the exclusive content lock. With `dryRun` nothing is removed.
    ///
    /// The mark (reading every manifest, which takes long on an object store) runs while pushes go
    /// on; only two short moments hold them off. Pushes, blob commits and mounts hold the content
    /// lock shared from the moment they mark what they use as used (``StorageDriver/touch(_:)``,
    /// or writing it) until what they wrote is visible. So the collector first takes the lock
    /// exclusively for an instant and reads the store's own clock (`started`): every push in flight
    /// has then finished, and the mark sees its manifest; every later push marks its blobs as used
    /// after `started`. A blob the mark did not find referenced is removed only when it was last
    /// used before `started` less the grace period, checked again under the exclusive lock.
    ///
    /// With a metadata database the run is also a row there (``MetadataStore/beginCollection(id:holder:dryRun:now:until:)``),
    /// begun in that same instant and renewed while it runs: a second collector, on any replica,
    /// refuses to start. The mark's findings are stored as the run's marks, every later push adds
    /// what it uses to them (``RegistryStorage/markInUse(_:)``), and the sweep removes no marked
    /// blob, whatever its time says.
    public func run(dryRun: Bool = true, now: Date = Date()) async throws -> Report {
        let metadata = storage.metadata
        let holder = UploadSessions.replica + "/gc"
        let runID = UUID().uuidString.lowercased()
        let leaseSeconds = collectionLeaseSeconds
        let (started, run) = try await storage.lock.withLock(exclusive: true) {
            [storage] () async throws -> (Date?, MetadataStore.Collection?) in
            let run = try await metadata?.beginCollection(
                id: runID, holder: holder, dryRun: dryRun, now: MetadataClock.now(),
                until: MetadataClock.now() + leaseSeconds)
            do {
                return (try await storage.clock(), run)
            } catch {
                if run != nil {
                    try? await metadata?.finishCollection(runID, now: MetadataClock.now(), outcome: "failed: \(error)")
                }
                throw error
            }
        }
        guard let metadata, run != nil else { return try await collect(dryRun: dryRun, now: now, started: started) }
        let renewal = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(Double(leaseSeconds) / 3))
                guard !Task.isCancelled else { return }
                // Not cancelled with the loop: a renewal once begun runs to its end.
                _ = await Task.detached {
                    try? await metadata.renewCollection(
                        runID, holder: holder, until: MetadataClock.now() + leaseSeconds)
                }.value
            }
        }
        defer { renewal.cancel() }
        do {
            var report = try await collect(
                dryRun: dryRun, now: now, started: started, run: (runID, holder, leaseSeconds, metadata))
            report.run = runID
            try await metadata.finishCollection(
                runID, now: MetadataClock.now(), outcome: "completed", referenced: Int64(report.referenced),
                removedBlobs: Int64(report.removedBlobs.count), removedBytes: report.removedBytes)
            return report
        } catch {
            renewal.cancel()
            try? await metadata.finishCollection(runID, now: MetadataClock.now(), outcome: "failed: \(error)")
            throw error
        }
    }

    /// Seconds a run's database lease lasts; renewed every third of that while it runs.
    public var collectionLeaseSeconds: Int64 = 60

    /// Why a run stopped before its sweep: its database lease ran out (its process stalled longer
    /// than the lease), and another collector may have begun.
    public struct LeaseLost: Error, CustomStringConvertible {
        public var run: String
        public var description: String {
            "garbage collection \(run) lost its lease before the sweep (stalled too long); nothing was removed"
        }
    }

    private func collect(
        dryRun: Bool, now: Date, started: Date?,
        run: (id: String, holder: String, lease: Int64, metadata: MetadataStore)? = nil
    ) async throws -> Report {
        let cutoff = min(started ?? now, now).addingTimeInterval(-gracePeriod)
        let live = try await mark()
        if let run { try await run.metadata.markCollection(run.id, digests: live.map(\.description)) }
        let candidates = try await allBlobs().filter { !live.contains($0) }
        // Links to the candidates: a link made after this point marks its blob as used, which then stays.
        var links: [String: [Digest]] = [:]
        if !dryRun && !candidates.isEmpty {
            for repository in try await storage.repositories() {
                links[repository] = try await storage.linkedBlobs(repository).filter { !live.contains($0) }
            }
        }
        var report = try await storage.lock.withLock(exclusive: true) { [storage, links, dryRun] in
            var report = Report(dryRun: dryRun)
            report.referenced = live.count
            var inUse = Set<String>()
            if let run {
                // Under the exclusive lock no push runs: the marks are complete, and the run still
                // holds its lease (or stops here, having removed nothing).
                guard
                    try await run.metadata.renewCollection(
                        run.id, holder: run.holder, until: MetadataClock.now() + run.lease)
                else { throw LeaseLost(run: run.id) }
                inUse = try await run.metadata.marked(run.id, among: candidates.map(\.description))
            }
            var removed = Set<Digest>()
            for digest in candidates {
                if inUse.contains(digest.description) {
                    report.keptRecent += 1
                    continue
                }
                let path = storage.blobPath(digest)
                // Strictly before: a store that keeps whole seconds shows a use in the same second as equal.
                guard let item = try await storage.driver.stat(path),
                    let used = try await storage.driver.lastUsed(path), used < cutoff
                else {
                    report.keptRecent += 1
                    continue
                }
                report.removedBytes += item.size
                report.removedBlobs.append(digest)
                removed.insert(digest)
                if !dryRun { try await storage.driver.delete(path) }
            }
            for (repository, digests) in links {
                for digest in digests where removed.contains(digest) {
                    _ = try await storage.unlinkBlob(repository, digest)
                }
            }
            return report
        }
        report.removedUploads = try await expireUploads(dryRun: dryRun, now: now)
        report.removedBlobs.sort()
        // The index follows: what a killed process left and what this run removed. The listings
        // are compared, not every blob's size read again (scrub does that).
        report.indexCorrected = try await storage.contentIndexDrift(repair: !dryRun, thorough: false).count
        return report
    }

    /// Removes upload sessions idle longer than ``uploadExpiry``; returns how many. With a database
    /// a session a request holds stays, and so does one whose record or data changed recently;
    /// records without data and data without a record (a process killed between the two) go too.
    func expireUploads(dryRun: Bool, now: Date) async throws -> Int {
        let cutoff = now.addingTimeInterval(-uploadExpiry)
        let stored = try await storage.driver.uploads()
        guard let metadata = storage.metadata else {
            var removed = 0
            for upload in stored where (upload.modified ?? now) < cutoff {
                removed += 1
                if !dryRun { try await storage.driver.removeUpload(upload.id) }
            }
            return removed
        }
        let nowSeconds = MetadataClock.now()
        let cutoffSeconds = Int64(cutoff.timeIntervalSince1970.rounded(.down))
        let records = Dictionary(
            try await metadata.uploadSessions().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let data = Dictionary(stored.map { ($0.id, $0.modified) }, uniquingKeysWith: { a, _ in a })
        var removed = 0
        for id in Set(records.keys).union(data.keys).sorted() {
            let record = records[id]
            if let record, record.held(at: nowSeconds) || record.updated >= cutoffSeconds { continue }
            if let modified = data[id], (modified ?? now) >= cutoff { continue }
            removed += 1
            guard !dryRun else { continue }
            if data[id] != nil { try await storage.driver.removeUpload(id) }
            if record != nil { try await metadata.removeUploadSession(id) }
        }
        return removed
    }
}

/// Verifies every stored blob against its digest and every manifest, tag and link against the store.
public struct Scrubber: Sendable {
    /// One problem found.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var subject: String
        public var reason: String
        public var description: String { "\(subject): \(reason)" }
    }

    public struct Report: Sendable {
        public var blobsChecked = 0
        public var manifestsChecked = 0
        public var problems: [Problem] = []
        /// Differences between the metadata database's index of what each repository holds and
        /// the store (repaired, and not problems, with `reindex`).
        public var indexDrift = 0
    }

    public let storage: RegistryStorage
    /// Whether to make the metadata database's index say what the store holds.
    public let reindex: Bool

    public init(storage: RegistryStorage, reindex: Bool = false) {
        self.storage = storage
        self.reindex = reindex
    }

    /// Symbolic links under `relative` in a file-system root, found without following any.
    static func symbolicLinks(root: String, under relative: String) -> [String] {
        var found: [String] = []
        func walk(_ path: String, depth: Int) {
            guard depth < 64 else { return }
            for entry in POSIXFile.list(root + "/" + path) {
                let child = path + "/" + entry
                if POSIXFile.isSymbolicLink(root + "/" + child) {
                    found.append(child)
                } else if POSIXFile.isRealDirectory(root + "/" + child) {
                    walk(child, depth: depth + 1)
                }
            }
        }
        walk(relative, depth: 0)
        return found
    }

    /// How far the blob pass has come: blobs hashed, blobs in all, bytes hashed.
    public typealias Progress = @Sendable (_ done: Int, _ total: Int, _ bytes: Int64) -> Void

    /// Checks one blob: its problem, if any, and its size.
    private func check(_ digest: Digest) async -> (Problem?, Int64) {
        let path = storage.blobPath(digest)
        if let local = storage.driver.localFile(path) {
            return await (try? Blocking.run { Self.checkLocal(digest, path: local) }) ?? (nil, 0)
        }
        do {
            guard let item = try await storage.driver.stat(path) else {
                return (Problem(subject: digest.description, reason: "disappeared during the scrub"), 0)
            }
            var hasher = Digester(algorithm: digest.algorithm)
            if item.size > 0 {
                try await storage.driver.stream(path, range: 0...(item.size - 1)) { buffer in
                    buffer.withUnsafeReadableBytes { hasher.update(bytes: $0) }
                }
            }
            let actual = hasher.finalize()
            return (
                actual == digest ? nil : Problem(subject: digest.description, reason: "content hashes to \(actual)"),
                item.size
            )
        } catch {
            return (Problem(subject: digest.description, reason: "cannot be read: \(error)"), 0)
        }
    }

    private static func checkLocal(_ digest: Digest, path: String) -> (Problem?, Int64) {
        if POSIXFile.isSymbolicLink(path) {
            return (
                Problem(subject: digest.description, reason: "is a symbolic link, which the registry never makes"), 0
            )
        }
        if POSIXFile.isRealDirectory(path) {
            return (Problem(subject: digest.description, reason: "is a directory, not a blob file"), 0)
        }
        let size = POSIXFile.size(path) ?? 0
        do {
            let actual = try POSIXFile.hasher(for: path, algorithm: digest.algorithm).finalize()
            if actual != digest {
                return (Problem(subject: digest.description, reason: "content hashes to \(actual)"), size)
            }
            return (nil, size)
        } catch {
            // Every unreadable blob is reported; the pass goes on.
            return (Problem(subject: digest.description, reason: "cannot be read: \(error)"), size)
        }
    }

    /// Re-hashes every blob (as many at once as there are cores; `progress` is called after each
    /// one, never concurrently), then checks every manifest's references and every tag.
    public func run(progress: Progress? = nil) async throws -> Report {
        var report = Report()
        let blobs = try await storage.allBlobs()
        let width = max(2, ProcessInfo.processInfo.activeProcessorCount)
        var found: [(index: Int, problem: Problem)] = []
        var done = 0
        var bytes: Int64 = 0
        await withTaskGroup(of: (Int, Problem?, Int64).self) { group in
            var next = 0
            func add() {
                guard next < blobs.count else { return }
                let index = next
                next += 1
                group.addTask {
                    let (problem, size) = await check(blobs[index])
                    return (index, problem, size)
                }
            }
            for _ in 0..<width { add() }
            for await (index, problem, size) in group {
                done += 1
                bytes += size
                if let problem { found.append((index, problem)) }
                progress?(done, blobs.count, bytes)
                add()
            }
        }
        report.blobsChecked = blobs.count
        report.problems = found.sorted { $0.index < $1.index }.map(\.problem)
        if let driver = storage.driver as? FileSystemDriver {
            report.problems += Self.symbolicLinks(root: driver.root, under: "repositories").map {
                Problem(subject: $0, reason: "is a symbolic link, which the registry never makes (not followed)")
            }
        }
        for repository in try await storage.repositories() {
            for digest in try await storage.revisions(repository) {
                report.manifestsChecked += 1
                guard let (stored, data) = try await storage.manifestContent(repository, digest: digest) else {
                    report.problems.append(
                        Problem(subject: "\(repository)@\(digest)", reason: "manifest content missing"))
                    continue
                }
                do {
                    let summary = try ManifestParser.parse(data, contentType: stored.mediaType)
                    for descriptor in summary.requiredBlobs where try await storage.blobSize(descriptor.digest) == nil {
                        report.problems.append(
                            Problem(
                                subject: "\(repository)@\(digest)",
                                reason: "references missing blob \(descriptor.digest)"))
                    }
                    for child in summary.manifests
                    where try await storage.manifest(repository, digest: child.digest) == nil {
                        report.problems.append(
                            Problem(
                                subject: "\(repository)@\(digest)",
                                reason: "references missing manifest \(child.digest)"))
                    }
                } catch {
                    report.problems.append(Problem(subject: "\(repository)@\(digest)", reason: "\(error)"))
                }
            }
            for tag in try await storage.tags(repository) {
                guard let digest = try await storage.resolveTag(repository, tag),
                    try await storage.manifest(repository, digest: digest) != nil
                else {
                    report.problems.append(
                        Problem(subject: "\(repository):\(tag)", reason: "tag points to a missing manifest"))
                    continue
                }
            }
        }
        for drift in try await storage.contentIndexDrift(repair: reindex) {
            report.indexDrift += 1
            if !reindex {
                report.problems.append(
                    Problem(
                        subject: "\(drift.repository)@\(drift.digest)",
                        reason: drift.missingFromIndex
                            ? "\(drift.kind.rawValue) held but missing from the database's index (run scrub --reindex)"
                            : "\(drift.kind.rawValue) in the database's index but not held (run scrub --reindex)"))
            }
        }
        return report
    }
}

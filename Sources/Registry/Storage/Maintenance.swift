import Dispatch
import Foundation
import NIOConcurrencyHelpers
import OCI

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A lock shared by manifest pushes and taken exclusively by garbage collection, so that a sweep
/// never runs between a push's reference check and its write.
struct StorageLock {
    let path: String

    init(root: String) {
        path = root + "/state/gc.lock"
    }

    func withLock<T>(exclusive: Bool, _ body: () throws -> T) throws -> T {
        try POSIXFile.makeDirectory((path as NSString).deletingLastPathComponent)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError.io(path: path, reason: POSIXFile.errorText()) }
        defer { close(fd) }
        while flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0 {
            if errno != EINTR { throw StorageError.io(path: path, reason: POSIXFile.errorText()) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
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
    public func mark() -> Set<Digest> {
        var live = Set<Digest>()
        for repository in storage.repositories() {
            for digest in storage.revisions(repository) {
                live.insert(digest)
                guard let stored = storage.manifest(repository, digest: digest),
                    let data = POSIXFile.contents(stored.path),
                    let summary = try? ManifestParser.parse(data, contentType: stored.mediaType)
                else { continue }
                for descriptor in summary.requiredBlobs { live.insert(descriptor.digest) }
                for child in summary.manifests { live.insert(child.digest) }
            }
        }
        return live
    }

    /// Every blob in the content store.
    public func allBlobs() -> [Digest] {
        var result: [Digest] = []
        for algorithm in Digest.Algorithm.allCases {
            let base = "\(storage.root)/blobs/\(algorithm.rawValue)"
            for prefix in POSIXFile.list(base) {
                for entry in POSIXFile.list("\(base)/\(prefix)") {
                    if let digest = try? Digest(algorithm: algorithm, encoded: entry) { result.append(digest) }
                }
            }
        }
        return result
    }

    /// Marks and sweeps under the exclusive storage lock. With `dryRun` nothing is removed.
    public func run(dryRun: Bool = true, now: Date = Date()) throws -> Report {
        try StorageLock(root: storage.root).withLock(exclusive: true) {
            var report = Report(dryRun: dryRun)
            let live = mark()
            report.referenced = live.count
            let cutoff = now.timeIntervalSince1970 - gracePeriod
            var removed = Set<Digest>()
            for digest in allBlobs() where !live.contains(digest) {
                let path = storage.blobPath(digest)
                guard let modified = POSIXFile.modificationTime(path), modified <= cutoff else {
                    report.keptRecent += 1
                    continue
                }
                report.removedBytes += POSIXFile.size(path) ?? 0
                report.removedBlobs.append(digest)
                removed.insert(digest)
                if !dryRun { POSIXFile.remove(path) }
            }
            if !dryRun && !removed.isEmpty {
                for repository in storage.repositories() {
                    for digest in storage.linkedBlobs(repository) where removed.contains(digest) {
                        _ = try storage.unlinkBlob(repository, digest)
                    }
                }
            }
            let cutoffUploads = now.timeIntervalSince1970 - uploadExpiry
            for id in POSIXFile.list(storage.uploadsDirectory) {
                // A session being created may not have its data file yet: it counts as fresh.
                let directory = "\(storage.uploadsDirectory)/\(id)"
                let modified =
                    POSIXFile.modificationTime(directory + "/data") ?? POSIXFile.modificationTime(directory)
                    ?? now.timeIntervalSince1970
                if modified < cutoffUploads {
                    report.removedUploads += 1
                    if !dryRun { POSIXFile.removeTree("\(storage.uploadsDirectory)/\(id)") }
                }
            }
            report.removedBlobs.sort()
            return report
        }
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
    }

    public let storage: RegistryStorage

    public init(storage: RegistryStorage) {
        self.storage = storage
    }

    /// Symbolic links under `relative` in the root, found without following any.
    func symbolicLinks(under relative: String) -> [String] {
        var found: [String] = []
        func walk(_ path: String, depth: Int) {
            guard depth < 64 else { return }
            for entry in POSIXFile.list(storage.root + "/" + path) {
                let child = path + "/" + entry
                if POSIXFile.isSymbolicLink(storage.root + "/" + child) {
                    found.append(child)
                } else if POSIXFile.isRealDirectory(storage.root + "/" + child) {
                    walk(child, depth: depth + 1)
                }
            }
        }
        walk(relative, depth: 0)
        return found
    }

    /// How far the blob pass has come: blobs hashed, blobs in all, bytes hashed.
    public typealias Progress = @Sendable (_ done: Int, _ total: Int, _ bytes: Int64) -> Void

    /// Re-hashes every blob (on all cores; `progress` is called after each one, from any thread,
    /// never concurrently), then checks every manifest's references and every tag.
    public func run(progress: Progress? = nil) throws -> Report {
        var report = Report()
        let blobs = GarbageCollector(storage: storage).allBlobs()
        let results = NIOLockedValueBox(
            (done: 0, bytes: Int64(0), problems: [(index: Int, problem: Problem)]()))
        DispatchQueue.concurrentPerform(iterations: blobs.count) { index in
            let digest = blobs[index]
            let path = storage.blobPath(digest)
            var problem: Problem?
            if POSIXFile.isSymbolicLink(path) {
                problem = Problem(
                    subject: digest.description, reason: "is a symbolic link, which the registry never makes")
            } else if POSIXFile.isRealDirectory(path) {
                problem = Problem(subject: digest.description, reason: "is a directory, not a blob file")
            } else {
                do {
                    let actual = try POSIXFile.hasher(for: path, algorithm: digest.algorithm).finalize()
                    if actual != digest {
                        problem = Problem(subject: digest.description, reason: "content hashes to \(actual)")
                    }
                } catch {
                    // Every unreadable blob is reported; the pass goes on.
                    problem = Problem(subject: digest.description, reason: "cannot be read: \(error)")
                }
            }
            let size = storage.blobSize(digest) ?? 0
            results.withLockedValue { state in
                state.done += 1
                state.bytes += size
                if let problem { state.problems.append((index, problem)) }
                progress?(state.done, blobs.count, state.bytes)
            }
        }
        let finished = results.withLockedValue { $0 }
        report.blobsChecked = blobs.count
        report.problems = finished.problems.sorted { $0.index < $1.index }.map(\.problem)
        report.problems += symbolicLinks(under: "repositories").map {
            Problem(subject: $0, reason: "is a symbolic link, which the registry never makes (not followed)")
        }
        for repository in storage.repositories() {
            for digest in storage.revisions(repository) {
                report.manifestsChecked += 1
                guard let stored = storage.manifest(repository, digest: digest),
                    let data = POSIXFile.contents(stored.path)
                else {
                    report.problems.append(
                        Problem(subject: "\(repository)@\(digest)", reason: "manifest content missing"))
                    continue
                }
                do {
                    let summary = try ManifestParser.parse(data, contentType: stored.mediaType)
                    for descriptor in summary.requiredBlobs where storage.blobSize(descriptor.digest) == nil {
                        report.problems.append(
                            Problem(
                                subject: "\(repository)@\(digest)",
                                reason: "references missing blob \(descriptor.digest)"))
                    }
                    for child in summary.manifests where storage.manifest(repository, digest: child.digest) == nil {
                        report.problems.append(
                            Problem(
                                subject: "\(repository)@\(digest)",
                                reason: "references missing manifest \(child.digest)"))
                    }
                } catch {
                    report.problems.append(Problem(subject: "\(repository)@\(digest)", reason: "\(error)"))
                }
            }
            for tag in storage.tags(repository) {
                guard let digest = storage.resolveTag(repository, tag),
                    storage.manifest(repository, digest: digest) != nil
                else {
                    report.problems.append(
                        Problem(subject: "\(repository):\(tag)", reason: "tag points to a missing manifest"))
                    continue
                }
            }
        }
        return report
    }
}

import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import OCI

/// Scan on push: a bounded queue drained by a fixed number of workers, and a watcher that rescans
/// when the vulnerability database is replaced by `berth db import`.
///
/// Enqueuing never blocks and never fails the caller: a manifest already waiting is not queued
/// twice, and a full queue records a failed scan that the next database check picks up again.
public final class ScanQueue: Sendable {
    /// Counters for tests, metrics and the admin subcommand.
    public struct Statistics: Sendable, Equatable {
        /// Jobs waiting or running.
        public var outstanding = 0
        /// Jobs running now, and the most ever running at once.
        public var running = 0
        public var peakRunning = 0
        /// Scans finished (completed or failed) and refused because the queue was full.
        public var finished = 0
        public var dropped = 0
    }

    struct Job: Sendable, Hashable {
        var repository: String
        var digest: OCI.Digest
    }

    struct State: Sendable {
        var queued: Set<Job> = []
        var statistics = Statistics()
        var databaseIdentity: String?
        var databaseVersion: String?
        /// A job was dropped: the next database check rescans what has no current record.
        var backlog = false
    }

    public let scanner: ImageScanner
    public let workers: Int
    public let capacity: Int
    let state = NIOLockedValueBox(State())
    let continuation: AsyncStream<Job>.Continuation
    let stream: AsyncStream<Job>
    let tasks = NIOLockedValueBox<[Task<Void, Never>]>([])
    /// The scans' own threads, one a worker: cataloguing never takes the threads that read and
    /// write blobs for requests.
    let threads: NIOThreadPool
    /// Called with each finished scan's record (webhooks).
    let observer = NIOLockedValueBox<(@Sendable (ScanRecord) async -> Void)?>(nil)

    public init(scanner: ImageScanner, workers: Int, capacity: Int) {
        self.scanner = scanner
        self.workers = max(1, workers)
        self.capacity = max(1, capacity)
        (stream, continuation) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .bufferingOldest(capacity))
        threads = NIOThreadPool(numberOfThreads: self.workers)
        threads.start()
    }

    deinit {
        threads.shutdownGracefully { _ in }
    }

    /// Starts the workers and, when `pollSeconds` is given, the database watcher: a first check
    /// now (which queues images stored without a current record), then one every `pollSeconds`.
    public func start(pollSeconds: Int? = nil) {
        let dispatcher = Task { [self] in await drain() }
        var started = [dispatcher]
        if let pollSeconds {
            started.append(
                Task { [self] in
                    await checkDatabase()
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(pollSeconds))
                        if Task.isCancelled { break }
                        await checkDatabase()
                    }
                })
        }
        tasks.withLockedValue { $0 += started }
    }

    /// Calls `observer` with the record of every scan that finishes (completed or failed), from the
    /// scan's thread.
    public func onFinished(_ observer: @escaping @Sendable (ScanRecord) async -> Void) {
        self.observer.withLockedValue { $0 = observer }
    }

    /// Stops taking jobs; running scans finish.
    public func stop() {
        continuation.finish()
        for task in tasks.withLockedValue({ $0 }) { task.cancel() }
    }

    /// Queues a scan of `digest` in `repository` (an index queues each of its platform manifests).
    /// Returns false when the queue was full; that is recorded as a failed scan.
    @discardableResult
    public func enqueue(repository: String, digest: OCI.Digest) async -> Bool {
        let job = Job(repository: repository, digest: digest)
        let fresh = state.withLockedValue { state -> Bool in
            guard state.queued.insert(job).inserted else { return false }
            state.statistics.outstanding += 1
            return true
        }
        guard fresh else { return true }
        switch continuation.yield(job) {
        case .enqueued: return true
        case .dropped, .terminated:
            state.withLockedValue { state in
                state.queued.remove(job)
                state.statistics.outstanding -= 1
                state.statistics.dropped += 1
                state.backlog = true
            }
            try? await scanner.results.store(
                ScanRecord(
                    digest: digest.description, repository: repository, status: .failed,
                    databaseVersion: state.withLockedValue { $0.databaseVersion },
                    error: "the scan queue was full (\(capacity) waiting); it is retried at the next database check"
                ))
            return false
        @unknown default: return false
        }
    }

    /// A snapshot of the counters.
    public var statistics: Statistics { state.withLockedValue { $0.statistics } }

    /// The database version of the last check.
    public var databaseVersion: String? { state.withLockedValue { $0.databaseVersion } }

    /// Waits until no job is waiting or running.
    public func waitUntilIdle() async {
        while statistics.outstanding > 0 {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Runs jobs, at most `workers` at a time, until the queue is stopped.
    func drain() async {
        await withTaskGroup(of: Void.self) { group in
            var active = 0
            for await job in stream {
                if active >= workers {
                    await group.next()
                    active -= 1
                }
                active += 1
                group.addTask { [self] in await perform(job) }
            }
            await group.waitForAll()
        }
    }

    func perform(_ job: Job) async {
        state.withLockedValue { state in
            state.queued.remove(job)
            state.statistics.running += 1
            state.statistics.peakRunning = max(state.statistics.peakRunning, state.statistics.running)
        }
        let kind = try? await scanner.kind(repository: job.repository, digest: job.digest)
        if case .index(let children) = kind {
            for child in children { await enqueue(repository: job.repository, digest: child) }
        } else if kind == .image {
            let record = await scanner.scan(repository: job.repository, digest: job.digest, on: threads)
            if let observer = self.observer.withLockedValue({ $0 }) { await observer(record) }
        }
        state.withLockedValue { state in
            state.statistics.running -= 1
            state.statistics.outstanding -= 1
            state.statistics.finished += 1
        }
    }

    /// Checks the database file; when an import replaced it (or a job was dropped), queues every
    /// image whose record is missing, failed or from another database version. Returns how many
    /// manifests were queued.
    @discardableResult
    public func checkDatabase() async -> Int {
        let identity = ScanDatabase.fileIdentity(scanner.databasePath)
        let (changed, backlog) = state.withLockedValue { state in
            let changed = identity != state.databaseIdentity
            let backlog = state.backlog
            state.databaseIdentity = identity
            state.backlog = false
            return (changed, backlog)
        }
        guard changed || backlog, identity != nil else { return 0 }
        guard let version = try? ScanDatabase.version(path: scanner.databasePath) else { return 0 }
        state.withLockedValue { $0.databaseVersion = version }
        return
            (try? await rescan(where: { record in
                record == nil || record?.status == .failed || record?.databaseVersion != version
            })) ?? 0
    }

    /// Queues a scan of every manifest (of one repository, or one digest) on request; with
    /// `where`, only those whose record it accepts. Returns how many were queued.
    @discardableResult
    public func rescan(
        repository: String? = nil, digest: OCI.Digest? = nil, where accept: (ScanRecord?) -> Bool = { _ in true }
    ) async throws -> Int {
        var count = 0
        let storage = scanner.storage
        for name in try await storage.repositories() where repository == nil || repository == name {
            for revision in try await storage.revisions(name) where digest == nil || digest == revision {
                guard accept(try await scanner.results.record(revision)) else { continue }
                let kind = try await scanner.kind(repository: name, digest: revision)
                guard kind == .image else { continue }
                await enqueue(repository: name, digest: revision)
                count += 1
            }
        }
        return count
    }
}

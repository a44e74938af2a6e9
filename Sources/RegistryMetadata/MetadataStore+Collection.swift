import Foundation

/// Upload sessions and garbage-collection runs: the records several replicas coordinate through.
///
/// A session's bytes stay in the storage driver; its record here says which repository it belongs
/// to, how far it has come, and which request (of which replica) is writing to it now. The writer
/// holds a lease that it renews while it writes and that runs out when its process dies, so a
/// client whose next `PATCH` lands on another replica is refused only while the first still writes.
///
/// A collection run is a row whose holder renews its lease while it runs; a second collector finds
/// it and stops, whichever replica it runs on. Its marks are the digests the mark phase found in
/// use and the ones pushes used while it ran; the sweep removes none of them.
extension MetadataStore {
    // MARK: Upload sessions

    public struct UploadSession: Sendable, Equatable {
        public var id: String
        public var repository: String
        /// The running hash's algorithm (`sha256`, `sha512`).
        public var algorithm: String
        /// Seconds since 1970.
        public var started: Int64
        /// Bytes acknowledged to the client when the last request finished.
        public var received: Int64
        /// When a request last finished with it (seconds).
        public var updated: Int64
        /// The request writing to it, while its lease runs.
        public var holder: String?
        public var leaseUntil: Int64

        /// Whether a request holds it at `now`.
        public func held(at now: Int64) -> Bool { holder != nil && leaseUntil >= now }
    }

    /// What asking for a session's lease gives.
    public enum UploadLease: Sendable, Equatable {
        /// The lease is the caller's until it releases it or stops renewing it.
        case taken(UploadSession)
        /// Another request holds it.
        case busy(UploadSession)
        /// No such session in this repository.
        case unknown
    }

    private static let sessionColumns =
        "id, repository, algorithm, started, received, updated, holder, lease_until"

    private static func session(_ row: SQLRow) throws -> UploadSession {
        UploadSession(
            id: try row.string(0), repository: try row.string(1), algorithm: try row.string(2),
            started: try row.int(3), received: try row.int(4), updated: try row.int(5), holder: row.text(6),
            leaseUntil: try row.int(7))
    }

    /// Records a new session (no holder); a session already recorded stays as it is.
    public func createUploadSession(id: String, repository: String, algorithm: String, now: Int64) async throws {
        try await database.transaction { connection in
            try await connection.execute(
                """
                INSERT INTO upload_sessions (id, repository, algorithm, started, received, updated, holder, lease_until)
                VALUES (?, ?, ?, ?, 0, ?, NULL, 0) ON CONFLICT (id) DO NOTHING
                """, [.text(id), .text(repository), .text(algorithm), .integer(now), .integer(now)])
        }
    }

    /// The session `id`, or nil.
    public func uploadSession(_ id: String) async throws -> UploadSession? {
        try await database.read { connection in
            try await connection.first(
                "SELECT \(Self.sessionColumns) FROM upload_sessions WHERE id = ?", [.text(id)]
            ).map(Self.session)
        }
    }

    /// Every session, oldest update first.
    public func uploadSessions() async throws -> [UploadSession] {
        try await database.read { connection in
            try await connection.query(
                "SELECT \(Self.sessionColumns) FROM upload_sessions ORDER BY updated, id", []
            ).map(Self.session)
        }
    }

    /// Gives the session's lease to `holder` until `until`, when nobody holds it or its holder's
    /// lease ran out before `now`.
    public func leaseUploadSession(
        _ id: String, repository: String, holder: String, now: Int64, until: Int64
    ) async throws -> UploadLease {
        try await database.transaction { connection in
            guard
                var session = try await connection.first(
                    "SELECT \(Self.sessionColumns) FROM upload_sessions WHERE id = ?", [.text(id)]
                ).map(Self.session), session.repository == repository
            else { return .unknown }
            if session.held(at: now) && session.holder != holder { return .busy(session) }
            try await connection.execute(
                "UPDATE upload_sessions SET holder = ?, lease_until = ? WHERE id = ?",
                [.text(holder), .integer(until), .text(id)])
            session.holder = holder
            session.leaseUntil = until
            return .taken(session)
        }
    }

    /// Moves the lease's end to `until`; false when `holder` no longer holds it.
    @discardableResult
    public func renewUploadSession(_ id: String, holder: String, until: Int64) async throws -> Bool {
        try await database.transaction { connection in
            !(try await connection.query(
                "UPDATE upload_sessions SET lease_until = ? WHERE id = ? AND holder = ? RETURNING id",
                [.integer(until), .text(id), .text(holder)]
            ).isEmpty)
        }
    }

    /// Ends `holder`'s lease, noting the bytes received (when known) and the time.
    public func releaseUploadSession(_ id: String, holder: String, received: Int64?, now: Int64) async throws {
        try await database.transaction { connection in
            try await connection.execute(
                """
                UPDATE upload_sessions SET holder = NULL, lease_until = 0, updated = ?,
                    received = COALESCE(?, received)
                WHERE id = ? AND holder = ?
                """, [.integer(now), SQLValue(received), .text(id), .text(holder)])
        }
    }

    /// Forgets the session; false when there was none.
    @discardableResult
    public func removeUploadSession(_ id: String) async throws -> Bool {
        try await database.transaction { connection in
            !(try await connection.query("DELETE FROM upload_sessions WHERE id = ? RETURNING id", [.text(id)])
                .isEmpty)
        }
    }

    // MARK: Garbage-collection runs

    public struct Collection: Sendable, Equatable {
        public var id: String
        /// Who runs it (host and process).
        public var holder: String
        public var started: Int64
        public var leaseUntil: Int64
        /// When it ended, or nil while it runs (or when its process died).
        public var finished: Int64?
        public var dryRun: Bool
        public var referenced: Int64?
        public var removedBlobs: Int64?
        public var removedBytes: Int64?
        /// `completed`, or what stopped it.
        public var outcome: String?

        /// Whether it runs at `now`: not finished, and its holder still renews its lease.
        public func running(at now: Int64) -> Bool { finished == nil && leaseUntil >= now }
    }

    /// Why a collection could not begin.
    public struct CollectionRunning: Error, Sendable, Equatable, CustomStringConvertible {
        public var run: Collection
        public var description: String {
            let started = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(run.started)))
            return "garbage collection \(run.id) by \(run.holder) is running since \(started); one runs at a time"
        }
    }

    private static let collectionColumns =
        "id, holder, started, lease_until, finished, dry_run, referenced, removed_blobs, removed_bytes, outcome"

    private static func collection(_ row: SQLRow) throws -> Collection {
        Collection(
            id: try row.string(0), holder: try row.string(1), started: try row.int(2), leaseUntil: try row.int(3),
            finished: row.integer(4), dryRun: try row.int(5) != 0, referenced: row.integer(6),
            removedBlobs: row.integer(7), removedBytes: row.integer(8), outcome: row.text(9))
    }

    /// How many runs the history keeps (finished ones beyond it go when a run begins).
    public static let keptCollections = 1000

    /// Records a run that has begun; throws ``CollectionRunning`` while another runs. Runs whose
    /// holder stopped renewing are closed as `abandoned`, their marks removed.
    public func beginCollection(id: String, holder: String, dryRun: Bool, now: Int64, until: Int64) async throws
        -> Collection
    {
        let outcome = try await database.transaction { connection -> Result<Collection, CollectionRunning> in
            let open = try await connection.query(
                "SELECT \(Self.collectionColumns) FROM collections WHERE finished IS NULL", []
            ).map(Self.collection)
            if let running = open.first(where: { $0.running(at: now) }) {
                return .failure(CollectionRunning(run: running))
            }
            for stale in open {
                try await connection.execute(
                    "UPDATE collections SET finished = ?, outcome = 'abandoned' WHERE id = ?",
                    [.integer(now), .text(stale.id)])
                try await connection.execute("DELETE FROM collection_marks WHERE run = ?", [.text(stale.id)])
            }
            // The newest runs are history enough.
            try await connection.execute(
                """
                DELETE FROM collections WHERE finished IS NOT NULL AND id NOT IN (
                    SELECT id FROM collections ORDER BY started DESC, id DESC LIMIT ?)
                """, [SQLValue(Self.keptCollections)])
            try await connection.execute(
                "INSERT INTO collections (id, holder, started, lease_until, dry_run) VALUES (?, ?, ?, ?, ?)",
                [.text(id), .text(holder), .integer(now), .integer(until), SQLValue(dryRun)])
            return .success(
                Collection(
                    id: id, holder: holder, started: now, leaseUntil: until, finished: nil, dryRun: dryRun,
                    referenced: nil, removedBlobs: nil, removedBytes: nil, outcome: nil))
        }
        return try outcome.get()
    }

    /// Moves the run's lease to `until`; false when it is no longer running under `holder`.
    @discardableResult
    public func renewCollection(_ id: String, holder: String, until: Int64) async throws -> Bool {
        try await database.transaction { connection in
            !(try await connection.query(
                """
                UPDATE collections SET lease_until = ? WHERE id = ? AND holder = ? AND finished IS NULL RETURNING id
                """, [.integer(until), .text(id), .text(holder)]
            ).isEmpty)
        }
    }

    /// Rows of one multi-row INSERT of marks.
    private static let markBatch = 200

    /// Adds `digests` to the run's marks.
    public func markCollection(_ run: String, digests: [String]) async throws {
        for start in stride(from: 0, to: digests.count, by: Self.markBatch) {
            let batch = Array(digests[start..<min(start + Self.markBatch, digests.count)])
            try await database.transaction { connection in
                let rows = Array(repeating: "(?, ?)", count: batch.count).joined(separator: ", ")
                try await connection.execute(
                    "INSERT INTO collection_marks (run, digest) VALUES \(rows) ON CONFLICT (run, digest) DO NOTHING",
                    batch.flatMap { [.text(run), .text($0)] })
            }
        }
    }

    /// Marks `digests` in every run going on at `now`: a push calls it, under the shared content
    /// lock, for what it uses. Costs one indexed read when no run is going on.
    public func markInUse(_ digests: [String], now: Int64) async throws {
        guard !digests.isEmpty else { return }
        let running = try await database.read { connection in
            try await connection.first(
                "SELECT 1 FROM collections WHERE finished IS NULL AND lease_until >= ?", [.integer(now)]) != nil
        }
        guard running else { return }
        // One statement a digest, so a run that ends meanwhile gets no marks it would keep.
        try await database.transaction { connection in
            for digest in Set(digests) {
                try await connection.execute(
                    """
                    INSERT INTO collection_marks (run, digest)
                    SELECT id, ? FROM collections WHERE finished IS NULL AND lease_until >= ?
                    ON CONFLICT (run, digest) DO NOTHING
                    """, [.text(digest), .integer(now)])
            }
        }
    }

    /// Which of `digests` the run has marked.
    public func marked(_ run: String, among digests: [String]) async throws -> Set<String> {
        var found = Set<String>()
        for start in stride(from: 0, to: digests.count, by: Self.markBatch) {
            let batch = Array(digests[start..<min(start + Self.markBatch, digests.count)])
            let places = Array(repeating: "?", count: batch.count).joined(separator: ", ")
            let rows = try await database.read { connection in
                try await connection.query(
                    "SELECT digest FROM collection_marks WHERE run = ? AND digest IN (\(places))",
                    [.text(run)] + batch.map { .text($0) })
            }
            for row in rows { found.insert(try row.string(0)) }
        }
        return found
    }

    /// How many digests the run has marked.
    public func markCount(_ run: String) async throws -> Int {
        try await database.read { connection in
            Int(
                try await connection.first("SELECT COUNT(*) FROM collection_marks WHERE run = ?", [.text(run)])?
                    .int(0) ?? 0)
        }
    }

    /// Ends the run with its figures; its marks go.
    public func finishCollection(
        _ id: String, now: Int64, outcome: String, referenced: Int64? = nil, removedBlobs: Int64? = nil,
        removedBytes: Int64? = nil
    ) async throws {
        try await database.transaction { connection in
            try await connection.execute(
                """
                UPDATE collections SET finished = ?, outcome = ?, referenced = ?, removed_blobs = ?, removed_bytes = ?
                WHERE id = ?
                """,
                [
                    .integer(now), .text(outcome), SQLValue(referenced), SQLValue(removedBlobs),
                    SQLValue(removedBytes), .text(id),
                ])
            try await connection.execute("DELETE FROM collection_marks WHERE run = ?", [.text(id)])
        }
    }

    /// The newest `limit` runs, newest first.
    public func collections(limit: Int) async throws -> [Collection] {
        try await database.read { connection in
            try await connection.query(
                "SELECT \(Self.collectionColumns) FROM collections ORDER BY started DESC, id DESC LIMIT ?",
                [SQLValue(max(0, limit))]
            ).map(Self.collection)
        }
    }
}

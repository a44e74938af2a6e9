import Foundation
import GRDB
import Synchronization

/// Where a SQLite database is and how long a transaction waits for another process's: the location
/// `sqlite:PATH[?busy_timeout=SECONDS]` (or a plain path), as `--database` takes it.
public struct SQLiteSettings: Sendable, Equatable {
    public var path: String
    /// Seconds a transaction waits for the file lock another process holds before it fails as
    /// unavailable (default 30; 1 to 3600).
    public var busyTimeout: TimeInterval

    public init(path: String, busyTimeout: TimeInterval = 30) {
        self.path = path
        self.busyTimeout = busyTimeout
    }

    public init(location: String) throws {
        var rest = location.hasPrefix("sqlite:") ? String(location.dropFirst("sqlite:".count)) : location
        var busyTimeout: TimeInterval = 30
        if let mark = rest.firstIndex(of: "?") {
            for item in rest[rest.index(after: mark)...].split(separator: "&") {
                let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2, pair[0] == "busy_timeout" else {
                    throw MetadataError.invalidConfiguration(
                        "unknown SQLite parameter '\(item.prefix(40))': only busy_timeout=SECONDS")
                }
                guard let seconds = Int(pair[1]), (1...3600).contains(seconds) else {
                    throw MetadataError.invalidConfiguration("busy_timeout must be 1 to 3600 seconds")
                }
                busyTimeout = TimeInterval(seconds)
            }
            rest = String(rest[..<mark])
        }
        guard !rest.isEmpty, !rest.hasSuffix("/"), !rest.contains("\0") else {
            throw MetadataError.invalidConfiguration("sqlite: needs a file path")
        }
        self.init(path: rest, busyTimeout: busyTimeout)
    }
}

/// SQLite through GRDB, for a single node: one file in WAL mode. Transactions start with
/// `BEGIN IMMEDIATE`, so writers in other processes wait on the file lock (up to the busy timeout)
/// instead of failing half-way; in this process they wait their turn on an async lock. Lookups
/// (``read(_:)``) run on reader connections of the pool and see what was last committed, so a
/// request's lookup never waits behind a transaction in progress.
public final class SQLiteDatabase: SQLDatabase {
    public let dialect = SQLDialect.sqlite
    public let path: String
    private let pool: DatabasePool
    private let gate = AsyncLock()

    /// Opens (creating when needed) the database `settings` names.
    public convenience init(settings: SQLiteSettings) throws {
        try self.init(path: settings.path, busyTimeout: settings.busyTimeout)
    }

    /// Opens (creating when needed) the database at `path`.
    public init(path: String, busyTimeout: TimeInterval = 30) throws {
        self.path = path
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(busyTimeout)
        // Transactions span several calls; the async lock keeps them from interleaving.
        configuration.allowsUnsafeTransactions = true
        configuration.label = "berth-registry-metadata"
        configuration.foreignKeysEnabled = true
        // Every connection (the writer and the readers) alike.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw MetadataError.unavailable("\(path): \(error)")
        }
    }

    /// Every SQLite write transaction is exclusive already (BEGIN IMMEDIATE), so `key` adds nothing.
    public func transaction<T: Sendable>(
        exclusive key: Int64?, _ body: @Sendable (any SQLConnection) async throws -> T
    ) async throws -> T {
        try await gate.withLock {
            let connection = Connection(pool: pool)
            do {
                try await pool.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
            } catch {
                rollBack()
                throw MetadataError.unavailable("\(path): \(error)")
            }
            do {
                let result = try await body(connection)
                try await pool.writeWithoutTransaction { try $0.execute(sql: "COMMIT") }
                return result
            } catch {
                // Synchronously: the async call refuses to run in a cancelled task (a request whose
                // client went away), which would leave the writer inside this transaction and
                // every later BEGIN failing.
                rollBack()
                if let error = error as? DatabaseError { throw MetadataError.unavailable("\(path): \(error)") }
                throw error
            }
        }
    }

    /// Ends the writer's open transaction, if any, without suspending: the async call refuses to run
    /// in a cancelled task.
    private func rollBack() {
        try? pool.writeWithoutTransaction { db in
            if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
        }
    }

    /// Each statement of `body` runs on a reader connection, in a read transaction of its own.
    public func read<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        do {
            return try await body(ReadConnection(pool: pool))
        } catch let error as DatabaseError {
            throw MetadataError.unavailable("\(path): \(error)")
        }
    }

    public func close() async {
        try? pool.close()
    }

    /// Statements on reader connections: queries only.
    struct ReadConnection: SQLConnection {
        let pool: DatabasePool

        func execute(_ sql: String, _ arguments: [SQLValue]) async throws {
            throw MetadataError.invalidConfiguration("a lookup cannot write: \(sql.prefix(60))")
        }

        func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
            let values = StatementArguments(arguments.map(Connection.databaseValue))
            return try await pool.read { db in try Row.fetchAll(db, sql: sql, arguments: values).map(Connection.row) }
        }
    }

    struct Connection: SQLConnection {
        let pool: DatabasePool

        func execute(_ sql: String, _ arguments: [SQLValue]) async throws {
            let values = StatementArguments(arguments.map(Self.databaseValue))
            try await pool.writeWithoutTransaction { try $0.execute(sql: sql, arguments: values) }
        }

        func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
            let values = StatementArguments(arguments.map(Self.databaseValue))
            return try await pool.writeWithoutTransaction { db in
                try Row.fetchAll(db, sql: sql, arguments: values).map(Self.row)
            }
        }

        static func row(_ row: Row) -> SQLRow {
            SQLRow(
                values: (0..<row.count).map { index in
                    switch (row[index] as DatabaseValue).storage {
                    case .null: return .null
                    case .int64(let value): return .integer(value)
                    case .double(let value): return .integer(Int64(value))
                    case .string(let text): return .text(text)
                    case .blob(let data): return .text(String(decoding: data, as: UTF8.self))
                    }
                })
        }

        static func databaseValue(_ value: SQLValue) -> (any DatabaseValueConvertible)? {
            switch value {
            case .text(let text): return text
            case .integer(let value): return value
            case .null: return nil
            }
        }
    }
}

/// A FIFO lock for async code: one holder at a time, waiters resumed in order.
final class AsyncLock: Sendable {
    private let state = Mutex(State())

    struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    func withLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if !state.locked {
                    state.locked = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.locked = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}

import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// PostgreSQL through postgres-nio, for several registry replicas. Every transaction runs at
/// SERIALIZABLE isolation and is retried when PostgreSQL aborts it for a conflict with a concurrent
/// one, so tag moves, quota accounting and GC leases stay correct whatever the other replicas do.
public final class PostgresDatabase: SQLDatabase {
    public let dialect = SQLDialect.postgres
    public let settings: PostgresSettings
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger
    /// Transactions restarted after a serialization failure (for tests and metrics).
    public let retries = Counter()

    public init(settings: PostgresSettings, logger: Logger = Logger(label: "berth-registry-metadata")) {
        self.settings = settings
        self.logger = logger
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: settings.password,
            database: settings.database, tls: .disable)
        configuration.options.maximumConnections = settings.maximumConnections
        configuration.options.connectTimeout = .seconds(Int64(settings.connectTimeoutSeconds))
        // The pool logs every failed connection attempt; the registry reports failures itself.
        var background = logger
        background.logLevel = .critical
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.client = client
        self.runner = Task { await client.run() }
    }

    public func transaction<T: Sendable>(
        exclusive key: Int64?, _ body: @Sendable (any SQLConnection) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await leased { connection in
                    let wrapped = Connection(connection: connection, logger: logger)
                    // A session lock taken before BEGIN: the transaction's snapshot comes after it.
                    if let key { try await wrapped.execute("SELECT pg_advisory_lock(?)", [.integer(key)]) }
                    do {
                        try await wrapped.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
                        do {
                            let result = try await body(wrapped)
                            try await wrapped.execute("COMMIT")
                            if let key { try await wrapped.execute("SELECT pg_advisory_unlock(?)", [.integer(key)]) }
                            return result
                        } catch {
                            try? await wrapped.execute("ROLLBACK")
                            throw error
                        }
                    } catch {
                        if let key { try? await wrapped.execute("SELECT pg_advisory_unlock(?)", [.integer(key)]) }
                        throw error
                    }
                }
            } catch let error as MetadataError {
                throw error
            } catch let error as PSQLError {
                let state = error.serverInfo?[.sqlState]
                // 40001 serialization_failure, 40P01 deadlock_detected: the transaction did nothing.
                if state == "40001" || state == "40P01", attempt < 50 {
                    retries.increment()
                    let delay = UInt64.random(in: 1...UInt64(min(attempt, 10))) * 2_000_000
                    try await Task.sleep(nanoseconds: delay)
                    continue
                }
                throw Self.describe(error)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw MetadataError.unavailable("\(settings.host):\(settings.port): \(error)")
            }
        }
    }

    /// Each statement of `body` runs on its own (autocommit, READ COMMITTED): one round trip for
    /// a lookup instead of three.
    public func read<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        do {
            return try await leased { connection in try await body(Connection(connection: connection, logger: logger)) }
        } catch let error as MetadataError {
            throw error
        } catch let error as PSQLError {
            throw Self.describe(error)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw MetadataError.unavailable("\(settings.host):\(settings.port): \(error)")
        }
    }

    /// Runs `body` holding PostgreSQL's session advisory lock `key`, shared or exclusive, on a
    /// connection of its own (outside any transaction). A process that dies loses its connection
    /// and with it the lock, so no lock outlives its holder.
    public func withAdvisoryLock<T: Sendable>(
        _ key: Int64, shared: Bool, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        try await withAdvisoryLocks([AdvisoryLock(key: key, shared: shared)], body)
    }

    /// Runs `body` holding several session advisory locks, taken in order on one connection (so a
    /// holder never waits for a second connection while others wait for its lock) and released in
    /// reverse order.
    public func withAdvisoryLocks<T: Sendable>(
        _ locks: [AdvisoryLock], _ body: @Sendable () async throws -> T
    ) async throws -> T {
        do {
            return try await leased { connection in
                let wrapped = Connection(connection: connection, logger: logger)
                var held: [AdvisoryLock] = []
                func unlock() async {
                    for lock in held.reversed() {
                        try? await wrapped.execute(
                            "SELECT pg_advisory_unlock\(lock.shared ? "_shared" : "")(?)", [.integer(lock.key)])
                    }
                }
                do {
                    for lock in locks {
                        try await wrapped.execute(
                            "SELECT pg_advisory_lock\(lock.shared ? "_shared" : "")(?)", [.integer(lock.key)])
                        held.append(lock)
                    }
                    let result = try await body()
                    await unlock()
                    return result
                } catch {
                    await unlock()
                    throw error
                }
            }
        } catch let error as PSQLError {
            throw Self.describe(error)
        }
    }

    /// A session advisory lock to take: its number, and whether shared.
    public struct AdvisoryLock: Sendable {
        public var key: Int64
        public var shared: Bool
        public init(key: Int64, shared: Bool) {
            self.key = key
            self.shared = shared
        }
    }

    /// Runs `body` on a pooled connection, giving up with `unavailable` when none can be had within
    /// the lease timeout (the pool itself would keep trying for a minute).
    private func leased<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let acquired = Flag()
        let timeout = settings.leaseTimeoutSeconds
        let server = "\(settings.host):\(settings.port)"
        return try await withoutActuallyEscaping(body) { body in
            try await withThrowingTaskGroup(of: Outcome<T>.self) { group in
                group.addTask {
                    .value(
                        try await self.client.withConnection { connection in
                            acquired.set()
                            return try await body(connection)
                        })
                }
                group.addTask {
                    try await Task.sleep(nanoseconds: UInt64(timeout) * 1_000_000_000)
                    if acquired.isSet { return .timerDone }
                    throw MetadataError.unavailable("no connection to PostgreSQL at \(server) within \(timeout) s")
                }
                while let outcome = try await group.next() {
                    if case .value(let value) = outcome {
                        group.cancelAll()
                        return value
                    }
                }
                throw MetadataError.unavailable("PostgreSQL at \(server): no result")
            }
        }
    }

    enum Outcome<T: Sendable>: Sendable {
        case value(T)
        case timerDone
    }

    /// A flag set once, read from another task.
    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .releasing) }
        var isSet: Bool { value.load(ordering: .acquiring) }
    }

    public func close() async {
        runner.cancel()
        _ = await runner.value
    }

    /// A PostgreSQL error as the registry reports it: the server's message and SQLSTATE, or the
    /// connection problem.
    static func describe(_ error: PSQLError) -> MetadataError {
        if let info = error.serverInfo {
            let message = info[.message] ?? "error"
            let state = info[.sqlState] ?? "?"
            if state.hasPrefix("08") || state.hasPrefix("57") || state.hasPrefix("53") {
                return .unavailable("\(message) (SQLSTATE \(state))")
            }
            return .corrupt("\(message) (SQLSTATE \(state))")
        }
        return .unavailable("\(error.code)" + (error.underlying.map { ": \($0)" } ?? ""))
    }

    struct Connection: SQLConnection {
        let connection: PostgresConnection
        let logger: Logger

        func execute(_ sql: String, _ arguments: [SQLValue]) async throws {
            _ = try await query(sql, arguments)
        }

        func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
            let query = Self.postgresQuery(sql, arguments)
            let rows = try await connection.query(query, logger: logger)
            var result: [SQLRow] = []
            for try await row in rows {
                var values: [SQLValue] = []
                for cell in row {
                    guard cell.bytes != nil else {
                        values.append(.null)
                        continue
                    }
                    switch cell.dataType {
                    case .int2, .int4, .int8:
                        values.append(.integer(try cell.decode(Int64.self)))
                    case .bool:
                        values.append(.integer(try cell.decode(Bool.self) ? 1 : 0))
                    case .void:
                        values.append(.null)
                    default:
                        values.append(.text(try cell.decode(String.self)))
                    }
                }
                result.append(SQLRow(values: values))
            }
            return result
        }

        /// `?` placeholders become `$1`, `$2`, ... (statements here hold no `?` inside literals).
        static func postgresQuery(_ sql: String, _ arguments: [SQLValue]) -> PostgresQuery {
            var text = ""
            text.reserveCapacity(sql.utf8.count + 8)
            var index = 0
            for character in sql {
                if character == "?" {
                    index += 1
                    text += "$\(index)"
                } else {
                    text.append(character)
                }
            }
            var bindings = PostgresBindings(capacity: arguments.count)
            for argument in arguments {
                switch argument {
                case .text(let value): bindings.append(value)
                case .integer(let value): bindings.append(value)
                case .null: bindings.appendNull()
                }
            }
            return PostgresQuery(unsafeSQL: text, binds: bindings)
        }
    }
}

/// A thread-safe counter.
public final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    public func increment() { value.add(1, ordering: .relaxed) }
    public var count: Int { value.load(ordering: .relaxed) }
}

/// Where PostgreSQL is: `postgres://USER[:PASS]@HOST:PORT/DB`, with libpq's environment variables
/// (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE) filling what the URL leaves out.
public struct PostgresSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var maximumConnections = 10
    public var connectTimeoutSeconds = 10
    /// How long a request waits for a pooled connection (a connection being opened, or one another
    /// request returns) before it answers `unavailable`.
    public var leaseTimeoutSeconds = 30

    public init(host: String, port: Int, user: String, password: String?, database: String) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    /// Parses the URL; the password never needs to be in it (PGPASSWORD).
    public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let components = URLComponents(string: url),
            components.scheme == "postgres" || components.scheme == "postgresql"
        else {
            throw MetadataError.invalidConfiguration(
                "database URL must be postgres://USER[:PASS]@HOST:PORT/DB, not '\(Self.redacted(url))'")
        }
        let host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? environment["PGHOST"] ?? "127.0.0.1"
        var port = components.port ?? 5432
        if components.port == nil, let text = environment["PGPORT"] {
            guard let value = Int(text), (1...65535).contains(value) else {
                throw MetadataError.invalidConfiguration("PGPORT '\(text)' is not a port")
            }
            port = value
        }
        guard let user = components.user.flatMap({ $0.isEmpty ? nil : $0 }) ?? environment["PGUSER"] else {
            throw MetadataError.invalidConfiguration("database URL names no user (nor is PGUSER set)")
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let database = path.isEmpty ? (environment["PGDATABASE"] ?? user) : path
        self.init(
            host: host, port: port, user: user.removingPercentEncoding ?? user,
            password: components.password?.removingPercentEncoding ?? environment["PGPASSWORD"],
            database: database)
        for item in components.queryItems ?? [] {
            switch item.name {
            case "max_connections":
                guard let value = item.value.flatMap(Int.init), value > 0 else {
                    throw MetadataError.invalidConfiguration("max_connections must be a positive integer")
                }
                maximumConnections = value
            case "connect_timeout":
                guard let value = item.value.flatMap(Int.init), value > 0 else {
                    throw MetadataError.invalidConfiguration("connect_timeout must be a positive integer")
                }
                connectTimeoutSeconds = value
            case "lease_timeout":
                guard let value = item.value.flatMap(Int.init), value > 0 else {
                    throw MetadataError.invalidConfiguration("lease_timeout must be a positive integer")
                }
                leaseTimeoutSeconds = value
            case "sslmode" where item.value == "disable":
                break
            default:
                throw MetadataError.invalidConfiguration("database URL parameter '\(item.name)' is not supported")
            }
        }
    }

    /// The URL with any password replaced, for messages and logs.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "postgres://***"
    }
}

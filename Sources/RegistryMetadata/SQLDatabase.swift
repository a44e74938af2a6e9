import Foundation

/// A value bound to or read from a statement: the two engines share these three types.
public enum SQLValue: Sendable, Equatable, CustomStringConvertible {
    case text(String)
    case integer(Int64)
    case null

    public var description: String {
        switch self {
        case .text(let text): return "'\(text)'"
        case .integer(let value): return String(value)
        case .null: return "NULL"
        }
    }

    init(_ text: String?) { self = text.map(SQLValue.text) ?? .null }
    init(_ value: Int64?) { self = value.map(SQLValue.integer) ?? .null }
    init(_ value: Int) { self = .integer(Int64(value)) }
    init(_ value: Bool) { self = .integer(value ? 1 : 0) }
}

/// One result row, by column position.
public struct SQLRow: Sendable, Equatable {
    public var values: [SQLValue]

    func text(_ index: Int) -> String? {
        guard index < values.count else { return nil }
        switch values[index] {
        case .text(let text): return text
        case .integer(let value): return String(value)
        case .null: return nil
        }
    }

    func integer(_ index: Int) -> Int64? {
        guard index < values.count else { return nil }
        switch values[index] {
        case .integer(let value): return value
        case .text(let text): return Int64(text)
        case .null: return nil
        }
    }

    func string(_ index: Int) throws -> String {
        guard let text = text(index) else { throw MetadataError.corrupt("column \(index) is NULL") }
        return text
    }

    func int(_ index: Int) throws -> Int64 {
        guard let value = integer(index) else { throw MetadataError.corrupt("column \(index) is not an integer") }
        return value
    }
}

/// The SQL both engines are written in differs in a few places only; those are asked of the dialect.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres

    /// An auto-numbered 64-bit primary key column.
    var serialKey: String {
        switch self {
        case .sqlite: return "INTEGER PRIMARY KEY AUTOINCREMENT"
        case .postgres: return "BIGSERIAL PRIMARY KEY"
        }
    }
}

/// A connection inside a transaction. Statements use `?` placeholders in both dialects.
public protocol SQLConnection: Sendable {
    func execute(_ sql: String, _ arguments: [SQLValue]) async throws
    func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow]
}

extension SQLDatabase {
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        try await transaction(exclusive: nil, body)
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        try await transaction(exclusive: nil, body)
    }
}

extension SQLConnection {
    func execute(_ sql: String) async throws { try await execute(sql, []) }
    func first(_ sql: String, _ arguments: [SQLValue]) async throws -> SQLRow? {
        try await query(sql, arguments).first
    }
}

/// A database that runs serializable transactions, retrying those the engine aborts for a conflict
/// with a concurrent one (in this process or another).
public protocol SQLDatabase: Sendable {
    var dialect: SQLDialect { get }
    /// Runs `body` in one transaction that behaves as if no other ran at the same time; a
    /// serialization failure restarts it, so `body` must have no effect outside the database.
    /// With `exclusive`, transactions that name the same key also run one after the other, each
    /// seeing what the previous committed (schema migrations).
    func transaction<T: Sendable>(
        exclusive key: Int64?, _ body: @Sendable (any SQLConnection) async throws -> T
    ) async throws -> T
    /// Runs `body`, which only reads, without a transaction of its own where the engine allows:
    /// each statement sees what was committed when it started (PostgreSQL: no BEGIN and COMMIT
    /// round trips; SQLite: a reader connection, not waiting for the writer). The default runs it
    /// as a transaction. For one-statement lookups on a request's path (a tag, an index entry),
    /// never for a read a write depends on.
    func read<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T
    /// Closes connections; the database is unusable afterwards.
    func close() async
}

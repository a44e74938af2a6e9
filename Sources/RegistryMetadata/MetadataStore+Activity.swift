import Foundation

/// Records every replica writes as it works: last pulls (retention), console sessions, webhook
/// delivery attempts.
extension MetadataStore {
    // MARK: Last pulls

    /// Notes a pull of `digest` at `at` (seconds); an earlier time never replaces a later one.
    public func recordPull(digest: String, at: Int64) async throws {
        try await database.transaction { connection in
            try await connection.execute(
                """
                INSERT INTO pulls (digest, at) VALUES (?, ?)
                ON CONFLICT (digest) DO UPDATE SET at = CASE WHEN excluded.at > pulls.at THEN excluded.at ELSE pulls.at END
                """, [.text(digest), .integer(at)])
        }
    }

    /// When `digest` was last pulled (seconds), or nil.
    public func lastPull(digest: String) async throws -> Int64? {
        try await database.read { connection in
            try await connection.first("SELECT at FROM pulls WHERE digest = ?", [.text(digest)])?.integer(0)
        }
    }

    // MARK: Console sessions

    /// A console session as stored: keyed by a hash of its id that the caller makes (the id
    /// itself is never stored, so whoever reads the database cannot take over a session).
    public struct ConsoleSession: Sendable, Equatable {
        public var idHash: String
        public var user: String?
        public var csrf: String
        public var expires: Int64
        public init(idHash: String, user: String?, csrf: String, expires: Int64) {
            self.idHash = idHash
            self.user = user
            self.csrf = csrf
            self.expires = expires
        }
    }

    /// Stores a new session; expired sessions go, and beyond `capacity` the ones nearest to
    /// expiry go too.
    public func createSession(_ session: ConsoleSession, now: Int64, capacity: Int) async throws {
        try await database.transaction { connection in
            try await connection.execute("DELETE FROM console_sessions WHERE expires <= ?", [.integer(now)])
            let count = try await connection.first("SELECT COUNT(*) FROM console_sessions", [])?.int(0) ?? 0
            if count >= Int64(capacity) {
                try await connection.execute(
                    """
                    DELETE FROM console_sessions WHERE id_hash IN (
                        SELECT id_hash FROM console_sessions ORDER BY expires LIMIT ?)
                    """, [.integer(count - Int64(capacity) + 1)])
            }
            try await connection.execute(
                "INSERT INTO console_sessions (id_hash, username, csrf, expires) VALUES (?, ?, ?, ?)",
                [
                    .text(session.idHash), SQLValue(session.user), .text(session.csrf),
                    .integer(session.expires),
                ])
        }
    }

    /// The live session with `hash`, its expiry moved to `expires`; nil (and removed) when expired.
    public func touchSession(idHash hash: String, now: Int64, expires: Int64) async throws -> ConsoleSession? {
        try await database.transaction { connection in
            guard
                let row = try await connection.first(
                    "SELECT username, csrf, expires FROM console_sessions WHERE id_hash = ?", [.text(hash)])
            else { return nil }
            guard try row.int(2) > now else {
                try await connection.execute("DELETE FROM console_sessions WHERE id_hash = ?", [.text(hash)])
                return nil
            }
            try await connection.execute(
                "UPDATE console_sessions SET expires = ? WHERE id_hash = ?", [.integer(expires), .text(hash)])
            return ConsoleSession(idHash: hash, user: row.text(0), csrf: try row.string(1), expires: expires)
        }
    }

    public func deleteSession(idHash: String) async throws {
        try await database.transaction { connection in
            try await connection.execute("DELETE FROM console_sessions WHERE id_hash = ?", [.text(idHash)])
        }
    }

    public func sessionCount() async throws -> Int {
        try await database.transaction { connection in
            Int(try await connection.first("SELECT COUNT(*) FROM console_sessions", [])?.int(0) ?? 0)
        }
    }

    // MARK: Webhook deliveries

    /// Appends one delivery attempt of `project` (its JSON), keeping the newest `keep` of the
    /// project (up to a hundred more between prunes).
    public func appendDelivery(project: String, at: Int64, body: String, keep: Int) async throws {
        try await database.transaction { connection in
            try await connection.execute(
                "INSERT INTO webhook_deliveries (project, at, body) VALUES (?, ?, ?)",
                [.text(project), .integer(at), .text(body)])
            // Pruned once the project is a hundred past its bound, so that a delete is rare.
            let count =
                try await connection.first(
                    "SELECT COUNT(*) FROM webhook_deliveries WHERE project = ?", [.text(project)])?.int(0) ?? 0
            if count > Int64(keep) + 100 {
                try await connection.execute(
                    """
                    DELETE FROM webhook_deliveries WHERE project = ? AND id <= (
                        SELECT id FROM webhook_deliveries WHERE project = ? ORDER BY id DESC LIMIT 1 OFFSET ?)
                    """, [.text(project), .text(project), SQLValue(keep)])
            }
        }
    }

    /// The newest `limit` attempts of `project` (their JSON), oldest first.
    public func deliveries(project: String, limit: Int) async throws -> [String] {
        try await database.transaction { connection in
            try await connection.query(
                "SELECT body FROM webhook_deliveries WHERE project = ? ORDER BY id DESC LIMIT ?",
                [.text(project), SQLValue(max(0, limit))]
            ).map { try $0.string(0) }.reversed()
        }
    }
}

import Foundation

/// The registry's metadata behind one interface, on SQLite (one node) or PostgreSQL (replicas).
///
/// Every operation that reads and then writes does both in one serializable transaction, so the
/// rules hold across processes without any process-local lock: a tag moves only from the value the
/// caller saw, an immutable tag never moves, the security records change only from the revision
/// the writer read.
public final class MetadataStore: Sendable {
    public let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    /// Opens `sqlite:PATH[?busy_timeout=S]`, a plain path, or `postgres://...`, and applies pending migrations.
    public static func open(
        _ location: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> MetadataStore {
        let database: any SQLDatabase
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            database = PostgresDatabase(settings: try PostgresSettings(url: location, environment: environment))
        } else {
            database = try SQLiteDatabase(settings: try SQLiteSettings(location: location))
        }
        let store = MetadataStore(database: database)
        do {
            _ = try await store.migrate()
        } catch {
            await database.close()
            throw error
        }
        return store
    }

    /// Applies pending migrations; returns the versions applied.
    @discardableResult
    public func migrate() async throws -> [Int] { try await Migrations.apply(on: database) }

    public func schemaVersion() async throws -> Int {
        try await database.transaction { connection in
            Int(try await connection.first("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [])?.int(0) ?? 0)
        }
    }

    public func close() async { await database.close() }

    /// The value stored under `name`, made by `make` and stored by the first process that asks:
    /// every process gets the same value, whichever wins the race.
    public func sharedValue(_ name: String, make: @Sendable () throws -> String) async throws -> String {
        let candidate = try make()
        return try await database.transaction { connection in
            try await connection.execute(
                "INSERT INTO shared_values (name, value, created) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                [.text(name), .text(candidate), .integer(MetadataClock.now())])
            guard let row = try await connection.first("SELECT value FROM shared_values WHERE name = ?", [.text(name)])
            else { throw MetadataError.corrupt("shared value '\(name)' vanished") }
            return try row.string(0)
        }
    }

    // MARK: Users, robots, projects, members

    public struct User: Sendable, Equatable {
        public var name: String
        public var passwordHash: String
        public var admin: Bool
        public init(name: String, passwordHash: String, admin: Bool) {
            self.name = name
            self.passwordHash = passwordHash
            self.admin = admin
        }
    }

    public func putUser(_ user: User) async throws {
        try await database.transaction { connection in
            try await connection.execute(
                """
                INSERT INTO users (name, password_hash, admin) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, admin = excluded.admin
                """, [.text(user.name), .text(user.passwordHash), SQLValue(user.admin)])
        }
    }

    public func user(_ name: String) async throws -> User? {
        try await database.transaction { connection in
            try await connection.first("SELECT name, password_hash, admin FROM users WHERE name = ?", [.text(name)])
                .map { User(name: try $0.string(0), passwordHash: try $0.string(1), admin: try $0.int(2) != 0) }
        }
    }

    public func users() async throws -> [User] {
        try await database.transaction { connection in
            try await connection.query("SELECT name, password_hash, admin FROM users ORDER BY name", []).map {
                User(name: try $0.string(0), passwordHash: try $0.string(1), admin: try $0.int(2) != 0)
            }
        }
    }

    /// Removes the user and their memberships; false when there was no such user.
    @discardableResult
    public func deleteUser(_ name: String) async throws -> Bool {
        try await database.transaction { connection in
            let removed = try await connection.query("DELETE FROM users WHERE name = ? RETURNING name", [.text(name)])
            try await connection.execute("DELETE FROM members WHERE username = ?", [.text(name)])
            return !removed.isEmpty
        }
    }

    public struct Robot: Sendable, Equatable {
        public var name: String
        public var secretHash: String
        public var project: String
        public var role: String
        public var expires: Int64
        public init(name: String, secretHash: String, project: String, role: String, expires: Int64) {
            self.name = name
            self.secretHash = secretHash
            self.project = project
            self.role = role
            self.expires = expires
        }
    }

    public func putRobot(_ robot: Robot) async throws {
        try await database.transaction { connection in
            try await connection.execute(
                """
                INSERT INTO robots (name, secret_hash, project, role, expires) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET secret_hash = excluded.secret_hash, project = excluded.project,
                    role = excluded.role, expires = excluded.expires
                """,
                [
                    .text(robot.name), .text(robot.secretHash), .text(robot.project), .text(robot.role),
                    .integer(robot.expires),
                ])
        }
    }

    public func robots(project: String? = nil) async throws -> [Robot] {
        try await database.transaction { connection in
            try await connection.query(
                "SELECT name, secret_hash, project, role, expires FROM robots WHERE (CAST(? AS TEXT) IS NULL OR project = ?) ORDER BY name",
                [SQLValue(project), SQLValue(project)]
            ).map {
                Robot(
                    name: try $0.string(0), secretHash: try $0.string(1), project: try $0.string(2),
                    role: try $0.string(3), expires: try $0.int(4))
            }
        }
    }

    @discardableResult
    public func deleteRobot(_ name: String) async throws -> Bool {
        try await database.transaction { connection in
            !(try await connection.query("DELETE FROM robots WHERE name = ? RETURNING name", [.text(name)]).isEmpty)
        }
    }

    public struct Project: Sendable, Equatable {
        public var name: String
        public var isPublic: Bool
        public var quotaBytes: Int64?
        /// The project's policies as the registry encodes them (JSON); opaque to this store.
        public var policy: String
        public init(name: String, isPublic: Bool = false, quotaBytes: Int64? = nil, policy: String = "{}") {
            self.name = name
            self.isPublic = isPublic
            self.quotaBytes = quotaBytes
            self.policy = policy
        }
    }

    public func putProject(_ project: Project) async throws {
        try await database.transaction { connection in
            try await connection.execute(
                """
                INSERT INTO projects (name, public, quota_bytes, policy) VALUES (?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET public = excluded.public, quota_bytes = excluded.quota_bytes,
                    policy = excluded.policy
                """,
                [.text(project.name), SQLValue(project.isPublic), SQLValue(project.quotaBytes), .text(project.policy)])
        }
    }

    public func project(_ name: String) async throws -> Project? {
        try await database.transaction { connection in
            try await connection.first(
                "SELECT name, public, quota_bytes, policy FROM projects WHERE name = ?", [.text(name)]
            ).map(Self.project)
        }
    }

    public func projects() async throws -> [Project] {
        try await database.transaction { connection in
            try await connection.query("SELECT name, public, quota_bytes, policy FROM projects ORDER BY name", [])
                .map(Self.project)
        }
    }

    static func project(_ row: SQLRow) throws -> Project {
        Project(
            name: try row.string(0), isPublic: try row.int(1) != 0, quotaBytes: row.integer(2),
            policy: try row.string(3))
    }

    /// Deletes a project with its members; false when there was none.
    @discardableResult
    public func deleteProject(_ name: String) async throws -> Bool {
        try await database.transaction { connection in
            try await connection.execute("DELETE FROM members WHERE project = ?", [.text(name)])
            return
                !(try await connection.query("DELETE FROM projects WHERE name = ? RETURNING name", [.text(name)])
                .isEmpty)
        }
    }

    /// Gives `user` a role in `project`; nil removes the membership.
    public func setMember(project: String, user: String, role: String?) async throws {
        try await database.transaction { connection in
            guard try await connection.first("SELECT name FROM projects WHERE name = ?", [.text(project)]) != nil else {
                throw MetadataError.notFound("no project '\(project)'")
            }
            if let role {
                guard try await connection.first("SELECT name FROM users WHERE name = ?", [.text(user)]) != nil else {
                    throw MetadataError.notFound("no user '\(user)'")
                }
                try await connection.execute(
                    """
                    INSERT INTO members (project, username, role) VALUES (?, ?, ?)
                    ON CONFLICT (project, username) DO UPDATE SET role = excluded.role
                    """, [.text(project), .text(user), .text(role)])
            } else {
                try await connection.execute(
                    "DELETE FROM members WHERE project = ? AND username = ?", [.text(project), .text(user)])
            }
        }
    }

    public func members(project: String) async throws -> [String: String] {
        try await database.transaction { connection in
            var members: [String: String] = [:]
            for row in try await connection.query(
                "SELECT username, role FROM members WHERE project = ?", [.text(project)])
            {
                members[try row.string(0)] = try row.string(1)
            }
            return members
        }
    }

    // MARK: Tags

    /// What the caller believes a tag points to before moving it.
    public enum TagExpectation: Sendable, Equatable {
        /// Move whatever it points to.
        case any
        /// Only create it: it must not exist.
        case absent
        /// It must point to this digest.
        case digest(String)
    }

    public func tag(repository: String, name: String) async throws -> String? {
        try await database.read { connection in
            try await connection.first(
                "SELECT digest FROM tags WHERE repository = ? AND name = ?", [.text(repository), .text(name)]
            )?.text(0)
        }
    }

    /// Points `name` at `digest`. An immutable tag that exists may only be "moved" to the digest it
    /// already has; `expected` makes the move a compare-and-set. Returns the previous digest.
    @discardableResult
    public func moveTag(
        repository: String, name: String, to digest: String, expected: TagExpectation = .any, immutable: Bool = false
    ) async throws -> String? {
        try await database.transaction { connection in
            let current = try await connection.first(
                "SELECT digest FROM tags WHERE repository = ? AND name = ?", [.text(repository), .text(name)]
            )?.text(0)
            if immutable, let current, current != digest {
                throw MetadataError.immutableTag(repository: repository, tag: name, digest: current)
            }
            switch expected {
            case .any: break
            case .absent:
                if let current {
                    throw MetadataError.conflict("tag \(repository):\(name) exists (\(current))")
                }
            case .digest(let wanted):
                if current != wanted {
                    throw MetadataError.conflict(
                        "tag \(repository):\(name) points to \(current ?? "nothing"), not \(wanted)")
                }
            }
            try await connection.execute(
                """
                INSERT INTO tags (repository, name, digest, updated) VALUES (?, ?, ?, ?)
                ON CONFLICT (repository, name) DO UPDATE SET digest = excluded.digest, updated = excluded.updated
                """, [.text(repository), .text(name), .text(digest), .integer(MetadataClock.now())])
            return current
        }
    }

    /// Removes a tag (refused for an immutable one); false when there was none.
    @discardableResult
    public func deleteTag(repository: String, name: String, immutable: Bool = false) async throws -> Bool {
        try await database.transaction { connection in
            guard
                let current = try await connection.first(
                    "SELECT digest FROM tags WHERE repository = ? AND name = ?", [.text(repository), .text(name)]
                )?.text(0)
            else { return false }
            if immutable { throw MetadataError.immutableTag(repository: repository, tag: name, digest: current) }
            try await connection.execute(
                "DELETE FROM tags WHERE repository = ? AND name = ?", [.text(repository), .text(name)])
            return true
        }
    }

    public struct Tag: Sendable, Equatable {
        public var name: String
        public var digest: String
        public init(name: String, digest: String) {
            self.name = name
            self.digest = digest
        }
    }

    /// Tags in lexical order after `after`, at most `limit` (the distribution API's paging).
    public func tags(repository: String, after: String? = nil, limit: Int = 1000) async throws -> [Tag] {
        try await database.read { connection in
            try await connection.query(
                """
                SELECT name, digest FROM tags WHERE repository = ? AND (CAST(? AS TEXT) IS NULL OR name > ?)
                ORDER BY name LIMIT ?
                """, [.text(repository), SQLValue(after), SQLValue(after), SQLValue(limit)]
            ).map { Tag(name: try $0.string(0), digest: try $0.string(1)) }
        }
    }

    // MARK: Audit log

    public struct AuditEvent: Sendable, Equatable {
        public var id: Int64
        public var at: Int64
        public var actor: String
        public var action: String
        public var project: String?
        public var repository: String?
        public var outcome: String
        public var detail: String?
        public init(
            id: Int64 = 0, at: Int64, actor: String, action: String, project: String?, repository: String?,
            outcome: String, detail: String?
        ) {
            self.id = id
            self.at = at
            self.actor = actor
            self.action = action
            self.project = project
            self.repository = repository
            self.outcome = outcome
            self.detail = detail
        }
    }

    @discardableResult
    public func appendAudit(_ event: AuditEvent) async throws -> Int64 {
        try await database.transaction { connection in
            try await connection.first(
                """
                INSERT INTO audit (at, actor, action, project, repository, outcome, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id
                """,
                [
                    .integer(event.at), .text(event.actor), .text(event.action), SQLValue(event.project),
                    SQLValue(event.repository), .text(event.outcome), SQLValue(event.detail),
                ]
            )?.int(0) ?? 0
        }
    }

    public struct AuditQuery: Sendable, Equatable {
        public var project: String?
        public var actor: String?
        public var action: String?
        public var since: Int64?
        public var until: Int64?
        /// Newest first; the page starts below this id (the previous page's `next`).
        public var before: Int64?
        public var limit: Int = 50
        public init(
            project: String? = nil, actor: String? = nil, action: String? = nil, since: Int64? = nil,
            until: Int64? = nil, before: Int64? = nil, limit: Int = 50
        ) {
            self.project = project
            self.actor = actor
            self.action = action
            self.since = since
            self.until = until
            self.before = before
            self.limit = limit
        }
    }

    /// A page of events, newest first, and the cursor of the next page (nil on the last).
    public func audit(_ query: AuditQuery) async throws -> (events: [AuditEvent], next: Int64?) {
        let limit = max(1, min(query.limit, 1000))
        let rows = try await database.transaction { connection in
            try await connection.query(
                """
                SELECT id, at, actor, action, project, repository, outcome, detail FROM audit
                WHERE (CAST(? AS TEXT) IS NULL OR project = ?) AND (CAST(? AS TEXT) IS NULL OR actor = ?)
                  AND (CAST(? AS TEXT) IS NULL OR action = ?) AND (CAST(? AS BIGINT) IS NULL OR at >= ?)
                  AND (CAST(? AS BIGINT) IS NULL OR at <= ?) AND (CAST(? AS BIGINT) IS NULL OR id < ?)
                ORDER BY id DESC LIMIT ?
                """,
                [
                    SQLValue(query.project), SQLValue(query.project), SQLValue(query.actor), SQLValue(query.actor),
                    SQLValue(query.action), SQLValue(query.action), SQLValue(query.since), SQLValue(query.since),
                    SQLValue(query.until), SQLValue(query.until), SQLValue(query.before), SQLValue(query.before),
                    SQLValue(limit + 1),
                ])
        }
        let events = try rows.prefix(limit).map {
            AuditEvent(
                id: try $0.int(0), at: try $0.int(1), actor: try $0.string(2), action: try $0.string(3),
                project: $0.text(4), repository: $0.text(5), outcome: try $0.string(6), detail: $0.text(7))
        }
        return (events, rows.count > limit ? events.last?.id : nil)
    }

    // MARK: Scan results

    public struct ScanResult: Sendable, Equatable {
        public var digest: String
        public var status: String
        public var databaseVersion: String?
        public var updated: Int64
        public var report: String?
        public init(digest: String, status: String, databaseVersion: String?, updated: Int64, report: String?) {
            self.digest = digest
            self.status = status
            self.databaseVersion = databaseVersion
            self.updated = updated
            self.report = report
        }
    }

    public func putScan(_ result: ScanResult) async throws {
        try await database.transaction { connection in
            try await connection.execute(
                """
                INSERT INTO scans (digest, status, database_version, updated, report) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (digest) DO UPDATE SET status = excluded.status,
                    database_version = excluded.database_version, updated = excluded.updated, report = excluded.report
                """,
                [
                    .text(result.digest), .text(result.status), SQLValue(result.databaseVersion),
                    .integer(result.updated), SQLValue(result.report),
                ])
        }
    }

    public func scan(digest: String) async throws -> ScanResult? {
        try await database.read { connection in
            try await connection.first(
                "SELECT digest, status, database_version, updated, report FROM scans WHERE digest = ?",
                [.text(digest)]
            ).map {
                ScanResult(
                    digest: try $0.string(0), status: try $0.string(1), databaseVersion: $0.text(2),
                    updated: try $0.int(3), report: $0.text(4))
            }
        }
    }
}

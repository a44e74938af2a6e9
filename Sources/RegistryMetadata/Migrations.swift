import Foundation

/// The schema, as numbered migrations applied in order and recorded in `schema_migrations`.
///
/// A migration is never edited once released: a change is a new migration. Each runs in the same
/// transaction as its record, under a lock every process takes, so replicas starting together
/// apply it once.
enum Migrations {
    struct Migration: Sendable {
        let version: Int
        let summary: String
        let statements: @Sendable (SQLDialect) -> [String]
    }

    static let all: [Migration] = [
        Migration(version: 1, summary: "users, robots, projects, members, tags, manifests, blobs, uploads, audit") {
            dialect in
            [
                """
                CREATE TABLE users (
                    name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, admin BIGINT NOT NULL DEFAULT 0)
                """,
                """
                CREATE TABLE robots (
                    name TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, project TEXT NOT NULL, role TEXT NOT NULL,
                    expires BIGINT NOT NULL)
                """,
                """
                CREATE TABLE projects (
                    name TEXT PRIMARY KEY, public BIGINT NOT NULL DEFAULT 0, quota_bytes BIGINT,
                    policy TEXT NOT NULL DEFAULT '{}')
                """,
                """
                CREATE TABLE members (
                    project TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
                    username TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (project, username))
                """,
                """
                CREATE TABLE tags (
                    repository TEXT NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL, updated BIGINT NOT NULL,
                    PRIMARY KEY (repository, name))
                """,
                "CREATE INDEX tags_digest ON tags (repository, digest)",
                """
                CREATE TABLE manifests (
                    repository TEXT NOT NULL, digest TEXT NOT NULL, media_type TEXT NOT NULL, size BIGINT NOT NULL,
                    subject TEXT, pushed BIGINT NOT NULL, PRIMARY KEY (repository, digest))
                """,
                "CREATE INDEX manifests_subject ON manifests (repository, subject)",
                """
                CREATE TABLE project_blobs (
                    project TEXT NOT NULL, digest TEXT NOT NULL, size BIGINT NOT NULL, PRIMARY KEY (project, digest))
                """,
                """
                CREATE TABLE blobs (
                    digest TEXT PRIMARY KEY, size BIGINT NOT NULL, last_seen BIGINT NOT NULL)
                """,
                """
                CREATE TABLE uploads (
                    id TEXT PRIMARY KEY, repository TEXT NOT NULL, received BIGINT NOT NULL,
                    lease_until BIGINT NOT NULL, created BIGINT NOT NULL)
                """,
                """
                CREATE TABLE gc_runs (
                    id TEXT PRIMARY KEY, owner TEXT NOT NULL, started BIGINT NOT NULL, lease_until BIGINT NOT NULL,
                    finished BIGINT)
                """,
                """
                CREATE TABLE gc_marks (
                    run TEXT NOT NULL REFERENCES gc_runs(id) ON DELETE CASCADE, digest TEXT NOT NULL,
                    PRIMARY KEY (run, digest))
                """,
                """
                CREATE TABLE audit (
                    id \(dialect.serialKey), at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
                    project TEXT, repository TEXT, outcome TEXT NOT NULL, detail TEXT)
                """,
                "CREATE INDEX audit_project ON audit (project, id)",
            ]
        },
        Migration(version: 2, summary: "scan results") { _ in
            [
                """
                CREATE TABLE scans (
                    digest TEXT PRIMARY KEY, status TEXT NOT NULL, database_version TEXT, updated BIGINT NOT NULL,
                    report TEXT)
                """
            ]
        },
        Migration(version: 3, summary: "values every replica shares (the token signing key)") { _ in
            ["CREATE TABLE shared_values (name TEXT PRIMARY KEY, value TEXT NOT NULL, created BIGINT NOT NULL)"]
        },
        Migration(version: 4, summary: "revision counters (the security records' compare-and-set)") { _ in
            ["CREATE TABLE revisions (name TEXT PRIMARY KEY, value BIGINT NOT NULL)"]
        },
        Migration(version: 5, summary: "last pulls, console sessions, webhook deliveries") { dialect in
            [
                "CREATE TABLE pulls (digest TEXT PRIMARY KEY, at BIGINT NOT NULL)",
                """
                CREATE TABLE console_sessions (
                    id_hash TEXT PRIMARY KEY, username TEXT, csrf TEXT NOT NULL, expires BIGINT NOT NULL)
                """,
                "CREATE INDEX console_sessions_expires ON console_sessions (expires)",
                """
                CREATE TABLE webhook_deliveries (
                    id \(dialect.serialKey), project TEXT NOT NULL, at BIGINT NOT NULL, body TEXT NOT NULL)
                """,
                "CREATE INDEX webhook_deliveries_project ON webhook_deliveries (project, id)",
            ]
        },
        Migration(version: 6, summary: "what each repository holds (quota accounting)") { _ in
            [
                """
                CREATE TABLE repository_content (
                    repository TEXT NOT NULL, digest TEXT NOT NULL, kind TEXT NOT NULL, project TEXT NOT NULL,
                    size BIGINT NOT NULL, PRIMARY KEY (repository, digest, kind))
                """,
                "CREATE INDEX repository_content_project ON repository_content (project, digest)",
            ]
        },
        Migration(version: 7, summary: "drop the first schema's tables the registry never used") { _ in
            // Manifests, referrers and upload sessions stay with their content in the storage
            // driver; quota use is `repository_content`; garbage collection marks by reading the
            // store, with the content lock and a grace period.
            ["gc_marks", "gc_runs", "uploads", "blobs", "project_blobs", "manifests"].map { "DROP TABLE \($0)" }
        },
        Migration(version: 8, summary: "tag names compare byte by byte, whatever the database's locale") { dialect in
            // The distribution API lists tags in lexical order and pages from `last` by it. A
            // PostgreSQL cluster made with a language locale orders "B" after "a"; SQLite's default
            // collation already compares bytes.
            switch dialect {
            case .sqlite: return []
            case .postgres: return [#"ALTER TABLE tags ALTER COLUMN name TYPE TEXT COLLATE "C""#]
            }
        },
        Migration(version: 9, summary: "upload sessions with leases, garbage collection runs and their marks") { _ in
            // A session's bytes stay in the storage driver (chunks next to where the blob is
            // published); its record and the lease of the request writing to it are here, so two
            // replicas never append to one session at once. A collection run is a row with a lease
            // (one runs at a time across replicas); its marks are what the mark phase found in use
            // and what pushes used while it ran.
            [
                """
                CREATE TABLE upload_sessions (
                    id TEXT PRIMARY KEY, repository TEXT NOT NULL, algorithm TEXT NOT NULL, started BIGINT NOT NULL,
                    received BIGINT NOT NULL DEFAULT 0, updated BIGINT NOT NULL, holder TEXT,
                    lease_until BIGINT NOT NULL DEFAULT 0)
                """,
                "CREATE INDEX upload_sessions_updated ON upload_sessions (updated)",
                """
                CREATE TABLE collections (
                    id TEXT PRIMARY KEY, holder TEXT NOT NULL, started BIGINT NOT NULL, lease_until BIGINT NOT NULL,
                    finished BIGINT, dry_run BIGINT NOT NULL, referenced BIGINT, removed_blobs BIGINT,
                    removed_bytes BIGINT, outcome TEXT)
                """,
                "CREATE INDEX collections_started ON collections (started)",
                // What every push asks: is a run going on.
                "CREATE INDEX collections_open ON collections (lease_until) WHERE finished IS NULL",
                """
                CREATE TABLE collection_marks (
                    run TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE, digest TEXT NOT NULL,
                    PRIMARY KEY (run, digest))
                """,
            ]
        },
    ]

    /// The newest version this build knows.
    static var latest: Int { all.map(\.version).max() ?? 0 }

    /// Applies what is missing; refuses a database newer than this build.
    static func apply(on database: any SQLDatabase) async throws -> [Int] {
        let dialect = database.dialect
        // One process migrates at a time; the others wait, then find nothing to do.
        return try await database.transaction(exclusive: 7_252_541) { connection in
            try await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied BIGINT NOT NULL)")
            let current =
                try await connection.first("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [])?
                .integer(0) ?? 0
            guard current <= latest else {
                throw MetadataError.corrupt(
                    "schema version \(current) is newer than this build's \(latest); upgrade berth")
            }
            var applied: [Int] = []
            for migration in all where migration.version > current {
                for statement in migration.statements(dialect) {
                    try await connection.execute(statement)
                }
                try await connection.execute(
                    "INSERT INTO schema_migrations (version, applied) VALUES (?, ?)",
                    [SQLValue(migration.version), .integer(MetadataClock.now())])
                applied.append(migration.version)
            }
            return applied
        }
    }
}

/// Seconds since 1970, the unit every time column holds.
public enum MetadataClock {
    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}

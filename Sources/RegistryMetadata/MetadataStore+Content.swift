import Foundation

/// The index of what each repository holds (blobs linked into it, manifest revisions), kept so a
/// project's storage use is one query rather than a walk of the content store, and tags in bulk.
extension MetadataStore {
    /// What a repository holds a digest as.
    public enum ContentKind: String, Sendable, CaseIterable {
        /// A blob linked into the repository (an upload, a mount, a layer a push brought).
        case blob
        /// A manifest revision of the repository.
        case manifest
    }

    /// One digest a repository holds.
    public struct ContentEntry: Sendable, Hashable {
        public var repository: String
        public var project: String
        public var digest: String
        public var kind: ContentKind
        public var size: Int64
        public init(repository: String, project: String, digest: String, kind: ContentKind, size: Int64) {
            self.repository = repository
            self.project = project
            self.digest = digest
            self.kind = kind
            self.size = size
        }
    }

    /// Records entries (an entry already there keeps its row, with the size given now).
    public func addContent(_ entries: [ContentEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await database.transaction { connection in
            for entry in entries {
                try await connection.execute(
                    """
                    INSERT INTO repository_content (repository, digest, kind, project, size) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (repository, digest, kind) DO UPDATE SET size = excluded.size
                    """,
                    [
                        .text(entry.repository), .text(entry.digest), .text(entry.kind.rawValue),
                        .text(entry.project), .integer(entry.size),
                    ])
            }
        }
    }

    /// Forgets that `repository` holds `digest` as `kind`; false when it was not recorded.
    @discardableResult
    public func removeContent(repository: String, digest: String, kind: ContentKind) async throws -> Bool {
        try await database.transaction { connection in
            let held = try await connection.first(
                "SELECT 1 FROM repository_content WHERE repository = ? AND digest = ? AND kind = ?",
                [.text(repository), .text(digest), .text(kind.rawValue)])
            guard held != nil else { return false }
            try await connection.execute(
                "DELETE FROM repository_content WHERE repository = ? AND digest = ? AND kind = ?",
                [.text(repository), .text(digest), .text(kind.rawValue)])
            return true
        }
    }

    /// Bytes the project's repositories hold, each distinct digest counted once.
    public func projectUsage(project: String) async throws -> Int64 {
        try await database.transaction { connection in
            try await connection.first(
                """
                SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM (
                    SELECT digest, MAX(size) AS size FROM repository_content WHERE project = ? GROUP BY digest
                ) held
                """, [.text(project)])?.integer(0) ?? 0
        }
    }

    /// Whether some repository of the project holds `digest`.
    public func projectHolds(project: String, digest: String) async throws -> Bool {
        try await database.transaction { connection in
            try await connection.first(
                "SELECT 1 FROM repository_content WHERE project = ? AND digest = ? LIMIT 1",
                [.text(project), .text(digest)]) != nil
        }
    }

    /// The size recorded for `digest` held by `repository` as `kind`, or nil when not recorded.
    public func contentSize(repository: String, digest: String, kind: ContentKind) async throws -> Int64? {
        try await database.read { connection in
            try await connection.first(
                "SELECT size FROM repository_content WHERE repository = ? AND digest = ? AND kind = ?",
                [.text(repository), .text(digest), .text(kind.rawValue)]
            )?.integer(0)
        }
    }

    /// Every entry of a repository, ordered by kind and digest.
    public func content(repository: String) async throws -> [ContentEntry] {
        try await database.transaction { connection in
            try await connection.query(
                """
                SELECT repository, project, digest, kind, size FROM repository_content WHERE repository = ?
                ORDER BY kind, digest
                """, [.text(repository)])
        }.map { row in
            let kind = try row.string(3)
            guard let parsed = ContentKind(rawValue: kind) else {
                throw MetadataError.corrupt("repository_content holds an unknown kind '\(kind)'")
            }
            return ContentEntry(
                repository: try row.string(0), project: try row.string(1), digest: try row.string(2), kind: parsed,
                size: try row.int(4))
        }
    }

    /// Repositories the index names, in lexical order.
    public func indexedRepositories() async throws -> [String] {
        try await database.transaction { connection in
            try await connection.query(
                """
                SELECT repository FROM repository_content UNION SELECT repository FROM tags ORDER BY repository
                """, [])
        }.map { try $0.string(0) }
    }

    // MARK: Tags in bulk

    /// Removes every tag of `repository` that points at `digest`; returns their names.
    @discardableResult
    public func deleteTags(repository: String, pointingAt digest: String) async throws -> [String] {
        try await database.transaction { connection in
            let names = try await connection.query(
                "SELECT name FROM tags WHERE repository = ? AND digest = ? ORDER BY name",
                [.text(repository), .text(digest)]
            ).map { try $0.string(0) }
            try await connection.execute(
                "DELETE FROM tags WHERE repository = ? AND digest = ?", [.text(repository), .text(digest)])
            return names
        }
    }

    /// Sets tags in one transaction (an import): each one's digest replaces what was there.
    public func putTags(repository: String, _ tags: [Tag]) async throws {
        guard !tags.isEmpty else { return }
        try await database.transaction { connection in
            let now = MetadataClock.now()
            for tag in tags {
                try await connection.execute(
                    """
                    INSERT INTO tags (repository, name, digest, updated) VALUES (?, ?, ?, ?)
                    ON CONFLICT (repository, name) DO UPDATE SET digest = excluded.digest, updated = excluded.updated
                    """, [.text(repository), .text(tag.name), .text(tag.digest), .integer(now)])
            }
        }
    }

    // MARK: Markers

    /// The value stored under `name` (see ``sharedValue(_:make:)``), or nil.
    public func storedValue(_ name: String) async throws -> String? {
        try await database.transaction { connection in
            try await connection.first("SELECT value FROM shared_values WHERE name = ?", [.text(name)])?.text(0)
        }
    }

    /// Stores `value` under `name`, replacing what was there.
    public func storeValue(_ name: String, _ value: String) async throws {
        try await database.transaction { connection in
            try await connection.execute(
                """
                INSERT INTO shared_values (name, value, created) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET value = excluded.value
                """, [.text(name), .text(value), .integer(MetadataClock.now())])
        }
    }
}

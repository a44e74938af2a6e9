import Foundation

extension MetadataStore {
    /// Which audit events a page is drawn from.
    public struct AuditFilter: Sendable, Equatable {
        public var project: String?
        public var actor: String?
        /// The action, or a prefix of it up to a dot: `api` matches `api.member.set`.
        public var action: String?
        /// At or after this second.
        public var since: Int64?
        /// Before this second.
        public var until: Int64?

        public init(
            project: String? = nil, actor: String? = nil, action: String? = nil, since: Int64? = nil,
            until: Int64? = nil
        ) {
            self.project = project
            self.actor = actor
            self.action = action
            self.since = since
            self.until = until
        }

        var clause: (sql: String, arguments: [SQLValue]) {
            var conditions: [String] = []
            var arguments: [SQLValue] = []
            if let project {
                conditions.append("project = ?")
                arguments.append(.text(project))
            }
            if let actor {
                conditions.append("actor = ?")
                arguments.append(.text(actor))
            }
            if let action {
                // A prefix match without LIKE, whose wildcards the action might contain.
                conditions.append("(action = ? OR substr(action, 1, CAST(? AS INTEGER)) = ?)")
                arguments += [.text(action), SQLValue(action.unicodeScalars.count + 1), .text(action + ".")]
            }
            if let since {
                conditions.append("at >= ?")
                arguments.append(.integer(since))
            }
            if let until {
                conditions.append("at < ?")
                arguments.append(.integer(until))
            }
            return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), arguments)
        }
    }

    /// One page of the events `filter` selects, newest first, and how many it selects in all.
    public func auditPage(_ filter: AuditFilter, offset: Int, limit: Int) async throws -> (
        total: Int, events: [AuditEvent]
    ) {
        let (clause, arguments) = filter.clause
        let limit = max(1, min(limit, 1000))
        return try await database.transaction { connection in
            let total = try await connection.first("SELECT COUNT(*) FROM audit \(clause)", arguments)?.int(0) ?? 0
            let rows = try await connection.query(
                """
                SELECT id, at, actor, action, project, repository, outcome, detail FROM audit \(clause)
                ORDER BY id DESC LIMIT ? OFFSET ?
                """, arguments + [SQLValue(limit), SQLValue(max(0, offset))])
            let events = try rows.map {
                AuditEvent(
                    id: try $0.int(0), at: try $0.int(1), actor: try $0.string(2), action: try $0.string(3),
                    project: $0.text(4), repository: $0.text(5), outcome: try $0.string(6), detail: $0.text(7))
            }
            return (Int(total), events)
        }
    }
}

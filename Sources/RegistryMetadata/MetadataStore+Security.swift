import Foundation

extension MetadataStore {
    /// Users, robots, projects and memberships as one value, so that a process can cache them and a
    /// writer can change them with compare-and-set on the revision they were read at.
    public struct SecurityRecords: Sendable, Equatable {
        public var users: [String: User] = [:]
        public var robots: [String: Robot] = [:]
        public var projects: [String: Project] = [:]
        /// Project, then user name, then role.
        public var members: [String: [String: String]] = [:]

        public init(
            users: [String: User] = [:], robots: [String: Robot] = [:], projects: [String: Project] = [:],
            members: [String: [String: String]] = [:]
        ) {
            self.users = users
            self.robots = robots
            self.projects = projects
            self.members = members
        }
    }

    static let securityRevisionName = "security"

    /// The revision of the security records: 0 before the first write, then one more with every
    /// committed change (whichever process made it).
    public func securityRevision() async throws -> Int64 {
        try await database.read { connection in
            try await Self.revision(Self.securityRevisionName, connection)
        }
    }

    static func revision(_ name: String, _ connection: any SQLConnection) async throws -> Int64 {
        try await connection.first("SELECT value FROM revisions WHERE name = ?", [.text(name)])?.int(0) ?? 0
    }

    /// Every user, robot, project and membership, read in one transaction, with its revision.
    public func securityRecords() async throws -> (records: SecurityRecords, revision: Int64) {
        try await database.transaction { connection in
            var records = SecurityRecords()
            for row in try await connection.query("SELECT name, password_hash, admin FROM users", []) {
                let user = User(name: try row.string(0), passwordHash: try row.string(1), admin: try row.int(2) != 0)
                records.users[user.name] = user
            }
            for row in try await connection.query(
                "SELECT name, secret_hash, project, role, expires FROM robots", [])
            {
                let robot = Robot(
                    name: try row.string(0), secretHash: try row.string(1), project: try row.string(2),
                    role: try row.string(3), expires: try row.int(4))
                records.robots[robot.name] = robot
            }
            for row in try await connection.query("SELECT name, public, quota_bytes, policy FROM projects", []) {
                let project = try Self.project(row)
                records.projects[project.name] = project
            }
            for row in try await connection.query("SELECT project, username, role FROM members", []) {
                records.members[try row.string(0), default: [:]][try row.string(1)] = try row.string(2)
            }
            return (records, try await Self.revision(Self.securityRevisionName, connection))
        }
    }

    /// Writes what differs between `old` and `new` when the records are still at revision
    /// `expected`, and returns the new revision; nil (nothing written) when another writer changed
    /// them since, so the caller reads again and reapplies its change.
    public func replaceSecurity(
        from old: SecurityRecords, to new: SecurityRecords, expected: Int64
    ) async throws -> Int64? {
        try await database.transaction { connection in
            guard try await Self.revision(Self.securityRevisionName, connection) == expected else { return nil }
            for (name, user) in new.users where old.users[name] != user {
                try await connection.execute(
                    """
                    INSERT INTO users (name, password_hash, admin) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, admin = excluded.admin
                    """, [.text(name), .text(user.passwordHash), SQLValue(user.admin)])
            }
            for name in old.users.keys where new.users[name] == nil {
                try await connection.execute("DELETE FROM users WHERE name = ?", [.text(name)])
            }
            for (name, robot) in new.robots where old.robots[name] != robot {
                try await connection.execute(
                    """
                    INSERT INTO robots (name, secret_hash, project, role, expires) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET secret_hash = excluded.secret_hash, project = excluded.project,
                        role = excluded.role, expires = excluded.expires
                    """,
                    [
                        .text(name), .text(robot.secretHash), .text(robot.project), .text(robot.role),
                        .integer(robot.expires),
                    ])
            }
            for name in old.robots.keys where new.robots[name] == nil {
                try await connection.execute("DELETE FROM robots WHERE name = ?", [.text(name)])
            }
            // Memberships go before their projects are removed and after they are created.
            for (project, members) in old.members {
                let kept = new.members[project] ?? [:]
                for user in members.keys where kept[user] == nil {
                    try await connection.execute(
                        "DELETE FROM members WHERE project = ? AND username = ?", [.text(project), .text(user)])
                }
            }
            for name in old.projects.keys where new.projects[name] == nil {
                try await connection.execute("DELETE FROM members WHERE project = ?", [.text(name)])
                try await connection.execute("DELETE FROM projects WHERE name = ?", [.text(name)])
            }
            for (name, project) in new.projects where old.projects[name] != project {
                try await connection.execute(
                    """
                    INSERT INTO projects (name, public, quota_bytes, policy) VALUES (?, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET public = excluded.public, quota_bytes = excluded.quota_bytes,
                        policy = excluded.policy
                    """,
                    [.text(name), SQLValue(project.isPublic), SQLValue(project.quotaBytes), .text(project.policy)])
            }
            for (project, members) in new.members {
                let before = old.members[project] ?? [:]
                for (user, role) in members where before[user] != role {
                    try await connection.execute(
                        """
                        INSERT INTO members (project, username, role) VALUES (?, ?, ?)
                        ON CONFLICT (project, username) DO UPDATE SET role = excluded.role
                        """, [.text(project), .text(user), .text(role)])
                }
            }
            let revision = expected + 1
            try await connection.execute(
                """
                INSERT INTO revisions (name, value) VALUES (?, ?)
                ON CONFLICT (name) DO UPDATE SET value = excluded.value
                """, [.text(Self.securityRevisionName), .integer(revision)])
            return revision
        }
    }
}

import Foundation
import NIOConcurrencyHelpers
import RegistryMetadata

/// A project role, as in Harbor's permission matrix.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Pulls.
    case guest
    /// Pulls and pushes.
    case developer
    /// Also deletes manifests, blobs and tags.
    case maintainer
    /// Also manages members and policy.
    case admin

    var rank: Int {
        switch self {
        case .guest: return 1
        case .developer: return 2
        case .maintainer: return 3
        case .admin: return 4
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    /// Whether the role may perform `action`.
    public func allows(_ action: Action) -> Bool {
        switch action {
        case .pull: return true
        case .push: return self >= .developer
        case .delete: return self >= .maintainer
        }
    }
}

/// What a request does to a repository.
public enum Action: String, Sendable, Codable, CaseIterable {
    case pull
    case push
    case delete
}

/// A user with a bcrypt password hash.
public struct UserRecord: Sendable, Codable, Equatable {
    public var passwordHash: String
    /// A system administrator may do everything everywhere.
    public var admin: Bool
}

/// A robot account: a secret that expires, bound to one project and role.
public struct RobotRecord: Sendable, Codable, Equatable {
    public var secretHash: String
    public var project: String
    public var role: Role
    public var expires: Date
}

/// A project (first component of repository names) with members and policies.
public struct ProjectRecord: Sendable, Codable, Equatable {
    public var `public`: Bool = false
    public var members: [String: Role] = [:]
    public var immutableTags: [String] = []
    public var quotaBytes: Int64?
    public var requireSignature: Bool = false
    /// PEM public keys (ECDSA or RSA); when set, a cosign signature must verify against one of them.
    public var signatureKeys: [String]?
    /// Predicate type URIs of cosign attestations a pulled image must carry, signed by one of the
    /// `signatureKeys` (checked only when there are keys).
    public var requiredAttestations: [String]?
    /// Certificate identities (keyless Fulcio or private PKI) whose signatures are accepted too.
    public var signatureIdentities: [SignatureIdentityRecord]?
    /// The vulnerability policy set through the admin API; it wins over `registry.yaml`'s.
    public var vulnerabilities: VulnerabilityPolicySettings?
    /// Retention rules (`berth registry retention`); nil: retention deletes nothing.
    public var retention: RetentionRules?
    /// Endpoints notified of pushes, deletes, scans and quota refusals.
    public var webhooks: [WebhookEndpoint]?

    public init() {}
}

/// A signer identity a project trusts: the certificate's SAN and OIDC issuer, the CA certificates it
/// must chain to, and the Rekor key whose bundle dates a short-lived certificate.
public struct SignatureIdentityRecord: Sendable, Codable, Equatable {
    public var identity: String
    public var issuer: String?
    /// PEM CA certificates: self-signed ones are roots, the others intermediates.
    public var caCertificates: String
    /// PEM Rekor public key; with it, signatures need a verified Rekor bundle.
    public var rekorKey: String?

    public init(identity: String, issuer: String?, caCertificates: String, rekorKey: String?) {
        self.identity = identity
        self.issuer = issuer
        self.caCertificates = caCertificates
        self.rekorKey = rekorKey
    }
}

/// Users, robots and projects, persisted as one JSON document written atomically.
public struct SecurityState: Sendable, Codable, Equatable {
    public var users: [String: UserRecord] = [:]
    public var robots: [String: RobotRecord] = [:]
    public var projects: [String: ProjectRecord] = [:]

    public init() {}

    /// Whether authentication is on: it is as soon as one user or robot exists.
    public var authenticationEnabled: Bool { !users.isEmpty || !robots.isEmpty }
}

/// Reads and writes the security state: `<root>/state/security.json` on a single node, or the
/// users, robots, projects and members tables of the metadata database (SQLite or PostgreSQL) that
/// replicas share.
///
/// The file is re-read when its time or size changes, so `berth registry user|project` commands
/// take effect on a running server. The database's records are cached and the cache is checked
/// against the records' revision at most once every `refreshInterval`, so a change made through
/// one replica takes effect on the others within that time. Writers never lose each other's
/// changes: the file is changed under an exclusive `flock`, the database by compare-and-set on the
/// revision (read, change, write only if nobody wrote in between, else read again).
public final class SecurityStore: Sendable {
    enum Backend: Sendable {
        case file(String)
        case database(MetadataStore)
    }

    let backend: Backend
    /// How long a replica may answer from its cache of the database's records.
    public let refreshInterval: Duration
    private let fileCache: NIOLockedValueBox<(mtime: TimeInterval, size: Int64, state: SecurityState)>
    private let databaseCache: NIOLockedValueBox<DatabaseCache?>

    struct DatabaseCache {
        var state: SecurityState
        var revision: Int64
        var checked: ContinuousClock.Instant
    }

    /// The state in `<root>/state/security.json`.
    public init(root: String) {
        self.backend = .file(root + "/state/security.json")
        self.refreshInterval = .zero
        self.fileCache = .init((-1, -1, SecurityState()))
        self.databaseCache = .init(nil)
    }

    /// The state in the metadata database.
    public init(metadata: MetadataStore, refreshInterval: Duration = .seconds(1)) {
        self.backend = .database(metadata)
        self.refreshInterval = refreshInterval
        self.fileCache = .init((-1, -1, SecurityState()))
        self.databaseCache = .init(nil)
    }

    /// The store of `storage`: its metadata database when it has one, else the file under its
    /// root. The first replica to open an empty database imports `state/security.json` into it
    /// when the file exists (a single node moving to a database keeps its users and projects).
    public static func open(_ storage: RegistryStorage) async throws -> SecurityStore {
        guard let metadata = storage.metadata else { return SecurityStore(root: storage.root) }
        let store = SecurityStore(metadata: metadata)
        let file = SecurityStore(root: storage.root)
        let path = file.location
        if POSIXFile.exists(path), try await metadata.securityRevision() == 0 {
            let imported = try file.readFile()
            if imported != SecurityState() {
                let records = Self.records(imported)
                if try await metadata.replaceSecurity(
                    from: MetadataStore.SecurityRecords(), to: records, expected: 0) != nil
                {
                    FileHandle.standardError.write(
                        Data(
                            "registry: imported \(imported.users.count) users, \(imported.robots.count) robots and \(imported.projects.count) projects from \(path) into the metadata database\n"
                                .utf8))
                }
            }
        }
        return store
    }

    /// Where the state is, for messages.
    public var location: String {
        switch backend {
        case .file(let path): return path
        case .database(let metadata): return metadata.database.dialect.rawValue + " metadata database"
        }
    }

    /// The current state: from the database's records, at most `refreshInterval` old, or with
    /// `fresh` as of now (one query of the revision when nothing changed).
    public func current(fresh: Bool = false) async throws -> SecurityState {
        switch backend {
        case .file: return currentFile()
        case .database(let metadata):
            let now = ContinuousClock.now
            if !fresh, let cached = databaseCache.withLockedValue({ $0 }), now - cached.checked < refreshInterval {
                return cached.state
            }
            let revision = try await metadata.securityRevision()
            if let state = databaseCache.withLockedValue({ cache -> SecurityState? in
                guard var cached = cache, cached.revision == revision else { return nil }
                cached.checked = now
                cache = cached
                return cached.state
            }) {
                return state
            }
            let (records, current) = try await metadata.securityRecords()
            let state = try Self.state(records)
            remember(state, revision: current, checked: now)
            return state
        }
    }

    private func remember(_ state: SecurityState, revision: Int64, checked: ContinuousClock.Instant) {
        databaseCache.withLockedValue { cache in
            // A slower reader never replaces what a newer one cached.
            if let cached = cache, cached.revision > revision { return }
            cache = DatabaseCache(state: state, revision: revision, checked: checked)
        }
    }

    /// Applies `change` to the stored state without losing a concurrent writer's change, whichever
    /// process made it. `change` may run more than once (after a conflict); it must only change
    /// the state it is given.
    public func update(_ change: (inout SecurityState) throws -> Void) async throws {
        switch backend {
        case .file: try updateFile(change)
        case .database(let metadata):
            for attempt in 1...100 {
                let now = ContinuousClock.now
                let (records, revision) = try await metadata.securityRecords()
                let before = try Self.state(records)
                var after = before
                try change(&after)
                let changed = Self.records(after)
                if changed == records {
                    remember(before, revision: revision, checked: now)
                    return
                }
                if let written = try await metadata.replaceSecurity(from: records, to: changed, expected: revision) {
                    remember(try Self.state(changed), revision: written, checked: now)
                    return
                }
                // Another writer came first: read its change and apply this one on top.
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...min(attempt, 20))))
            }
            throw StorageError.io(path: location, reason: "the security records kept changing under 100 attempts")
        }
    }

    // MARK: The file

    private func currentFile() -> SecurityState {
        guard case .file(let path) = backend else { return SecurityState() }
        let mtime = POSIXFile.modificationTime(path) ?? 0
        let size = POSIXFile.size(path) ?? 0
        return fileCache.withLockedValue { cached in
            if cached.mtime == mtime && cached.size == size { return cached.state }
            let state = (try? readFile()) ?? SecurityState()
            cached = (mtime, size, state)
            return state
        }
    }

    func readFile() throws -> SecurityState {
        guard case .file(let path) = backend, let data = POSIXFile.contents(path) else { return SecurityState() }
        do {
            return try JSONDecoder.iso8601.decode(SecurityState.self, from: data)
        } catch {
            throw StorageError.corrupt(path: path, reason: "\(error)")
        }
    }

    /// Read, modify, write atomically, holding an exclusive `flock` on `security.json.lock` from
    /// the read to the write, so that two writers (requests of one server, or a server and a
    /// command) never lose each other's change.
    private func updateFile(_ change: (inout SecurityState) throws -> Void) throws {
        guard case .file(let path) = backend else { return }
        // Held for the few milliseconds of a read, a change and a durable write.
        guard let fd = try POSIXFile.lock(path + ".lock", exclusive: true, wait: true) else {
            throw StorageError.io(path: path + ".lock", reason: "lock not taken")
        }
        defer { POSIXFile.unlock(fd) }
        var state = try readFile()
        try change(&state)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        try POSIXFile.writeDurably(try encoder.encode(state), to: path)
        _ = chmod(path, 0o600)
        fileCache.withLockedValue { $0 = (-1, -1, SecurityState()) }
    }

    // MARK: The database's records

    /// The records a state is stored as. A project's policies (everything but its visibility,
    /// quota and members, which have columns and a table of their own) are one JSON document.
    static func records(_ state: SecurityState) -> MetadataStore.SecurityRecords {
        var records = MetadataStore.SecurityRecords()
        for (name, user) in state.users {
            records.users[name] = .init(name: name, passwordHash: user.passwordHash, admin: user.admin)
        }
        for (name, robot) in state.robots {
            records.robots[name] = .init(
                name: name, secretHash: robot.secretHash, project: robot.project, role: robot.role.rawValue,
                expires: Int64(robot.expires.timeIntervalSince1970.rounded(.down)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        for (name, project) in state.projects {
            var policy = project
            policy.members = [:]
            policy.public = false
            policy.quotaBytes = nil
            let json = (try? encoder.encode(policy)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            records.projects[name] = .init(
                name: name, isPublic: project.public, quotaBytes: project.quotaBytes, policy: json)
            if !project.members.isEmpty {
                records.members[name] = project.members.mapValues(\.rawValue)
            }
        }
        return records
    }

    /// The state the records hold. A policy document or role this build cannot read is an error:
    /// dropping it would weaken a policy, and the next write would store the weakened one.
    static func state(_ records: MetadataStore.SecurityRecords) throws -> SecurityState {
        var state = SecurityState()
        for (name, user) in records.users {
            state.users[name] = UserRecord(passwordHash: user.passwordHash, admin: user.admin)
        }
        for (name, robot) in records.robots {
            guard let role = Role(rawValue: robot.role) else {
                throw StorageError.corrupt(path: "robots.\(name)", reason: "unknown role '\(robot.role)'")
            }
            state.robots[name] = RobotRecord(
                secretHash: robot.secretHash, project: robot.project, role: role,
                expires: Date(timeIntervalSince1970: TimeInterval(robot.expires)))
        }
        let decoder = JSONDecoder.iso8601
        for (name, project) in records.projects {
            var record: ProjectRecord
            do {
                record = try decoder.decode(ProjectRecord.self, from: Data(project.policy.utf8))
            } catch {
                throw StorageError.corrupt(path: "projects.\(name).policy", reason: "\(error)")
            }
            record.public = project.isPublic
            record.quotaBytes = project.quotaBytes
            record.members = [:]
            for (user, role) in records.members[name] ?? [:] {
                guard let role = Role(rawValue: role) else {
                    throw StorageError.corrupt(path: "members.\(name).\(user)", reason: "unknown role '\(role)'")
                }
                record.members[user] = role
            }
            state.projects[name] = record
        }
        return state
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

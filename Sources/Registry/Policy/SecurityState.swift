import Foundation
import NIOConcurrencyHelpers

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

/// Reads and writes the security state under the storage root, reloading it when the file changes
/// (so `berth registry user|project` commands take effect on a running server).
public final class SecurityStore: Sendable {
    public let path: String
    private let cache: NIOLockedValueBox<(mtime: TimeInterval, size: Int64, state: SecurityState)>

    public init(root: String) {
        self.path = root + "/state/security.json"
        self.cache = .init((-1, -1, SecurityState()))
    }

    /// The current state, re-read when the file's time or size changed.
    public func current() -> SecurityState {
        let mtime = POSIXFile.modificationTime(path) ?? 0
        let size = POSIXFile.size(path) ?? 0
        return cache.withLockedValue { cached in
            if cached.mtime == mtime && cached.size == size { return cached.state }
            var state = SecurityState()
            if let data = POSIXFile.contents(path),
                let decoded = try? JSONDecoder.iso8601.decode(SecurityState.self, from: data)
            {
                state = decoded
            }
            cached = (mtime, size, state)
            return state
        }
    }

    /// Applies `change` to the state on disk (read, modify, write atomically), holding an exclusive
    /// `flock` on `security.json.lock` from the read to the write, so that two writers (requests of
    /// one server, or a server and a command) never lose each other's change.
    public func update(_ change: (inout SecurityState) throws -> Void) throws {
        // Held for the few milliseconds of a read, a change and a durable write.
        guard let fd = try POSIXFile.lock(path + ".lock", exclusive: true, wait: true) else {
            throw StorageError.io(path: path + ".lock", reason: "lock not taken")
        }
        defer { POSIXFile.unlock(fd) }
        var state = SecurityState()
        if let data = POSIXFile.contents(path) {
            do {
                state = try JSONDecoder.iso8601.decode(SecurityState.self, from: data)
            } catch {
                throw StorageError.corrupt(path: path, reason: "\(error)")
            }
        }
        try change(&state)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        try POSIXFile.writeDurably(try encoder.encode(state), to: path)
        _ = chmod(path, 0o600)
        cache.withLockedValue { $0 = (-1, -1, SecurityState()) }
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

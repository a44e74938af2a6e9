import Crypto
import Foundation
import HummingbirdBcrypt
import OCI
import Sign

/// Administration of users, robots and projects in a storage root's security state.
public struct RegistryAdmin: Sendable {
    public let store: SecurityStore

    /// The security state in `<root>/state/security.json`.
    public init(root: String) throws {
        let storage = try RegistryStorage(root: root)
        store = SecurityStore(root: storage.root)
    }

    public init(store: SecurityStore) {
        self.store = store
    }

    /// The security state `configuration` names: its metadata database when it has one (applying
    /// pending migrations), else the file under its root.
    public static func open(_ configuration: RegistryConfiguration) async throws -> RegistryAdmin {
        let storage = try RegistryStorage.open(configuration)
        try await storage.prepareMetadata()
        return RegistryAdmin(store: try await SecurityStore.open(storage))
    }

    /// Errors of administrative commands.
    public enum AdminError: Error, CustomStringConvertible, Equatable {
        case invalid(String)
        case unknown(String)
        /// The subject exists and was not to be replaced.
        case exists(String)

        public var description: String {
            switch self {
            case .invalid(let message), .unknown(let message), .exists(let message): return message
            }
        }
    }

    static func validateUserName(_ name: String) throws {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "._-@"))
        guard !name.isEmpty, name.count <= 64, name.unicodeScalars.allSatisfy(allowed.contains),
            !name.hasPrefix("robot$")
        else {
            throw AdminError.invalid("user name '\(name)' must be 1-64 letters, digits, '.', '_', '-' or '@'")
        }
    }

    static func validateProject(_ name: String) throws {
        guard !name.contains("/"), RepositoryName.isValid(name) else {
            throw AdminError.invalid("project name '\(name)' must be one lowercase repository-name component")
        }
    }

    /// Adds or replaces a user with a bcrypt-hashed password; with `replace: false` an existing
    /// user is refused.
    public func addUser(_ name: String, password: String, admin: Bool, cost: UInt8 = 10, replace: Bool = true)
        async throws
    {
        try Self.validateUserName(name)
        guard password.utf8.count >= 8, password.utf8.count <= 72 else {
            throw AdminError.invalid("password must be 8 to 72 bytes (bcrypt's limit)")
        }
        // Deliberately slow (tens of milliseconds at cost 10): off the cooperative threads.
        let hash = try await Blocking.run { Bcrypt.hash(password, cost: cost) }
        try await store.update { state in
            if !replace && state.users[name] != nil { throw AdminError.exists("user '\(name)' exists") }
            state.users[name] = UserRecord(passwordHash: hash, admin: admin)
        }
    }

    public func removeUser(_ name: String) async throws {
        try await store.update { state in
            guard state.users.removeValue(forKey: name) != nil else { throw AdminError.unknown("no user '\(name)'") }
            for key in state.projects.keys { state.projects[key]?.members[name] = nil }
        }
    }

    /// Creates a robot account bound to a project and role; returns its name and secret (shown once).
    /// With `replace: false` an existing robot of that name is refused.
    public func addRobot(
        project: String, name: String, role: Role, lifetime: TimeInterval, replace: Bool = true
    ) async throws -> (
        name: String, secret: String
    ) {
        try Self.validateProject(project)
        try Self.validateUserName(name)
        guard lifetime > 0 else { throw AdminError.invalid("robot lifetime must be positive") }
        let fullName = "robot$\(project)+\(name)"
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
        let secret = Data(bytes).base64EncodedString().replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "+", with: "-")
        let hash = SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
        try await store.update {
            if !replace && $0.robots[fullName] != nil { throw AdminError.exists("robot '\(fullName)' exists") }
            $0.robots[fullName] = RobotRecord(
                secretHash: hash, project: project, role: role, expires: Date().addingTimeInterval(lifetime))
        }
        return (fullName, secret)
    }

    /// Creates a project, or updates its visibility.
    public func createProject(_ name: String, public isPublic: Bool) async throws {
        try Self.validateProject(name)
        try await store.update { state in
            var record = state.projects[name] ?? ProjectRecord()
            record.public = isPublic
            state.projects[name] = record
        }
    }

    /// Gives `user` a role in `project` (nil removes the membership).
    public func setMember(project: String, user: String, role: Role?) async throws {
        try await store.update { state in
            guard state.projects[project] != nil else {
                throw AdminError.unknown("no project '\(project)'; create it first")
            }
            guard state.users[user] != nil || role == nil else { throw AdminError.unknown("no user '\(user)'") }
            state.projects[project]?.members[user] = role
        }
    }

    /// Changes a project's policies; nil leaves a setting as it is.
    public func setPolicy(
        project: String, immutableTags: [String]?, quotaBytes: Int64??, requireSignature: Bool?, isPublic: Bool?,
        signatureKeys: [String]? = nil, requiredAttestations: [String]? = nil,
        signatureIdentities: [SignatureIdentityRecord]? = nil,
        vulnerabilities: VulnerabilityPolicySettings?? = nil
    ) async throws {
        if let policy = vulnerabilities ?? nil {
            do {
                try policy.validate(path: "vulnerabilities")
            } catch {
                throw AdminError.invalid("\(error)")
            }
        }
        for identity in signatureIdentities ?? [] {
            do {
                _ = try CertificateIdentity(
                    identity: identity.identity, issuer: identity.issuer, caPEMs: [identity.caCertificates])
                if let rekor = identity.rekorKey { _ = try VerificationKey(pem: rekor) }
            } catch {
                throw AdminError.invalid("signature identity \(identity.identity): \(error)")
            }
        }
        var attestationTypes: [String]?
        if let requiredAttestations {
            do {
                attestationTypes = try requiredAttestations.map { try PredicateType.uri(for: $0) }
            } catch {
                throw AdminError.invalid("\(error)")
            }
        }
        for key in signatureKeys ?? [] {
            guard (try? VerificationKey(pem: key)) != nil else {
                throw AdminError.invalid("a signature key is not a PEM ECDSA (P-256/384/521) or RSA public key")
            }
        }
        try await store.update { state in
            guard var record = state.projects[project] else {
                throw AdminError.unknown("no project '\(project)'; create it first")
            }
            if let immutableTags { record.immutableTags = immutableTags }
            if let quotaBytes { record.quotaBytes = quotaBytes }
            if let requireSignature { record.requireSignature = requireSignature }
            if let isPublic { record.public = isPublic }
            if let signatureKeys { record.signatureKeys = signatureKeys.isEmpty ? nil : signatureKeys }
            if let signatureIdentities {
                record.signatureIdentities = signatureIdentities.isEmpty ? nil : signatureIdentities
            }
            if let attestationTypes { record.requiredAttestations = attestationTypes.isEmpty ? nil : attestationTypes }
            if let vulnerabilities { record.vulnerabilities = vulnerabilities }
            state.projects[project] = record
        }
    }
}

import BerthCore
import Foundation
import ObjectStore
import RegistryMetadata
import Sign
import YAMLSupport
import Yams

/// Settings of `berth registry serve`, read from `registry.yaml` and overridden by flags.
public struct RegistryConfiguration: Sendable, Codable, Equatable {
    /// Listen address `host:port`.
    public var address: String = "127.0.0.1:5000"
    /// Storage root directory: the content (unless `storage` names an object store) and the
    /// registry's own state (users, audit log, scan records, keys).
    public var root: String = "./registry-data"
    /// Content on an S3-compatible object store:
    /// `s3://BUCKET[/PREFIX]?endpoint=URL&region=R&path-style=true`; nil keeps it under `root`.
    public var storage: String?
    /// Whether blob downloads from the object store are answered with a redirect to a presigned URL.
    public var storageRedirect: Bool = false
    /// The metadata database: PostgreSQL shared by replicas, `postgres://USER@HOST:PORT/DB`
    /// (password from PGPASSWORD), which also holds the content lock garbage collection takes; or
    /// SQLite for one node, `sqlite:PATH[?busy_timeout=S]` (relative to `root`). It holds users,
    /// robots, projects, members, policies, tags, the content index, the audit log, scan records
    /// and the token signing key. Nil keeps them as files under `root`.
    public var database: String?
    /// Largest manifest accepted on push, in bytes (the spec asks for at least 4 MB).
    public var maxManifestBytes: Int = 4 * 1024 * 1024
    /// Largest blob accepted, in bytes.
    public var maxBlobBytes: Int64 = 64 * 1024 * 1024 * 1024
    /// Seconds a connection may stay idle (slow or stalled clients) before it is closed.
    public var idleTimeoutSeconds: Int = 60
    /// Whether manifests, tags and blobs may be deleted through the API.
    public var deleteEnabled: Bool = true
    /// Upload sessions idle this long are removed by `gc`.
    public var uploadExpirySeconds: Int = 24 * 3600
    /// TLS certificate and key (PEM). Both or neither.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Token service settings.
    public var auth: AuthSettings = AuthSettings()
    /// Per-project settings, keyed by project (first path component).
    public var projects: [String: ProjectSettings] = [:]
    /// Append-only audit log (JSON lines); default `<root>/audit.log`.
    public var auditLog: String?
    /// Scan on push; off unless a vulnerability database is named.
    public var scanning: ScanningSettings = ScanningSettings()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case address, root, storage, storageRedirect, database, maxManifestBytes, maxBlobBytes, idleTimeoutSeconds,
            deleteEnabled
        case uploadExpirySeconds, tlsCertificate, tlsKey, auth, projects, auditLog, scanning
    }

    public init(from decoder: any Decoder) throws {
        let defaults = RegistryConfiguration()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        address = try c.decodeIfPresent(String.self, forKey: .address) ?? defaults.address
        root = try c.decodeIfPresent(String.self, forKey: .root) ?? defaults.root
        storage = try c.decodeIfPresent(String.self, forKey: .storage)
        storageRedirect = try c.decodeIfPresent(Bool.self, forKey: .storageRedirect) ?? false
        database = try c.decodeIfPresent(String.self, forKey: .database)
        maxManifestBytes = try c.decodeIfPresent(Int.self, forKey: .maxManifestBytes) ?? defaults.maxManifestBytes
        maxBlobBytes = try c.decodeIfPresent(Int64.self, forKey: .maxBlobBytes) ?? defaults.maxBlobBytes
        idleTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .idleTimeoutSeconds) ?? defaults.idleTimeoutSeconds
        deleteEnabled = try c.decodeIfPresent(Bool.self, forKey: .deleteEnabled) ?? defaults.deleteEnabled
        uploadExpirySeconds =
            try c.decodeIfPresent(Int.self, forKey: .uploadExpirySeconds) ?? defaults.uploadExpirySeconds
        tlsCertificate = try c.decodeIfPresent(String.self, forKey: .tlsCertificate)
        tlsKey = try c.decodeIfPresent(String.self, forKey: .tlsKey)
        auth = try c.decodeIfPresent(AuthSettings.self, forKey: .auth) ?? defaults.auth
        projects = try c.decodeIfPresent([String: ProjectSettings].self, forKey: .projects) ?? [:]
        auditLog = try c.decodeIfPresent(String.self, forKey: .auditLog)
        scanning = try c.decodeIfPresent(ScanningSettings.self, forKey: .scanning) ?? defaults.scanning
    }

    /// Loads a YAML configuration file, failing with the file's name and the problem.
    public static func load(path: String) throws -> RegistryConfiguration {
        let bytes: [UInt8]
        do {
            bytes = try BoundedInput.read(path, limit: YAMLLimits.configuration.maximumBytes)
        } catch {
            throw RegistryConfigurationError.unreadable("\(error)")
        }
        do {
            let configuration =
                try LocatedDecoding.decode(RegistryConfiguration.self, from: bytes, file: path, schema: schema)
                ?? RegistryConfiguration()
            try configuration.validate()
            return configuration
        } catch let error as RegistryConfigurationError {
            throw error
        } catch {
            throw RegistryConfigurationError.located("\(error)")
        }
    }

    /// The keys `registry.yaml` may hold.
    public static let schema = KeySchema.object([
        "address": .value, "root": .value, "storage": .value, "storageRedirect": .value, "database": .value,
        "maxManifestBytes": .value,
        "maxBlobBytes": .value,
        "idleTimeoutSeconds": .value, "deleteEnabled": .value, "uploadExpirySeconds": .value,
        "tlsCertificate": .value, "tlsKey": .value, "auditLog": .value,
        "auth": .object(["realm": .value, "service": .value, "issuer": .value, "tokenLifetimeSeconds": .value]),
        "scanning": .object([
            "database": .value, "workers": .value, "queueCapacity": .value, "databasePollSeconds": .value,
        ]),
        "projects": .map(
            .object([
                "public": .value, "immutableTags": .value, "quotaBytes": .value, "requireSignature": .value,
                "signatureKeyFiles": .value, "requiredAttestations": .value, "signatureIdentities": .value,
                "vulnerabilities": .object([
                    "blockSeverity": .value, "unscanned": .value, "allowlist": .value,
                ]),
            ])),
    ])

    /// Checks values that cannot be expressed in types.
    public func validate() throws {
        guard (tlsCertificate == nil) == (tlsKey == nil) else {
            throw RegistryConfigurationError.invalid(path: "tls", reason: "tlsCertificate and tlsKey go together")
        }
        guard maxManifestBytes > 0, maxBlobBytes > 0, idleTimeoutSeconds > 0 else {
            throw RegistryConfigurationError.invalid(path: "limits", reason: "limits must be positive")
        }
        _ = try parseAddress()
        if let storage {
            do {
                _ = try ObjectStoreLocation(parsing: storage, environment: [:])
            } catch {
                throw RegistryConfigurationError.invalid(path: "storage", reason: "\(error)")
            }
        }
        _ = try databaseLocation()
        try scanning.validate()
        for (name, project) in projects {
            guard RepositoryNameComponent.isValid(name) else {
                throw RegistryConfigurationError.invalid(path: "projects.\(name)", reason: "not a valid project name")
            }
            for rule in project.immutableTags ?? [] where rule.isEmpty {
                throw RegistryConfigurationError.invalid(
                    path: "projects.\(name).immutableTags", reason: "empty pattern")
            }
            try project.vulnerabilities?.validate(path: "projects.\(name).vulnerabilities")
            for type in project.requiredAttestations ?? [] where (try? PredicateType.uri(for: type)) == nil {
                throw RegistryConfigurationError.invalid(
                    path: "projects.\(name).requiredAttestations",
                    reason: "unknown predicate type '\(type)'; use cyclonedx, spdx, slsaprovenance, … or a URI")
            }
        }
    }

    /// Splits `address` into host and port.
    public func parseAddress() throws -> (host: String, port: Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw RegistryConfigurationError.invalid(path: "address", reason: "'\(address)' is not host:port")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }

    /// Whether the listen address is on the loopback interface.
    public var isLoopback: Bool {
        guard let host = try? parseAddress().host else { return false }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// Token service settings.
public struct AuthSettings: Sendable, Codable, Equatable {
    /// Token realm URL given in challenges; default `<scheme>://<Host header>/token`.
    public var realm: String?
    /// The `service` (token audience).
    public var service: String = "berth-registry"
    /// The token issuer.
    public var issuer: String = "berth-registry"
    /// Token lifetime in seconds (at least 60).
    public var tokenLifetimeSeconds: Int = 300

    public init() {}

    enum CodingKeys: String, CodingKey { case realm, service, issuer, tokenLifetimeSeconds }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        realm = try c.decodeIfPresent(String.self, forKey: .realm)
        service = try c.decodeIfPresent(String.self, forKey: .service) ?? "berth-registry"
        issuer = try c.decodeIfPresent(String.self, forKey: .issuer) ?? "berth-registry"
        tokenLifetimeSeconds = max(60, try c.decodeIfPresent(Int.self, forKey: .tokenLifetimeSeconds) ?? 300)
    }
}

/// Per-project settings from `registry.yaml` (the state file of `berth registry project` wins).
public struct ProjectSettings: Sendable, Codable, Equatable {
    /// Anonymous users may pull.
    public var `public`: Bool?
    /// Tag globs that may not be overwritten or deleted once pushed.
    public var immutableTags: [String]?
    /// Storage quota in bytes (sum of distinct blob and manifest sizes in the project).
    public var quotaBytes: Int64?
    /// Refuse pulls of manifests that have no signature (cosign tag or referrer).
    public var requireSignature: Bool?
    /// Files holding PEM ECDSA or RSA public keys; a cosign signature must verify against one.
    public var signatureKeyFiles: [String]?
    /// Attestation predicate types (`cyclonedx`, `spdx`, `slsaprovenance` or URIs) a pulled image
    /// must carry, signed by one of the keys.
    public var requiredAttestations: [String]?
    /// Certificate identities whose signatures are accepted (keyless Fulcio or private PKI).
    public var signatureIdentities: [SignatureIdentitySetting]?
    /// Refuse pulls of images whose scan found vulnerabilities at or above a severity.
    public var vulnerabilities: VulnerabilityPolicySettings?

    /// One trusted signer identity and the files its check needs.
    public struct SignatureIdentitySetting: Sendable, Codable, Equatable {
        /// The certificate's SAN e-mail, URI or DNS name.
        public var identity: String
        /// The OIDC issuer a Fulcio certificate records.
        public var issuer: String?
        /// PEM file of CA certificates (roots self-signed, the others intermediates).
        public var caFile: String
        /// PEM file of the Rekor public key, for short-lived certificates.
        public var rekorKeyFile: String?
    }

    public init(
        public: Bool? = nil, immutableTags: [String]? = nil, quotaBytes: Int64? = nil, requireSignature: Bool? = nil
    ) {
        self.public = `public`
        self.immutableTags = immutableTags
        self.quotaBytes = quotaBytes
        self.requireSignature = requireSignature
    }
}

/// Errors in `registry.yaml`.
public enum RegistryConfigurationError: Error, Sendable, CustomStringConvertible {
    case unreadable(String)
    case invalid(path: String, reason: String)
    /// A problem at FILE:LINE:COL, already formatted.
    case located(String)

    public var description: String {
        switch self {
        case .unreadable(let reason): return "cannot read the configuration: \(reason)"
        case .located(let message): return message
        case .invalid(let path, let reason): return "invalid configuration at '\(path)': \(reason)"
        }
    }
}

/// A single path component of a repository name (a project name).
enum RepositoryNameComponent {
    static func isValid(_ name: String) -> Bool {
        !name.contains("/") && RepositoryNameValidator.isValid(name)
    }
}

/// Where the metadata database is, as `database` names it.
public enum DatabaseLocation: Sendable, Equatable {
    case postgres(String)
    case sqlite(SQLiteSettings)
}

extension RegistryConfiguration {
    /// The metadata database `database` names; `sqlite:PATH` relative to `root`.
    public func databaseLocation() throws -> DatabaseLocation? {
        guard let database else { return nil }
        if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") {
            do {
                _ = try PostgresSettings(url: database, environment: [:])
            } catch {
                throw RegistryConfigurationError.invalid(path: "database", reason: "\(error)")
            }
            return .postgres(database)
        }
        if database.hasPrefix("sqlite:") {
            var settings: SQLiteSettings
            do {
                settings = try SQLiteSettings(location: database)
            } catch {
                throw RegistryConfigurationError.invalid(path: "database", reason: "\(error)")
            }
            if !settings.path.hasPrefix("/") {
                settings.path = (root as NSString).appendingPathComponent(settings.path)
            }
            return .sqlite(settings)
        }
        throw RegistryConfigurationError.invalid(
            path: "database", reason: "'\(database.prefix(80))' is neither postgres://... nor sqlite:PATH")
    }
}

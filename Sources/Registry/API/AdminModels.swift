import Foundation
import Scan

// The JSON types of the admin API, each with its schema in the OpenAPI document. Clients (`berth
// registry ... --url`) use the same types.

/// A user (never its password hash).
public struct APIUser: APIModel, Equatable {
    public var name: String
    public var admin: Bool

    public init(name: String, admin: Bool) {
        self.name = name
        self.admin = admin
    }

    public static let schemaName = "User"
    public static var schema: JSONValue {
        Schema.object(
            ["name": Schema.string, "admin": Schema.boolean], required: ["name", "admin"],
            description: "A user; admin means system administrator.")
    }
}

/// A new user.
public struct APIUserCreate: APIModel, Equatable {
    public var name: String
    public var password: String
    public var admin: Bool?

    public init(name: String, password: String, admin: Bool?) {
        self.name = name
        self.password = password
        self.admin = admin
    }

    public static let schemaName = "UserCreate"
    public static var schema: JSONValue {
        Schema.object(
            [
                "name": Schema.string("1-64 letters, digits, '.', '_', '-' or '@'."),
                "password": ["type": "string", "minLength": 8, "description": "8 to 72 bytes; stored as bcrypt."],
                "admin": Schema.boolean,
            ], required: ["name", "password"])
    }
}

/// A project as listed.
public struct APIProject: APIModel, Equatable {
    public var name: String
    public var `public`: Bool
    /// The caller's role in the project, if any.
    public var role: Role?
    /// Whether the project is defined by registry.yaml only (not in the security state).
    public var configured: Bool?

    public init(name: String, public isPublic: Bool, role: Role?, configured: Bool? = nil) {
        self.name = name
        self.public = isPublic
        self.role = role
        self.configured = configured
    }

    public static let schemaName = "Project"
    public static var schema: JSONValue {
        Schema.object(
            [
                "name": Schema.string, "public": Schema.boolean, "role": Schema.nullable(Schema.role),
                "configured": Schema.boolean,
            ], required: ["name", "public"])
    }
}

/// A project with its usage.
public struct APIProjectDetail: APIModel, Equatable {
    public var name: String
    public var `public`: Bool
    public var role: Role?
    public var repositories: Int
    public var usedBytes: Int64
    public var quotaBytes: Int64?

    public static let schemaName = "ProjectDetail"
    public static var schema: JSONValue {
        Schema.object(
            [
                "name": Schema.string, "public": Schema.boolean, "role": Schema.nullable(Schema.role),
                "repositories": Schema.integer, "usedBytes": Schema.integer,
                "quotaBytes": Schema.nullable(Schema.integer),
            ], required: ["name", "public", "repositories", "usedBytes"])
    }
}

/// A new project.
public struct APIProjectCreate: APIModel, Equatable {
    public var name: String
    public var `public`: Bool?

    public init(name: String, public isPublic: Bool?) {
        self.name = name
        self.public = isPublic
    }

    public static let schemaName = "ProjectCreate"
    public static var schema: JSONValue {
        Schema.object(
            ["name": Schema.string("One lowercase repository-name component."), "public": Schema.boolean],
            required: ["name"])
    }
}

/// A change of a project's visibility.
public struct APIProjectUpdate: APIModel, Equatable {
    public var `public`: Bool

    public init(public isPublic: Bool) { self.public = isPublic }

    public static let schemaName = "ProjectUpdate"
    public static var schema: JSONValue { Schema.object(["public": Schema.boolean], required: ["public"]) }
}

/// A member and its role.
public struct APIMember: APIModel, Equatable {
    public var user: String
    public var role: Role

    public static let schemaName = "Member"
    public static var schema: JSONValue {
        Schema.object(["user": Schema.string, "role": Schema.role], required: ["user", "role"])
    }
}

/// The role given to a member.
public struct APIMemberUpdate: APIModel, Equatable {
    public var role: Role

    public init(role: Role) { self.role = role }

    public static let schemaName = "MemberUpdate"
    public static var schema: JSONValue { Schema.object(["role": Schema.role], required: ["role"]) }
}

/// A robot account, without its secret.
public struct APIRobot: APIModel, Equatable {
    public var name: String
    public var project: String
    public var role: Role
    public var expires: Date

    public static let schemaName = "Robot"
    public static var schema: JSONValue {
        Schema.object(
            [
                "name": Schema.string("robot$project+name: the user name of its Basic credentials."),
                "project": Schema.string, "role": Schema.role, "expires": Schema.dateTime,
            ], required: ["name", "project", "role", "expires"])
    }
}

/// A new robot account.
public struct APIRobotCreate: APIModel, Equatable {
    public var name: String
    public var role: Role?
    public var expiresInDays: Double?

    public init(name: String, role: Role?, expiresInDays: Double?) {
        self.name = name
        self.role = role
        self.expiresInDays = expiresInDays
    }

    public static let schemaName = "RobotCreate"
    public static var schema: JSONValue {
        Schema.object(
            [
                "name": Schema.string("Short name; the account is robot$<project>+<name>."),
                "role": Schema.role,
                "expiresInDays": ["type": "number", "exclusiveMinimum": 0, "description": "Default 30."],
            ], required: ["name"])
    }
}

/// A robot account just created, with its secret (shown this once).
public struct APIRobotCreated: APIModel, Equatable {
    public var name: String
    public var project: String
    public var role: Role
    public var expires: Date
    public var secret: String

    public static let schemaName = "RobotCreated"
    public static var schema: JSONValue {
        Schema.object(
            [
                "name": Schema.string, "project": Schema.string, "role": Schema.role, "expires": Schema.dateTime,
                "secret": Schema.string("The password of the robot's Basic credentials; not stored in clear."),
            ], required: ["name", "project", "role", "expires", "secret"])
    }
}

/// A project's policies: tags, quota, signatures and vulnerabilities.
public struct APIPolicy: APIModel, Equatable {
    public var immutableTags: [String]
    public var quotaBytes: Int64?
    public var requireSignature: Bool
    public var signatureKeys: [String]
    public var requiredAttestations: [String]
    public var signatureIdentities: [SignatureIdentityRecord]
    public var vulnerabilities: VulnerabilityPolicySettings?

    public init(
        immutableTags: [String] = [], quotaBytes: Int64? = nil, requireSignature: Bool = false,
        signatureKeys: [String] = [], requiredAttestations: [String] = [],
        signatureIdentities: [SignatureIdentityRecord] = [], vulnerabilities: VulnerabilityPolicySettings? = nil
    ) {
        self.immutableTags = immutableTags
        self.quotaBytes = quotaBytes
        self.requireSignature = requireSignature
        self.signatureKeys = signatureKeys
        self.requiredAttestations = requiredAttestations
        self.signatureIdentities = signatureIdentities
        self.vulnerabilities = vulnerabilities
    }

    init(_ record: ProjectRecord) {
        self.init(
            immutableTags: record.immutableTags, quotaBytes: record.quotaBytes,
            requireSignature: record.requireSignature, signatureKeys: record.signatureKeys ?? [],
            requiredAttestations: record.requiredAttestations ?? [],
            signatureIdentities: record.signatureIdentities ?? [], vulnerabilities: record.vulnerabilities)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case immutableTags, quotaBytes, requireSignature, signatureKeys, requiredAttestations, signatureIdentities
        case vulnerabilities
    }

    /// Absent keys take their defaults (a PUT replaces the whole policy).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        immutableTags = try c.decodeIfPresent([String].self, forKey: .immutableTags) ?? []
        quotaBytes = try c.decodeIfPresent(Int64.self, forKey: .quotaBytes)
        requireSignature = try c.decodeIfPresent(Bool.self, forKey: .requireSignature) ?? false
        signatureKeys = try c.decodeIfPresent([String].self, forKey: .signatureKeys) ?? []
        requiredAttestations = try c.decodeIfPresent([String].self, forKey: .requiredAttestations) ?? []
        signatureIdentities =
            try c.decodeIfPresent([SignatureIdentityRecord].self, forKey: .signatureIdentities) ?? []
        vulnerabilities = try c.decodeIfPresent(VulnerabilityPolicySettings.self, forKey: .vulnerabilities)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(immutableTags, forKey: .immutableTags)
        try c.encode(quotaBytes, forKey: .quotaBytes)
        try c.encode(requireSignature, forKey: .requireSignature)
        try c.encode(signatureKeys, forKey: .signatureKeys)
        try c.encode(requiredAttestations, forKey: .requiredAttestations)
        try c.encode(signatureIdentities, forKey: .signatureIdentities)
        try c.encode(vulnerabilities, forKey: .vulnerabilities)
    }

    public static let schemaName = "Policy"
    public static var schema: JSONValue {
        let severity: JSONValue = ["type": "string", "enum": ["negligible", "low", "medium", "high", "critical"]]
        let vulnerabilities = Schema.object(
            [
                "blockSeverity": severity,
                "unscanned": ["type": "string", "enum": ["block", "allow"], "description": "Default allow."],
                "allowlist": Schema.array(
                    Schema.object(
                        [
                            "id": Schema.string("CVE, GHSA or another id or alias."),
                            "reason": Schema.string,
                            "expires": Schema.string("YYYY-MM-DD (valid through that day, UTC) or an ISO 8601 time."),
                        ], required: ["id", "reason"])),
            ], required: ["blockSeverity"],
            description: "Refuse pulls of images with findings at or above blockSeverity (Harbor's prevent_vul).")
        let identity = Schema.object(
            [
                "identity": Schema.string, "issuer": Schema.nullable(Schema.string),
                "caCertificates": Schema.string("PEM CA certificates."),
                "rekorKey": Schema.nullable(Schema.string("PEM Rekor public key.")),
            ], required: ["identity", "caCertificates"])
        return Schema.object(
            [
                "immutableTags": Schema.array(Schema.string("Tag glob (fnmatch).")),
                "quotaBytes": Schema.nullable(Schema.integer),
                "requireSignature": Schema.boolean,
                "signatureKeys": Schema.array(Schema.string("PEM ECDSA or RSA public key.")),
                "requiredAttestations": Schema.array(
                    Schema.string("Predicate type: cyclonedx, spdx, slsaprovenance or a URI.")),
                "signatureIdentities": Schema.array(identity),
                "vulnerabilities": Schema.nullable(vulnerabilities),
            ], description: "Absent keys take their defaults: a PUT replaces the whole policy.")
    }
}

/// A repository and its manifests.
public struct APIRepository: APIModel, Equatable {
    public var name: String
    public var artifacts: [APIArtifact]

    public static let schemaName = "Repository"
    public static var schema: JSONValue {
        Schema.object(
            [
                "name": Schema.string("Full repository name, project first."),
                "artifacts": Schema.array(Schema.ref(APIArtifact.self)),
            ], required: ["name", "artifacts"])
    }
    public static var nested: [any APIModel.Type] { [APIArtifact.self] }
}

/// A stored manifest.
public struct APIArtifact: APIModel, Equatable {
    public var digest: String
    public var mediaType: String
    public var artifactType: String?
    /// The manifest's size plus what it references (config and layers, or the child manifests).
    public var size: Int64
    public var tags: [String]
    public var pushedAt: Date?
    /// The digest this artifact refers to (signatures, SBOMs, reports).
    public var subject: String?
    /// Findings of its latest scan by severity, when it was scanned.
    public var vulnerabilities: [String: Int]?
    public var scanStatus: String?

    public static let schemaName = "Artifact"
    public static var schema: JSONValue {
        Schema.object(
            [
                "digest": Schema.digest, "mediaType": Schema.string, "artifactType": Schema.nullable(Schema.string),
                "size": Schema.integer, "tags": Schema.array(Schema.string),
                "pushedAt": Schema.nullable(Schema.dateTime),
                "subject": Schema.nullable(Schema.digest),
                "vulnerabilities": Schema.nullable(Schema.map(Schema.integer)),
                "scanStatus": Schema.nullable(["type": "string", "enum": ["completed", "failed"]]),
            ], required: ["digest", "mediaType", "size", "tags"])
    }
}

/// A scan record.
public struct APIScan: APIModel, Equatable {
    public var digest: String
    public var repository: String
    public var status: String
    public var databaseVersion: String?
    public var scannedAt: Date
    public var error: String?
    public var packages: Int
    public var counts: [String: Int]
    public var findings: [APIFinding]
    public var sbomDigest: String?
    public var reportDigest: String?

    init(_ record: ScanRecord) {
        digest = record.digest
        repository = record.repository
        status = record.status.rawValue
        databaseVersion = record.databaseVersion
        scannedAt = record.scannedAt
        error = record.error
        packages = record.packages
        counts = record.counts
        findings = record.findings.map(APIFinding.init)
        sbomDigest = record.sbomDigest
        reportDigest = record.reportDigest
    }

    public static let schemaName = "Scan"
    public static var schema: JSONValue {
        Schema.object(
            [
                "digest": Schema.digest, "repository": Schema.string,
                "status": ["type": "string", "enum": ["completed", "failed"]],
                "databaseVersion": Schema.nullable(Schema.string), "scannedAt": Schema.dateTime,
                "error": Schema.nullable(Schema.string), "packages": Schema.integer,
                "counts": Schema.map(Schema.integer), "findings": Schema.array(Schema.ref(APIFinding.self)),
                "sbomDigest": Schema.nullable(Schema.digest), "reportDigest": Schema.nullable(Schema.digest),
            ], required: ["digest", "repository", "status", "scannedAt", "packages", "counts", "findings"])
    }
    public static var nested: [any APIModel.Type] { [APIFinding.self] }
}

/// One vulnerability in one package.
public struct APIFinding: APIModel, Equatable {
    public var id: String
    public var aliases: [String]
    public var severity: String
    public var package: String
    public var installedVersion: String
    public var fixedVersion: String?

    init(_ finding: ScanRecord.Finding) {
        id = finding.id
        aliases = finding.aliases
        severity = finding.severity.rawValue
        package = finding.package
        installedVersion = finding.installedVersion
        fixedVersion = finding.fixedVersion
    }

    public static let schemaName = "Finding"
    public static var schema: JSONValue {
        Schema.object(
            [
                "id": Schema.string, "aliases": Schema.array(Schema.string), "severity": Schema.string,
                "package": Schema.string, "installedVersion": Schema.string,
                "fixedVersion": Schema.nullable(Schema.string),
            ], required: ["id", "aliases", "severity", "package", "installedVersion"])
    }
}

/// A scan request: every image of the project, of one repository, or one digest.
public struct APIScanRequest: APIModel, Equatable {
    public var repository: String?
    public var digest: String?
    /// Scan even images whose record is current.
    public var force: Bool?

    public init(repository: String?, digest: String?, force: Bool?) {
        self.repository = repository
        self.digest = digest
        self.force = force
    }

    public static let schemaName = "ScanRequest"
    public static var schema: JSONValue {
        Schema.object(
            [
                "repository": Schema.string("Repository within the project (app for project/app)."),
                "digest": Schema.digest, "force": Schema.boolean,
            ])
    }
}

/// How many images a scan request queued.
public struct APIScanQueued: APIModel, Equatable {
    public var queued: Int

    public init(queued: Int) { self.queued = queued }

    public static let schemaName = "ScanQueued"
    public static var schema: JSONValue { Schema.object(["queued": Schema.integer], required: ["queued"]) }
}

/// One audit log event.
public struct APIAuditEvent: APIModel, Equatable {
    public var time: String
    public var action: String
    public var user: String
    public var project: String?
    public var repository: String?
    public var reference: String?
    public var digest: String?
    public var remote: String?
    public var decision: String?
    public var reason: String?

    public static let schemaName = "AuditEvent"
    public static var schema: JSONValue {
        Schema.object(
            [
                "time": Schema.dateTime,
                "action": Schema.string("pull, push, delete, or api.<operation> for administrative changes."),
                "user": Schema.string("Empty for anonymous."), "project": Schema.nullable(Schema.string),
                "repository": Schema.nullable(Schema.string), "reference": Schema.nullable(Schema.string),
                "digest": Schema.nullable(Schema.string), "remote": Schema.nullable(Schema.string),
                "decision": Schema.nullable(Schema.string), "reason": Schema.nullable(Schema.string),
            ], required: ["time", "action", "user"])
    }
}

/// One page of audit events, newest first.
public struct APIAuditPage: APIModel, Equatable {
    public var total: Int
    public var page: Int
    public var pageSize: Int
    public var items: [APIAuditEvent]
    /// The path and query of the next page, when there is one.
    public var next: String?

    public static let schemaName = "AuditPage"
    public static var schema: JSONValue {
        Schema.object(
            [
                "total": Schema.integer, "page": Schema.integer, "pageSize": Schema.integer,
                "items": Schema.array(Schema.ref(APIAuditEvent.self)), "next": Schema.nullable(Schema.string),
            ], required: ["total", "page", "pageSize", "items"])
    }
    public static var nested: [any APIModel.Type] { [APIAuditEvent.self] }
}

import ArgumentParser
import BerthCore
import Foundation
import Registry

/// `--url` and its credentials: the admin commands become clients of a running registry's API.
struct RegistryRemoteOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "Administer the running registry at this URL through its API (/api/v1) instead of a storage root.")
    var url: String?

    @Option(name: .long, help: "User name for --url: a user, or a robot (robot$project+name).")
    var username: String?

    @Flag(
        name: .customLong("password-stdin"),
        help:
            "Read the password of --username from the first line of standard input (default: $BERTH_REGISTRY_PASSWORD)."
    )
    var passwordStdin = false

    func validate() throws {
        if url == nil && (username != nil || passwordStdin) {
            throw ValidationError("--username and --password-stdin go with --url")
        }
        if passwordStdin && username == nil { throw ValidationError("--password-stdin needs --username") }
    }

    /// The API client when `--url` is given; reads the password (never from the command line).
    func client() throws -> AdminClient? {
        guard let url else { return nil }
        var password = ProcessInfo.processInfo.environment["BERTH_REGISTRY_PASSWORD"]
        if passwordStdin { password = readLine(strippingNewline: true) ?? "" }
        if username != nil && password == nil {
            throw CommandFailure("give the password of --username in BERTH_REGISTRY_PASSWORD or with --password-stdin")
        }
        do {
            return try AdminClient(url: url, username: username, password: password)
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}

/// Runs an API call, reporting the registry's refusal as the command's failure.
func remote<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let failure as AdminClient.Failure {
        throw CommandFailure(failure.description)
    }
}

struct RegistryUserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage registry users (bcrypt passwords).",
        subcommands: [Add.self, Remove.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or replace a user; the password is read from standard input.",
            discussion: """
                With --url the user is created through the API (an existing user is refused); with \
                --password-stdin the first line of standard input is the caller's password and the second \
                the new user's.
                """)
        @OptionGroup var options: RegistryRootOptions
        @OptionGroup var remoteOptions: RegistryRemoteOptions
        @Argument(help: "User name.") var name: String
        @Flag(name: .long, help: "Make the user a system administrator.") var admin = false

        func run() async throws {
            if let client = try remoteOptions.client() {
                let password = readLine(strippingNewline: true) ?? ""
                _ = try await remote {
                    try await client.createUser(APIUserCreate(name: name, password: password, admin: admin))
                }
                print("user \(name) saved")
                return
            }
            let line = readLine(strippingNewline: true) ?? ""
            try await options.admin().addUser(name, password: line, admin: admin)
            print("user \(name) saved")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user.")
        @OptionGroup var options: RegistryRootOptions
        @OptionGroup var remoteOptions: RegistryRemoteOptions
        @Argument(help: "User name.") var name: String

        func run() async throws {
            if let client = try remoteOptions.client() {
                try await remote { try await client.deleteUser(name) }
                print("user \(name) removed")
                return
            }
            try await options.admin().removeUser(name)
            print("user \(name) removed")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var options: RegistryRootOptions
        @OptionGroup var remoteOptions: RegistryRemoteOptions

        func run() async throws {
            if let client = try remoteOptions.client() {
                for user in try await remote({ try await client.listUsers() }) {
                    print(user.admin ? "\(user.name) (admin)" : user.name)
                }
                return
            }
            let state = try await options.admin().store.current()
            for (name, user) in state.users.sorted(by: { $0.key < $1.key }) {
                print(user.admin ? "\(name) (admin)" : name)
            }
        }
    }
}

struct RegistryRobotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robot", abstract: "Manage robot accounts with expiring secrets.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a robot account for a project; prints its secret once.")
        @OptionGroup var options: RegistryRootOptions
        @OptionGroup var remoteOptions: RegistryRemoteOptions
        @Argument(help: "Project.") var project: String
        @Argument(help: "Robot name.") var name: String
        @Option(name: .long, help: "Role: guest, developer, maintainer or admin.") var role: String = "developer"
        @Option(name: .customLong("expires-in-days"), help: "Lifetime in days.") var days: Double = 30

        func validate() throws {
            if Role(rawValue: role) == nil {
                throw ValidationError("unknown role '\(role)': use guest, developer, maintainer or admin")
            }
        }

        func run() async throws {
            let parsed = Role(rawValue: role) ?? .guest
            if let client = try remoteOptions.client() {
                let robot = try await remote {
                    try await client.createRobot(
                        project: project, APIRobotCreate(name: name, role: parsed, expiresInDays: days))
                }
                print("\(robot.name) \(robot.secret)")
                return
            }
            let robot = try await options.admin().addRobot(
                project: project, name: name, role: parsed, lifetime: days * 86400)
            print("\(robot.name) \(robot.secret)")
        }
    }
}

struct RegistryProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project", abstract: "Manage projects, members and policies.",
        subcommands: [Create.self, Member.self, Policy.self, Show.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a project (private unless --public).")
        @OptionGroup var options: RegistryRootOptions
        @OptionGroup var remoteOptions: RegistryRemoteOptions
        @Argument(help: "Project name.") var name: String
        @Flag(name: .long, help: "Anonymous users may pull.") var `public` = false

        func run() async throws {
            if let client = try remoteOptions.client() {
                _ = try await remote { try await client.createProject(APIProjectCreate(name: name, public: `public`)) }
                print("project \(name) saved")
                return
            }
            try await options.admin().createProject(name, public: `public`)
            print("project \(name) saved")
        }
    }

    struct Member: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a member's role (guest, developer, maintainer, admin or none).")
        @OptionGroup var options: RegistryRootOptions
        @OptionGroup var remoteOptions: RegistryRemoteOptions
        @Argument(help: "Project name.") var project: String
        @Argument(help: "User name.") var user: String
        @Argument(help: "Role, or 'none' to remove.") var role: String

        func validate() throws {
            if role != "none", Role(rawValue: role) == nil {
                throw ValidationError("unknown role '\(role)': use guest, developer, maintainer, admin or none")
            }
        }

        func run() async throws {
            let parsed = role == "none" ? nil : Role(rawValue: role)
            if let client = try remoteOptions.client() {
                try await remote { try await client.setMember(project: project, user: user, role: parsed) }
                print("\(user) in \(project): \(role)")
                return
            }
            try await options.admin().setMember(project: project, user: user, role: parsed)
            print("\(user) in \(project): \(role)")
        }
    }

    struct Policy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set immutable tags, quota, signature requirement, vulnerability policy or visibility.")
        @OptionGroup var options: RegistryRootOptions
        @OptionGroup var remoteOptions: RegistryRemoteOptions
        @Argument(help: "Project name.") var project: String
        @Option(name: .customLong("immutable-tag"), help: "Glob of immutable tags (repeatable; replaces the list).")
        var immutableTags: [String] = []
        @Flag(name: .customLong("clear-immutable-tags"), help: "Remove every immutable-tag rule.") var clearImmutable =
            false
        @Option(name: .long, help: "Storage quota in bytes; 0 removes it.") var quota: Int64?
        @Option(name: .customLong("require-signature"), help: "true or false.") var requireSignature: Bool?
        @Option(name: .customLong("public"), help: "true or false.") var isPublic: Bool?
        @Option(
            name: .customLong("signature-key"),
            help:
                "PEM public key file (ECDSA or RSA) that signatures must verify against (repeatable; replaces the list)."
        ) var signatureKeyFiles: [String] = []
        @Option(
            name: .customLong("require-attestation"),
            help:
                "Attestation type (cyclonedx, spdx, slsaprovenance or a URI) pulls need, signed by a signature key (repeatable; replaces the list; 'none' clears it)."
        ) var requiredAttestations: [String] = []
        @Option(
            name: .customLong("signature-identity"),
            help:
                "Certificate identity (SAN e-mail or URI) whose signatures are accepted; replaces the list, 'none' clears it."
        ) var signatureIdentity: String?
        @Option(name: .customLong("signature-issuer"), help: "OIDC issuer the identity's Fulcio certificate records.")
        var signatureIssuer: String?
        @Option(name: .customLong("signature-ca"), help: "PEM CA certificates the identity's certificate chains to.")
        var signatureCA: String?
        @Option(
            name: .customLong("signature-rekor-key"), help: "PEM Rekor public key dating the identity's signatures.")
        var signatureRekorKey: String?

        @Option(
            name: .customLong("block-severity"),
            help:
                "Refuse pulls of images with findings at or above this severity (negligible, low, medium, high, critical; 'none' removes the vulnerability policy)."
        ) var blockSeverity: String?
        @Option(name: .long, help: "Images not scanned yet: block or allow (with --block-severity).") var unscanned:
            String?
        @Option(
            name: .customLong("allow-vulnerability"),
            help: "Allowlist entry ID:EXPIRES:REASON (EXPIRES YYYY-MM-DD or empty); repeatable, replaces the list."
        ) var allowVulnerabilities: [String] = []

        func validate() throws {
            if let unscanned, unscanned != "block" && unscanned != "allow" {
                throw ValidationError("--unscanned takes block or allow")
            }
            for entry in allowVulnerabilities
            where entry.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).count != 3 {
                throw ValidationError("--allow-vulnerability '\(entry)' is not ID:EXPIRES:REASON")
            }
            if blockSeverity == nil && (unscanned != nil || !allowVulnerabilities.isEmpty) {
                throw ValidationError("--unscanned and --allow-vulnerability go with --block-severity")
            }
            if let signatureIdentity, signatureIdentity != "none", signatureCA == nil {
                throw ValidationError("--signature-identity needs --signature-ca FILE")
            }
        }

        func identities() throws -> [SignatureIdentityRecord]? {
            guard let signatureIdentity else { return nil }
            if signatureIdentity == "none" { return [] }
            func read(_ path: String) throws -> String {
                do {
                    return String(decoding: try BoundedInput.read(path, limit: 1 << 20), as: UTF8.self)
                } catch {
                    throw CommandFailure("\(error)")
                }
            }
            return [
                SignatureIdentityRecord(
                    identity: signatureIdentity, issuer: signatureIssuer, caCertificates: try read(signatureCA ?? ""),
                    rekorKey: try signatureRekorKey.map(read))
            ]
        }

        /// The vulnerability policy of the flags: nil to leave it, .some(nil) to remove it.
        func vulnerabilityPolicy() -> VulnerabilityPolicySettings?? {
            guard let blockSeverity else { return nil }
            if blockSeverity == "none" { return .some(nil) }
            let allowlist = allowVulnerabilities.map { entry -> VulnerabilityPolicySettings.AllowlistEntry in
                let parts = entry.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
                return .init(id: parts[0], reason: parts[2], expires: parts[1].isEmpty ? nil : parts[1])
            }
            return .some(
                VulnerabilityPolicySettings(
                    blockSeverity: blockSeverity, unscanned: unscanned, allowlist: allowlist.isEmpty ? nil : allowlist))
        }

        func run() async throws {
            let tags: [String]? = clearImmutable ? [] : (immutableTags.isEmpty ? nil : immutableTags)
            var quotaValue: Int64?? = nil
            if let quota { quotaValue = .some(quota == 0 ? nil : quota) }
            var keys: [String]?
            if !signatureKeyFiles.isEmpty {
                keys = try signatureKeyFiles.map { path in
                    do {
                        return String(decoding: try BoundedInput.read(path, limit: 1 << 20), as: UTF8.self)
                    } catch {
                        throw CommandFailure("\(error)")
                    }
                }
            }
            let attestations = requiredAttestations.isEmpty ? nil : requiredAttestations.filter { $0 != "none" }
            if let client = try remoteOptions.client() {
                // Read, change what the flags name, write back.
                var policy = try await remote { try await client.policy(project: project) }
                if let tags { policy.immutableTags = tags }
                if let quotaValue { policy.quotaBytes = quotaValue }
                if let requireSignature { policy.requireSignature = requireSignature }
                if let keys { policy.signatureKeys = keys }
                if let attestations { policy.requiredAttestations = attestations }
                if let trusted = try identities() { policy.signatureIdentities = trusted }
                if let vulnerabilities = vulnerabilityPolicy() { policy.vulnerabilities = vulnerabilities }
                _ = try await remote { try await client.setPolicy(project: project, policy) }
                if let isPublic { try await remote { try await client.updateProject(project, public: isPublic) } }
                print("policy of \(project) saved")
                return
            }
            try await options.admin().setPolicy(
                project: project, immutableTags: tags, quotaBytes: quotaValue, requireSignature: requireSignature,
                isPublic: isPublic,
                signatureKeys: keys,
                requiredAttestations: attestations,
                signatureIdentities: try identities(), vulnerabilities: vulnerabilityPolicy())
            print("policy of \(project) saved")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a project's record as JSON (with --url: its policy as the API gives it).")
        @OptionGroup var options: RegistryRootOptions
        @OptionGroup var remoteOptions: RegistryRemoteOptions
        @Argument(help: "Project name.") var project: String

        func run() async throws {
            if let client = try remoteOptions.client() {
                let data = try await remote {
                    try await client.policyDocument(project: project)
                }
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let state = try await options.admin().store.current()
            guard let record = state.projects[project] else { throw CommandFailure("no project '\(project)'") }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(record), as: UTF8.self))
        }
    }
}

import ArgumentParser
import BerthCore
import Foundation
import Registry

struct RegistryUserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage registry users (bcrypt passwords).",
        subcommands: [Add.self, Remove.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or replace a user; the password is read from standard input.")
        @OptionGroup var options: RegistryRootOptions
        @Argument(help: "User name.") var name: String
        @Flag(name: .long, help: "Make the user a system administrator.") var admin = false

        func run() async throws {
            let line = readLine(strippingNewline: true) ?? ""
            try RegistryAdmin(root: try options.load().root).addUser(name, password: line, admin: admin)
            print("user \(name) saved")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user.")
        @OptionGroup var options: RegistryRootOptions
        @Argument(help: "User name.") var name: String

        func run() async throws {
            try RegistryAdmin(root: try options.load().root).removeUser(name)
            print("user \(name) removed")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var options: RegistryRootOptions

        func run() async throws {
            let state = try RegistryAdmin(root: try options.load().root).store.current()
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
            let robot = try RegistryAdmin(root: try options.load().root).addRobot(
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
        @Argument(help: "Project name.") var name: String
        @Flag(name: .long, help: "Anonymous users may pull.") var `public` = false

        func run() async throws {
            try RegistryAdmin(root: try options.load().root).createProject(name, public: `public`)
            print("project \(name) saved")
        }
    }

    struct Member: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a member's role (guest, developer, maintainer, admin or none).")
        @OptionGroup var options: RegistryRootOptions
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
            try RegistryAdmin(root: try options.load().root).setMember(project: project, user: user, role: parsed)
            print("\(user) in \(project): \(role)")
        }
    }

    struct Policy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set immutable tags, quota, signature requirement or visibility.")
        @OptionGroup var options: RegistryRootOptions
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

        func validate() throws {
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
            try RegistryAdmin(root: try options.load().root).setPolicy(
                project: project, immutableTags: tags, quotaBytes: quotaValue, requireSignature: requireSignature,
                isPublic: isPublic,
                signatureKeys: keys,
                requiredAttestations: requiredAttestations.isEmpty
                    ? nil : requiredAttestations.filter { $0 != "none" },
                signatureIdentities: try identities())
            print("policy of \(project) saved")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a project's record as JSON.")
        @OptionGroup var options: RegistryRootOptions
        @Argument(help: "Project name.") var project: String

        func run() async throws {
            let state = try RegistryAdmin(root: try options.load().root).store.current()
            guard let record = state.projects[project] else { throw CommandFailure("no project '\(project)'") }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(record), as: UTF8.self))
        }
    }
}

import ArgumentParser
import Foundation
import Registry
import RegistryMetadata

/// `berth registry retention`: plans (dry run) or applies a project's retention rules, and sets them.
struct RegistryRetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Show what a project's retention rules would delete, delete it with --apply, or set the rules.",
        subcommands: [Run.self, Rules.self],
        defaultSubcommand: Run.self
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "List what the rules would delete (dry run); with --apply delete it, then collect garbage.",
            discussion: """
                An artifact stays when a rule keeps it: one of the last N pushed of its repository, a tag \
                matching a glob, a pull in the last D days, a cosign signature, or an immutable tag. Its \
                index children, referrers and signatures stay with it, and blobs shared with kept \
                manifests are never collected.
                """
        )

        @OptionGroup var options: RegistryRootOptions
        @Argument(help: "Project name.") var project: String
        @Flag(name: .long, help: "Really delete; without it only report.") var apply = false
        @Option(name: .long, help: "text or json.") var format: Format = .text
        @Option(
            name: .customLong("grace-period"),
            help: "With --apply, garbage collection keeps unreferenced blobs younger than this many seconds.")
        var gracePeriod: Double = 3600

        func validate() throws {
            guard gracePeriod >= 0 else { throw ValidationError("--grace-period must not be negative") }
        }

        func run() async throws {
            let configuration = try options.load()
            if apply {
                let result: RetentionResult
                do {
                    result = try await RegistryRetention.apply(
                        storage: try await options.openStorage(configuration), project: project,
                        configuration: configuration,
                        gracePeriod: gracePeriod,
                        operator: ProcessInfo.processInfo.environment["USER"].map { "retention:\($0)" } ?? "retention")
                } catch let running as MetadataStore.CollectionRunning {
                    throw CommandFailure(
                        "retention removed what its rules select, but its garbage collection did not run: \(running); run 'berth registry gc --delete' when it has finished"
                    )
                }
                if format == .json { return print(try Self.json(result)) }
                printLines(Self.text(result.plan, verb: "deleted"))
                print(
                    "deleted \(result.deletedManifests) manifests and \(result.untagged) tags; gc removed \(result.removedBlobs) blobs (\(result.removedBytes) bytes); content \(result.bytesBefore) -> \(result.bytesAfter) bytes"
                )
            } else {
                let plan = try await RegistryRetention.plan(
                    storage: try await options.openStorage(configuration), project: project,
                    configuration: configuration)
                if format == .json { return print(try Self.json(plan)) }
                printLines(Self.text(plan, verb: "would delete"))
                print(
                    "would delete \(plan.delete.count) manifests and \(plan.untag.count) tags; kept \(plan.keep.count) artifacts (dry run: --apply deletes)"
                )
            }
        }

        func printLines(_ text: String) {
            if !text.isEmpty { print(text) }
        }

        static func json(_ value: some Encodable) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        }

        static func text(_ plan: RetentionPlan, verb: String) -> String {
            var lines: [String] = []
            if !plan.rules.hasRules {
                lines.append("project '\(plan.project)' has no retention rules: nothing is deleted")
            }
            for deletion in plan.delete {
                let tags = deletion.tags.isEmpty ? "" : " (\(deletion.tags.joined(separator: ", ")))"
                lines.append("\(verb) \(deletion.repository)@\(deletion.digest)\(tags): \(deletion.reason)")
            }
            for kept in plan.keep {
                let tags = kept.tags.isEmpty ? "" : " (\(kept.tags.joined(separator: ", ")))"
                lines.append("keep \(kept.repository)@\(kept.digest)\(tags): \(kept.reasons.joined(separator: "; "))")
            }
            return lines.joined(separator: "\n")
        }
    }

    struct Rules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a project's retention rules (each option replaces its rule), or print them.")

        @OptionGroup var options: RegistryRootOptions
        @Argument(help: "Project name.") var project: String
        @Option(name: .customLong("keep-last"), help: "Keep the N most recently pushed artifacts per repository.")
        var keepLast: Int?
        @Option(name: .customLong("keep-tags"), help: "Keep artifacts with a tag matching this glob (repeatable).")
        var keepTags: [String] = []
        @Option(name: .customLong("keep-pulled-days"), help: "Keep artifacts pulled in the last D days.")
        var keepPulledDays: Int?
        @Flag(
            name: .customLong("keep-signed"), inversion: .prefixedNo,
            help: "Keep artifacts with a cosign signature (the default).")
        var keepSigned: Bool?
        @Option(
            name: .customLong("repository"),
            help: "Glob over repository names without the project that the rules apply to (repeatable).")
        var repositories: [String] = []
        @Flag(name: .long, help: "Remove every rule (retention then deletes nothing).") var clear = false

        func validate() throws {
            if let keepLast, keepLast < 0 { throw ValidationError("--keep-last must not be negative") }
            if let keepPulledDays, keepPulledDays < 0 {
                throw ValidationError("--keep-pulled-days must not be negative")
            }
        }

        func run() async throws {
            let store = try await options.admin().store
            let changing =
                clear || keepLast != nil || !keepTags.isEmpty || keepPulledDays != nil || keepSigned != nil
                || !repositories.isEmpty
            if changing {
                var rules = RetentionRules()
                if !clear {
                    rules = try await RegistryRetention.rules(store: store, project: project) ?? RetentionRules()
                }
                if let keepLast { rules.keepLast = keepLast }
                if !keepTags.isEmpty { rules.keepTags = keepTags }
                if let keepPulledDays { rules.keepPulledDays = keepPulledDays }
                if let keepSigned { rules.keepSigned = keepSigned }
                if !repositories.isEmpty { rules.repositories = repositories }
                try await RegistryRetention.setRules(store: store, project: project, rules: clear ? nil : rules)
            }
            let rules = try await RegistryRetention.rules(store: store, project: project)
            print(rules.map { (try? Run.json($0)) ?? "{}" } ?? "project '\(project)' has no retention rules")
        }
    }
}

/// `berth registry webhooks`: a project's webhook endpoints and their delivery log.
struct RegistryWebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "List, add and remove a project's webhooks, or read their delivery log.",
        subcommands: [List.self, Add.self, Remove.self, Enable.self, Disable.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a project's webhooks, or with --log the newest delivery attempts.")
        @OptionGroup var options: RegistryRootOptions
        @Argument(help: "Project name.") var project: String
        @Flag(name: .long, help: "Print the delivery log instead.") var log = false
        @Option(name: .long, help: "Delivery attempts printed with --log.") var limit: Int = 50
        @Option(name: .long, help: "text or json.") var format: RegistryRetentionCommand.Format = .text

        func run() async throws {
            if log {
                let storage = try await options.openStorage(try options.load())
                let entries = try await RegistryWebhooks.deliveryLog(storage: storage, project: project, limit: limit)
                if format == .json { return print(try RegistryRetentionCommand.Run.json(entries)) }
                let formatter = ISO8601DateFormatter()
                for entry in entries {
                    let outcome =
                        entry.statusCode.map { "HTTP \($0)" } ?? "no answer"
                    let status = entry.delivered ? "delivered" : (entry.willRetry ? "will retry" : "failed")
                    print(
                        "\(formatter.string(from: entry.time)) \(entry.eventType) \(entry.eventID) -> \(entry.webhook) \(entry.url) attempt \(entry.attempt): \(outcome), \(entry.durationMilliseconds) ms, \(status)"
                            + (entry.error.map { " (\($0))" } ?? ""))
                }
                return
            }
            let hooks = try await RegistryWebhooks.list(store: try await options.admin().store, project: project)
            if format == .json {
                // Secrets and Authorization values are never printed.
                let shown = hooks.map { hook -> WebhookEndpoint in
                    var hook = hook
                    hook.secret = hook.secret.map { _ in "***" }
                    hook.authorization = hook.authorization.map { _ in "***" }
                    return hook
                }
                return print(try RegistryRetentionCommand.Run.json(shown))
            }
            for hook in hooks {
                let events = hook.events.isEmpty ? "all events" : hook.events.map(\.rawValue).joined(separator: ",")
                print(
                    "\(hook.id) \(hook.url) \(events)\(hook.secret == nil ? "" : " signed")\(hook.authorization == nil ? "" : " authorization")\(hook.enabled ? "" : " disabled")"
                )
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a webhook endpoint to a project; prints its id.")
        @OptionGroup var options: RegistryRootOptions
        @Argument(help: "Project name.") var project: String
        @Argument(help: "http or https URL the events are POSTed to.") var url: String
        @Option(
            name: .customLong("event"),
            help: "push, delete, scan_completed, scan_failed or quota_exceeded (repeatable; default every event).")
        var events: [String] = []
        @Option(name: .customLong("secret-file"), help: "File holding the HMAC-SHA256 key of X-Berth-Signature.")
        var secretFile: String?
        @Option(name: .customLong("authorization-file"), help: "File holding the Authorization header value sent.")
        var authorizationFile: String?
        @Option(name: .long, help: "Identifier (default: random).") var id: String?
        @Flag(name: .long, help: "Add it disabled.") var disabled = false

        func validate() throws {
            for event in events where WebhookEventType(rawValue: event) == nil {
                throw ValidationError(
                    "unknown event '\(event)': use \(WebhookEventType.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }

        func run() async throws {
            func read(_ path: String?) throws -> String? {
                guard let path else { return nil }
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw CommandFailure("cannot read file at '\(path)'")
                }
                return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            var endpoint = WebhookEndpoint(
                url: url, events: events.compactMap(WebhookEventType.init(rawValue:)), secret: try read(secretFile),
                authorization: try read(authorizationFile), enabled: !disabled)
            if let id { endpoint.id = id }
            let added = try await RegistryWebhooks.add(
                store: try await options.admin().store, project: project, endpoint: endpoint)
            print(added.id)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a webhook endpoint.")
        @OptionGroup var options: RegistryRootOptions
        @Argument(help: "Project name.") var project: String
        @Argument(help: "Webhook id.") var id: String

        func run() async throws {
            try await RegistryWebhooks.remove(store: try await options.admin().store, project: project, id: id)
            print("webhook \(id) removed")
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a webhook endpoint.")
        @OptionGroup var options: RegistryRootOptions
        @Argument(help: "Project name.") var project: String
        @Argument(help: "Webhook id.") var id: String

        func run() async throws {
            try await RegistryWebhooks.setEnabled(
                store: try await options.admin().store, project: project, id: id, enabled: true)
            print("webhook \(id) enabled")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a webhook endpoint.")
        @OptionGroup var options: RegistryRootOptions
        @Argument(help: "Project name.") var project: String
        @Argument(help: "Webhook id.") var id: String

        func run() async throws {
            try await RegistryWebhooks.setEnabled(
                store: try await options.admin().store, project: project, id: id, enabled: false)
            print("webhook \(id) disabled")
        }
    }
}

import BerthCore
import Foundation
import OCI

// Retention: per-project rules that decide which manifests stay, a planner that lists what would
// go (a dry run, the default), and an apply step that deletes it and then runs garbage collection
// so that the blobs only those manifests used are freed.
//
// Entry points for the command line and the HTTP admin API (all synchronous, all on a storage root):
// - `RegistryRetention.rules(store:project:)` and `RegistryRetention.setRules(store:project:rules:)`
//   read and replace `ProjectRecord.retention` in the security state.
// - `RegistryRetention.plan(root:project:now:)` returns a Codable `RetentionPlan`: tags to untag,
//   manifests to delete (with why), and artifacts kept (with which rule keeps them). Nothing changes.
// - `RegistryRetention.apply(root:project:gracePeriod:operator:auditLog:now:)` computes the plan again
//   under the storage lock, deletes, audits every deletion (`retention.untag`, `retention.delete`),
//   then runs `GarbageCollector`, and returns a `RetentionResult` with the bytes before and after.
//
// Rules (`RetentionRules`): an artifact is kept when any of these keeps it; with no rule set, nothing
// is ever deleted.
// - `keepLast`: the N most recently pushed artifacts of each repository (push time is the time the
//   manifest's revision link was last written).
// - `keepTags`: artifacts with a tag matching one of these globs (`*`, `?`).
// - `keepPulledDays`: artifacts pulled (the manifest, an index's platform manifest, or something
//   attached such as its signature) in the last D days, from the `PullRecorder` markers the
//   registry writes on `GET` of a manifest.
// - `keepSigned` (default true): artifacts with a cosign signature (`<alg>-<hex>.sig` tag or a
//   signature referrer).
// - Tags matching the project's `immutableTags` always keep their artifact.
// - `repositories`: globs over the repository name without the project (`app`, `team/*`) that
//   scope the rules; repositories outside them are untouched. Absent, every repository.

/// A project's retention rules, stored in `ProjectRecord.retention`.
public struct RetentionRules: Sendable, Codable, Equatable {
    /// Globs over repository names without the project; nil means every repository of the project.
    public var repositories: [String]?
    /// Keep the N most recently pushed artifacts of each repository.
    public var keepLast: Int?
    /// Keep artifacts with a tag matching one of these globs.
    public var keepTags: [String]?
    /// Keep artifacts pulled in the last D days.
    public var keepPulledDays: Int?
    /// Keep artifacts that carry a cosign signature (true unless set to false).
    public var keepSigned: Bool?

    public init(
        repositories: [String]? = nil, keepLast: Int? = nil, keepTags: [String]? = nil, keepPulledDays: Int? = nil,
        keepSigned: Bool? = nil
    ) {
        self.repositories = repositories
        self.keepLast = keepLast
        self.keepTags = keepTags
        self.keepPulledDays = keepPulledDays
        self.keepSigned = keepSigned
    }

    /// Whether a rule that can delete anything is set (only keepSigned is not enough).
    public var hasRules: Bool {
        keepLast != nil || keepTags != nil || keepPulledDays != nil
    }

    /// Whether the rules apply to `repository` of `project`.
    public func covers(repository: String, project: String) -> Bool {
        guard let repositories, !repositories.isEmpty else { return true }
        let relative =
            repository.hasPrefix(project + "/") ? String(repository.dropFirst(project.count + 1)) : repository
        return repositories.contains { Glob.matches($0, relative) }
    }

    /// Refuses negative numbers and empty globs.
    public func validate() throws {
        if let keepLast, keepLast < 0 { throw RegistryAdmin.AdminError.invalid("keepLast must not be negative") }
        if let keepPulledDays, keepPulledDays < 0 {
            throw RegistryAdmin.AdminError.invalid("keepPulledDays must not be negative")
        }
        if (keepTags ?? []).contains(where: \.isEmpty) || (repositories ?? []).contains(where: \.isEmpty) {
            throw RegistryAdmin.AdminError.invalid("a retention glob must not be empty")
        }
    }
}

/// What retention would remove from a project, and what it keeps and why.
public struct RetentionPlan: Sendable, Codable, Equatable {
    /// A tag removed with its manifest.
    public struct Untag: Sendable, Codable, Equatable {
        public var repository: String
        public var tag: String
        public var digest: String
    }

    /// A manifest deleted, in deletion order.
    public struct Deletion: Sendable, Codable, Equatable {
        public var repository: String
        public var digest: String
        public var mediaType: String
        public var size: Int64
        public var tags: [String]
        public var pushedAt: Date?
        public var lastPulledAt: Date?
        public var reason: String
    }

    /// An artifact kept, with the rules that keep it.
    public struct Kept: Sendable, Codable, Equatable {
        public var repository: String
        public var digest: String
        public var tags: [String]
        public var reasons: [String]
    }

    public var project: String
    public var generatedAt: Date
    public var rules: RetentionRules
    public var untag: [Untag] = []
    public var delete: [Deletion] = []
    public var keep: [Kept] = []

    static func timestamp(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}

/// What an applied retention run did.
public struct RetentionResult: Sendable, Codable, Equatable {
    public var plan: RetentionPlan
    public var untagged: Int
    public var deletedManifests: Int
    /// Blobs and bytes garbage collection removed afterwards.
    public var removedBlobs: Int
    public var removedBytes: Int64
    /// Bytes in the content store before the deletions and after garbage collection.
    public var bytesBefore: Int64
    public var bytesAfter: Int64
}

/// Retention entry points on a storage root (see the top of this file).
public enum RegistryRetention {
    /// The project's rules, or nil when none are set.
    public static func rules(store: SecurityStore, project: String) async throws -> RetentionRules? {
        try await store.current().projects[project]?.retention
    }

    /// Replaces the project's rules (nil removes them); the project must exist.
    public static func setRules(store: SecurityStore, project: String, rules: RetentionRules?) async throws {
        try rules?.validate()
        try await store.update { state in
            guard state.projects[project] != nil else {
                throw RegistryAdmin.AdminError.unknown("no project '\(project)'")
            }
            state.projects[project]?.retention = rules
        }
    }

    /// The plan for the project's current rules; with no rules, an empty plan. For a registry on
    /// the file system at `root` without a metadata database (which would hold its tags).
    public static func plan(
        root: String, project: String, configuration: RegistryConfiguration? = nil, now: Date = Date()
    ) async throws -> RetentionPlan {
        try await plan(
            storage: try RegistryStorage(root: root), project: project, configuration: configuration, now: now)
    }

    /// The plan for the project's current rules on `storage`; with no rules, an empty plan.
    public static func plan(
        storage: RegistryStorage, project: String, configuration: RegistryConfiguration? = nil, now: Date = Date()
    ) async throws -> RetentionPlan {
        let record = try await projectRecord(storage: storage, project: project, configuration: configuration)
        return try await RetentionPlanner(storage: storage).plan(
            project: project, rules: record.retention ?? RetentionRules(), immutableTags: record.immutableTags,
            now: now)
    }

    /// ``apply(storage:project:configuration:gracePeriod:operator:auditLog:now:)`` on the file system at
    /// `root`, for a registry without a metadata database (which would hold its tags).
    public static func apply(
        root: String, project: String, configuration: RegistryConfiguration? = nil, gracePeriod: TimeInterval = 3600,
        operator name: String = "retention", auditLog: String? = nil, now: Date = Date()
    ) async throws -> RetentionResult {
        try await apply(
            storage: try RegistryStorage(root: root), project: project, configuration: configuration,
            gracePeriod: gracePeriod, operator: name, auditLog: auditLog, now: now)
    }

    /// Deletes what the plan lists (computed again under the storage lock, so a push in between
    /// cannot be lost), audits each deletion, then collects garbage.
    public static func apply(
        storage: RegistryStorage, project: String, configuration: RegistryConfiguration? = nil,
        gracePeriod: TimeInterval = 3600, operator name: String = "retention", auditLog: String? = nil,
        now: Date = Date()
    ) async throws -> RetentionResult {
        let audit = AuditLog(
            path: auditLog ?? configuration?.auditLog ?? storage.root + "/audit.log", metadata: storage.metadata)
        let collector = GarbageCollector(
            storage: storage, gracePeriod: gracePeriod,
            uploadExpiry: TimeInterval(configuration?.uploadExpirySeconds ?? 24 * 3600))
        let before = try await contentBytes(storage)
        let record = try await projectRecord(storage: storage, project: project, configuration: configuration)
        let (plan, untagged, deleted) = try await storage.lock.withLock(exclusive: true) {
            var untagged = 0
            var deleted = 0
            let plan = try await RetentionPlanner(storage: storage).plan(
                project: project, rules: record.retention ?? RetentionRules(), immutableTags: record.immutableTags,
                now: now)
            for deletion in plan.delete {
                guard let digest = try? OCI.Digest(parsing: deletion.digest) else { continue }
                for tag in deletion.tags where try await storage.resolveTag(deletion.repository, tag) == digest {
                    if try await storage.deleteTag(deletion.repository, tag) {
                        untagged += 1
                        await audit.record(
                            action: "retention.untag", identity: .user(name), repository: deletion.repository,
                            reference: tag, digest: digest, remote: nil, decision: "deleted", reason: deletion.reason)
                    }
                }
                if try await storage.deleteManifest(deletion.repository, digest: digest) {
                    deleted += 1
                    await audit.record(
                        action: "retention.delete", identity: .user(name), repository: deletion.repository,
                        reference: deletion.digest, digest: digest, remote: nil, decision: "deleted",
                        reason: deletion.reason)
                }
            }
            return (plan, untagged, deleted)
        }
        let report = try await collector.run(dryRun: false, now: now)
        return RetentionResult(
            plan: plan, untagged: untagged, deletedManifests: deleted, removedBlobs: report.removedBlobs.count,
            removedBytes: report.removedBytes, bytesBefore: before, bytesAfter: try await contentBytes(storage))
    }

    /// Bytes of every blob and manifest in the content store.
    public static func contentBytes(root: String) async throws -> Int64 {
        try await contentBytes(try RegistryStorage(root: root))
    }

    /// Bytes of every blob and manifest in the content store of `storage`.
    public static func contentBytes(_ storage: RegistryStorage) async throws -> Int64 {
        var total: Int64 = 0
        for digest in try await storage.allBlobs() { total += try await storage.blobSize(digest) ?? 0 }
        return total
    }

    /// The state file's record, else `registry.yaml`'s settings (as the server sees the project).
    static func projectRecord(storage: RegistryStorage, project: String, configuration: RegistryConfiguration?)
        async throws -> ProjectRecord
    {
        let security = try await SecurityStore.open(storage)
        return try await PolicyEngine(
            configuration: configuration ?? RegistryConfiguration(), security: security, gates: []
        ).project(project)
    }
}

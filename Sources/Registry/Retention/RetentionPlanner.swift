import BerthCore
import Foundation
import OCI

/// Computes which manifests of a project retention removes, without changing anything.
///
/// Per repository in scope, the *artifacts* are the manifests that stand on their own: not a
/// referrer (a manifest with a `subject`), not a cosign attachment (`<alg>-<hex>.sig|.att|.sbom`
/// tag of a stored manifest) and not an untagged child of an index. An artifact is kept when any
/// rule keeps it; what goes is the artifact with its children, referrers and attachments, except
/// whatever a kept artifact reaches the same way. Attachments and referrers whose subject is
/// already gone, and repositories outside the scope, are never touched.
public struct RetentionPlanner: Sendable {
    public let storage: RegistryStorage
    public let pulls: PullRecorder

    public init(storage: RegistryStorage) {
        self.storage = storage
        self.pulls = PullRecorder(storage: storage)
    }

    /// One manifest of a repository, as the planner sees it.
    struct Node {
        var digest: OCI.Digest
        var mediaType: String
        var size: Int64
        var tags: [String]
        var pushedAt: Date?
        var pulledAt: Date?
        var children: [OCI.Digest] = []
        var subject: OCI.Digest?
    }

    /// The plan for `project` under `rules`, with `immutableTags` always kept.
    public func plan(
        project: String, rules: RetentionRules, immutableTags: [String], now: Date = Date()
    ) async throws -> RetentionPlan {
        var plan = RetentionPlan(project: project, generatedAt: now, rules: rules)
        guard rules.hasRules else { return plan }
        for repository in try await storage.repositories() where PolicyEngine.project(of: repository) == project {
            guard rules.covers(repository: repository, project: project) else { continue }
            try await planRepository(repository, rules: rules, immutableTags: immutableTags, now: now, into: &plan)
        }
        return plan
    }

    private func planRepository(
        _ repository: String, rules: RetentionRules, immutableTags: [String], now: Date, into plan: inout RetentionPlan
    ) async throws {
        var tagsByDigest: [OCI.Digest: [String]] = [:]
        for tag in try await storage.tags(repository) {
            if let digest = try await storage.resolveTag(repository, tag) {
                tagsByDigest[digest, default: []].append(tag)
            }
        }
        var nodes: [OCI.Digest: Node] = [:]
        var signed = Set<OCI.Digest>()
        for digest in try await storage.revisions(repository) {
            guard let (stored, data) = try await storage.manifestContent(repository, digest: digest) else { continue }
            var node = Node(
                digest: digest, mediaType: stored.mediaType, size: stored.size, tags: tagsByDigest[digest] ?? [],
                pushedAt: try await storage.pushTime(repository, digest: digest),
                pulledAt: try await pulls.lastPull(digest))
            if try await isSigned(repository, digest, tags: node.tags) { signed.insert(digest) }
            if let summary = try? ManifestParser.parse(data, contentType: stored.mediaType) {
                node.children = summary.manifests.map(\.digest)
                node.subject = summary.subject?.digest
            }
            nodes[digest] = node
        }
        // What hangs off each digest: referrers and cosign attachments (attachment -> subject).
        var attachments: [OCI.Digest: [OCI.Digest]] = [:]
        var attached = Set<OCI.Digest>()
        for node in nodes.values {
            if let subject = node.subject, nodes[subject] != nil {
                attachments[subject, default: []].append(node.digest)
            }
            if node.subject != nil { attached.insert(node.digest) }
            for tag in node.tags {
                if let subject = Self.cosignSubject(tag), subject != node.digest {
                    attached.insert(node.digest)
                    if nodes[subject] != nil { attachments[subject, default: []].append(node.digest) }
                }
            }
        }
        let children = Set(nodes.values.flatMap(\.children))
        let artifacts = nodes.values.filter { node in
            !attached.contains(node.digest) && !(children.contains(node.digest) && node.tags.isEmpty)
        }
        func reach(_ start: [OCI.Digest]) -> Set<OCI.Digest> {
            var seen = Set<OCI.Digest>()
            var stack = start
            while let digest = stack.popLast() {
                guard nodes[digest] != nil, seen.insert(digest).inserted else { continue }
                stack += nodes[digest]?.children ?? []
                stack += attachments[digest] ?? []
            }
            return seen
        }
        // Keep reasons, per artifact.
        var reasons: [OCI.Digest: [String]] = [:]
        if let keepLast = rules.keepLast, keepLast > 0 {
            let newest = artifacts.sorted {
                ($0.pushedAt ?? .distantPast, $0.digest.description) > (
                    $1.pushedAt ?? .distantPast, $1.digest.description
                )
            }
            for (rank, node) in newest.prefix(keepLast).enumerated() {
                reasons[node.digest, default: []].append("keepLast: pushed #\(rank + 1) of \(artifacts.count)")
            }
        }
        for node in artifacts {
            let reached = reach([node.digest])
            for tag in node.tags {
                if let pattern = (rules.keepTags ?? []).first(where: { Glob.matches($0, tag) }) {
                    reasons[node.digest, default: []].append("keepTags: '\(tag)' matches '\(pattern)'")
                }
                if let pattern = immutableTags.first(where: { fnmatch($0, tag, 0) == 0 }) {
                    reasons[node.digest, default: []].append("immutableTags: '\(tag)' matches '\(pattern)'")
                }
            }
            if let days = rules.keepPulledDays {
                let cutoff = now.addingTimeInterval(-Double(days) * 86400)
                let pulled = reached.compactMap { nodes[$0]?.pulledAt }.max()
                if let pulled, pulled >= cutoff {
                    reasons[node.digest, default: []].append(
                        "keepPulledDays: pulled \(RetentionPlan.timestamp(pulled)), within \(days) days")
                }
            }
            if rules.keepSigned ?? true, signed.contains(node.digest) {
                reasons[node.digest, default: []].append("keepSigned: has a cosign signature")
            }
        }
        let keptArtifacts = artifacts.filter { reasons[$0.digest] != nil }
        // Orphans (reachable from no artifact: attachments of missing subjects) stay too.
        let fromArtifacts = reach(artifacts.map(\.digest))
        var kept = reach(keptArtifacts.map(\.digest))
        kept.formUnion(nodes.keys.filter { !fromArtifacts.contains($0) })
        let doomedArtifacts = artifacts.filter { reasons[$0.digest] == nil }
        var doomed: [OCI.Digest: String] = [:]
        for artifact in doomedArtifacts {
            for digest in reach([artifact.digest]) where !kept.contains(digest) && doomed[digest] == nil {
                doomed[digest] =
                    digest == artifact.digest
                    ? "no rule keeps it" : "belongs to \(artifact.digest), which no rule keeps"
            }
        }
        for digest in ordered(Set(doomed.keys), nodes: nodes, attachments: attachments) {
            guard let node = nodes[digest] else { continue }
            for tag in node.tags.sorted() {
                plan.untag.append(.init(repository: repository, tag: tag, digest: digest.description))
            }
            plan.delete.append(
                .init(
                    repository: repository, digest: digest.description, mediaType: node.mediaType, size: node.size,
                    tags: node.tags.sorted(), pushedAt: node.pushedAt, lastPulledAt: node.pulledAt,
                    reason: doomed[digest] ?? ""))
        }
        for node in keptArtifacts.sorted(by: { $0.digest.description < $1.digest.description }) {
            plan.keep.append(
                .init(
                    repository: repository, digest: node.digest.description, tags: node.tags.sorted(),
                    reasons: reasons[node.digest] ?? []))
        }
    }

    /// Deletion order that a crash can interrupt anywhere without leaving a dangling reference:
    /// attachments and referrers before their subject, an index before its children.
    private func ordered(
        _ doomed: Set<OCI.Digest>, nodes: [OCI.Digest: Node], attachments: [OCI.Digest: [OCI.Digest]]
    ) -> [OCI.Digest] {
        // Edge a -> b: a is deleted before b.
        var incoming: [OCI.Digest: Int] = [:]
        var outgoing: [OCI.Digest: [OCI.Digest]] = [:]
        for digest in doomed {
            incoming[digest, default: 0] += 0
            for child in nodes[digest]?.children ?? [] where doomed.contains(child) {
                outgoing[digest, default: []].append(child)
                incoming[child, default: 0] += 1
            }
            for attachment in attachments[digest] ?? [] where doomed.contains(attachment) {
                outgoing[attachment, default: []].append(digest)
                incoming[digest, default: 0] += 1
            }
        }
        var ready = incoming.filter { $0.value == 0 }.map(\.key).sorted { $0.description > $1.description }
        var result: [OCI.Digest] = []
        while let next = ready.popLast() {
            result.append(next)
            for target in outgoing[next] ?? [] {
                incoming[target, default: 0] -= 1
                if incoming[target] == 0 {
                    ready.append(target)
                    ready.sort { $0.description > $1.description }
                }
            }
        }
        // A cycle cannot come from content addressing; anything left is appended all the same.
        result += doomed.subtracting(result).sorted { $0.description < $1.description }
        return result
    }

    /// Whether a manifest carries a cosign signature: the `<alg>-<hex>.sig` tag or a signature
    /// referrer (the same evidence ``SignatureGate`` accepts without keys).
    func isSigned(_ repository: String, _ digest: OCI.Digest, tags: [String]) async throws -> Bool {
        if try await storage.resolveTag(repository, digest.tagForm + ".sig") != nil { return true }
        return try await storage.referrers(repository, subject: digest).contains {
            SignatureGate.signatureArtifactTypes.contains($0.artifactType ?? "")
        }
    }

    /// The subject digest of a cosign attachment tag `<alg>-<hex>.sig|.att|.sbom`.
    static func cosignSubject(_ tag: String) -> OCI.Digest? {
        for suffix in [".sig", ".att", ".sbom"] where tag.hasSuffix(suffix) {
            let stem = tag.dropLast(suffix.count)
            guard let dash = stem.firstIndex(of: "-") else { return nil }
            let algorithm = String(stem[..<dash])
            let encoded = String(stem[stem.index(after: dash)...])
            return try? OCI.Digest(parsing: "\(algorithm):\(encoded)")
        }
        return nil
    }
}

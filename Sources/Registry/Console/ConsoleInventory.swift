import Foundation
import OCI
import Scan

/// What the console shows of stored content: projects, repositories, images and their scans and
/// signatures, read from the registry's storage with the registry's own checks.
struct ConsoleInventory: Sendable {
    let services: RegistryServices

    var storage: RegistryStorage { services.storage }

    /// Every project known: in the security state, in `registry.yaml` or holding a repository.
    func projectNames(state: SecurityState) async throws -> [String] {
        var names = Set(state.projects.keys).union(services.configuration.projects.keys)
        for repository in try await storage.repositories() { names.insert(PolicyEngine.project(of: repository)) }
        return names.sorted()
    }

    func repositories(of project: String) async throws -> [String] {
        try await storage.repositories().filter { PolicyEngine.project(of: $0) == project }
    }

    /// `sha256-<hex>.sig`, `.att` and `.sbom`: cosign's attachment tags, not images.
    static func isAttachmentTag(_ tag: String) -> Bool {
        let parts = tag.split(separator: ".")
        guard parts.count == 2, ["sig", "att", "sbom"].contains(parts[1]) else { return false }
        let head = parts[0].split(separator: "-", maxSplits: 1)
        return head.count == 2 && OCIDigestAlgorithm(rawValue: String(head[0])) != nil
    }

    /// Tags that name images.
    func imageTags(_ repository: String) async throws -> [String] {
        try await storage.tags(repository).filter { !Self.isAttachmentTag($0) }
    }

    /// Distinct bytes a repository holds: its blobs and manifests.
    func size(of repository: String) async throws -> Int64 {
        let digests = Set(try await storage.linkedBlobs(repository)).union(try await storage.revisions(repository))
        var total: Int64 = 0
        for digest in digests { total += try await storage.blobSize(digest) ?? 0 }
        return total
    }

    /// A stored manifest, parsed.
    struct Manifest {
        var digest: OCIDigest
        var stored: RegistryStorage.StoredManifest
        var data: Data
        var summary: ManifestSummary

        var isIndex: Bool { MediaType.isIndex(summary.mediaType) }
        /// Signatures, SBOMs, reports and other artifacts attached to an image.
        var isAttachment: Bool {
            summary.subject != nil || SignatureGate.signatureArtifactTypes.contains(summary.artifactType ?? "")
                || summary.layers.contains { $0.mediaType == "application/vnd.dev.cosign.simplesigning.v1+json" }
        }
    }

    func manifest(_ repository: String, _ digest: OCIDigest) async throws -> Manifest? {
        guard let (stored, data) = try await storage.manifestContent(repository, digest: digest),
            let summary = try? ManifestParser.parse(data, contentType: stored.mediaType)
        else { return nil }
        return Manifest(digest: digest, stored: stored, data: data, summary: summary)
    }

    /// The images of a repository (tagged ones first, newest first), without attachments and
    /// without the platform manifests of a listed index.
    func images(_ repository: String) async throws -> [(manifest: Manifest, tags: [String])] {
        var tagsByDigest: [OCIDigest: [String]] = [:]
        for tag in try await imageTags(repository) {
            if let digest = try await storage.resolveTag(repository, tag) {
                tagsByDigest[digest, default: []].append(tag)
            }
        }
        var manifests: [Manifest] = []
        var pushTimes: [OCIDigest: TimeInterval] = [:]
        for revision in try await storage.revisions(repository) {
            guard let manifest = try await manifest(repository, revision), !manifest.isAttachment else { continue }
            manifests.append(manifest)
            pushTimes[revision] = try await pushed(repository, revision)
        }
        let children = Set(manifests.filter(\.isIndex).flatMap { $0.summary.manifests.map(\.digest) })
        return
            manifests
            .filter { tagsByDigest[$0.digest] != nil || !children.contains($0.digest) }
            .map { ($0, (tagsByDigest[$0.digest] ?? []).sorted()) }
            .sorted { lhs, rhs in
                if lhs.tags.isEmpty != rhs.tags.isEmpty { return !lhs.tags.isEmpty }
                let left = pushTimes[lhs.manifest.digest] ?? 0
                let right = pushTimes[rhs.manifest.digest] ?? 0
                return left != right ? left > right : lhs.manifest.digest.description < rhs.manifest.digest.description
            }
    }

    /// When the manifest was put into the repository.
    func pushed(_ repository: String, _ digest: OCIDigest) async throws -> TimeInterval? {
        try await storage.pushTime(repository, digest: digest)?.timeIntervalSince1970
    }

    /// Manifest, config and layers; for an index, the index and each stored platform image.
    func imageSize(_ repository: String, _ manifest: Manifest) async throws -> Int64 {
        var total = manifest.stored.size
        if manifest.isIndex {
            for child in manifest.summary.manifests {
                if let stored = try await self.manifest(repository, child.digest) {
                    total += try await imageSize(repository, stored)
                } else {
                    total += child.size
                }
            }
        } else {
            total += manifest.summary.config?.size ?? 0
            total += manifest.summary.layers.reduce(Int64(0)) { $0 + $1.size }
        }
        return total
    }

    // MARK: Signatures

    enum SignatureStatus: String {
        case verified
        case signed
        case unsigned

        var cssClass: String {
            switch self {
            case .verified: return "ok"
            case .signed: return "warn"
            case .unsigned: return ""
            }
        }
    }

    /// Verified when a signature verifies against the project's keys or identities (as the pull
    /// gate checks it); signed when one is stored that cannot be (or need not be) verified.
    func signature(_ repository: String, _ digest: OCIDigest, project: ProjectRecord) async throws -> (
        SignatureStatus, [String]
    ) {
        let keys = project.signatureKeys ?? []
        let identities = project.signatureIdentities ?? []
        let stored = try await StoredSignatures.load(
            repository: repository, digest: digest, kind: .signature, storage: storage)
        let hasReferrer = try await storage.referrers(repository, subject: digest).contains {
            SignatureGate.signatureArtifactTypes.contains($0.artifactType ?? "")
        }
        guard !stored.isEmpty || hasReferrer else { return (.unsigned, []) }
        guard !keys.isEmpty || !identities.isEmpty else {
            return (.signed, ["the project has no keys or identities to verify against"])
        }
        let verdict = try await StoredSignatures.verify(
            repository: repository, digest: digest, keys: keys, identities: identities, storage: storage)
        if verdict.verified { return (.verified, verdict.signatures.map { "\($0.source): verified" }) }
        return (.signed, verdict.signatures.map { "\($0.source): \($0.reason)" })
    }

    // MARK: Scans

    /// The scan records of an image, or of each platform of an index.
    func scanRecords(_ repository: String, _ manifest: Manifest) async throws -> [ScanRecord?] {
        let results = ScanResults(storage: storage)
        let digests = manifest.isIndex ? manifest.summary.manifests.map(\.digest) : [manifest.digest]
        var records: [ScanRecord?] = []
        for digest in digests { records.append(try await results.record(digest)) }
        return records
    }

    /// Counts by severity (most severe first), or the state of the scan, for the summary partial.
    static func summary(_ records: [ScanRecord?]) -> [String: Any] {
        if records.isEmpty || records.contains(where: { $0 == nil }) {
            return ["state": records.allSatisfy { $0 == nil } ? "not scanned" : "partly scanned"]
        }
        let completed = records.compactMap { $0 }
        if completed.contains(where: { $0.status == .failed }) { return ["state": "scan failed"] }
        var counts: [VulnerabilitySeverity: Int] = [:]
        for record in completed {
            for finding in record.findings { counts[finding.severity, default: 0] += 1 }
        }
        if counts.isEmpty { return ["clean": true] }
        let ordered = VulnerabilitySeverity.allCases.reversed().compactMap { severity -> [String: Any]? in
            guard let count = counts[severity] else { return nil }
            return ["severity": severity.rawValue, "count": count]
        }
        return ["counts": ordered]
    }

    // MARK: Formatting

    static func bytes(_ count: Int64) -> String {
        if count < 1024 { return "\(count) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var value = Double(count) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + units[unit]
    }

    static func time(_ interval: TimeInterval?) -> String {
        guard let interval else { return "unknown" }
        return time(Date(timeIntervalSince1970: interval))
    }

    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }

    static func short(_ digest: OCIDigest) -> String {
        "\(digest.algorithm.rawValue):\(digest.encoded.prefix(12))"
    }

    /// A query-string value: everything but unreserved characters percent-encoded.
    static func query(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

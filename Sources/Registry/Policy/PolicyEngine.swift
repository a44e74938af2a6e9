import Crypto
import Foundation
import OCI
import Sign

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A check run before a manifest is served: the extension point for signature and scanner gates.
public protocol PullGate: Sendable {
    /// Throws a ``RegistryError`` (412 `PROJECTPOLICYVIOLATION`) to refuse the pull.
    func check(
        repository: String, project: ProjectRecord, manifest: RegistryStorage.StoredManifest, storage: RegistryStorage)
        async throws
}

/// Refuses manifests that carry no signature: neither a cosign tag `<alg>-<hex>.sig` nor a
/// signature referrer. Signature artifacts themselves stay pullable so that verifiers can fetch them.
public struct SignatureGate: PullGate {
    /// Artifact types that count as signatures in the referrers API.
    public static let signatureArtifactTypes: Set<String> = [
        "application/vnd.dev.cosign.artifact.sig.v1+json",
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        "application/vnd.dev.sigstore.bundle+json;version=0.3",
        "application/vnd.cncf.notary.signature",
    ]

    public init() {}

    public func check(
        repository: String, project: ProjectRecord, manifest: RegistryStorage.StoredManifest, storage: RegistryStorage
    ) async throws {
        guard project.requireSignature else { return }
        if try await isSignature(manifest, storage: storage) { return }
        let digest = manifest.digest
        let keys = project.signatureKeys ?? []
        let identities = project.signatureIdentities ?? []
        if !keys.isEmpty || !identities.isEmpty {
            let verdict = try await StoredSignatures.verify(
                repository: repository, digest: digest, keys: keys, identities: identities, storage: storage)
            if verdict.verified {
                try await checkAttestations(
                    repository: repository, digest: digest, keys: keys, types: project.requiredAttestations ?? [],
                    storage: storage)
                return
            }
            let reason =
                verdict.signatures.isEmpty
                ? "no signature: \(digest) has no cosign signature (\(digest.tagForm).sig) or signature referrer"
                : "no cosign signature of \(digest) verifies against the project's keys or identities: "
                    + verdict.signatures.map { "\($0.source): \($0.reason)" }.joined(separator: "; ")
            throw RegistryError(
                .preconditionFailed, .policyViolation, reason,
                detail: ["digest": digest.description, "policy": "requireSignature"])
        }
        if try await storage.resolveTag(repository, digest.tagForm + ".sig") != nil { return }
        if try await storage.referrers(repository, subject: digest).contains(where: {
            Self.signatureArtifactTypes.contains($0.artifactType ?? "")
        }) {
            return
        }
        throw RegistryError(
            .preconditionFailed, .policyViolation,
            "the project requires signed images and \(digest) has no signature (cosign tag \(digest.tagForm).sig or a signature referrer)",
            detail: ["digest": digest.description, "policy": "requireSignature"])
    }

    /// Refuses the pull unless an attestation of each required type, signed by a project key and
    /// about this digest, is stored in `<alg>-<hex>.att` or as an attestation referrer.
    private func checkAttestations(
        repository: String, digest: OCIDigest, keys: [String], types: [String], storage: RegistryStorage
    ) async throws {
        guard !types.isEmpty else { return }
        let attestations = try await StoredSignatures.load(
            repository: repository, digest: digest, kind: .attestation, storage: storage)
        let parsed = keys.compactMap { try? VerificationKey(pem: $0) }
        for type in types {
            let verdict = AttestationVerifier(keys: parsed, predicateType: type).verify(
                attestations, manifestDigest: digest)
            if verdict.verified { continue }
            let reason =
                verdict.signatures.isEmpty
                ? "missing attestation: \(digest) has no \(type) attestation (\(digest.tagForm).att)"
                : "no \(type) attestation of \(digest) verifies against the project's keys: "
                    + verdict.signatures.map { "\($0.source): \($0.reason)" }.joined(separator: "; ")
            throw RegistryError(
                .preconditionFailed, .policyViolation, reason,
                detail: ["digest": digest.description, "policy": "requiredAttestations", "predicateType": type])
        }
    }

    private func isSignature(_ manifest: RegistryStorage.StoredManifest, storage: RegistryStorage) async throws -> Bool
    {
        guard let data = try await storage.blobContent(manifest.digest),
            let summary = try? ManifestParser.parse(data, contentType: manifest.mediaType)
        else { return false }
        if let type = summary.artifactType, Self.signatureArtifactTypes.contains(type) { return true }
        return summary.layers.contains { $0.mediaType == "application/vnd.dev.cosign.simplesigning.v1+json" }
    }
}

/// Authorisation and per-project policy: roles, public projects, immutable tags, quotas and pull gates.
public struct PolicyEngine: Sendable {
    let configuration: RegistryConfiguration
    let security: SecurityStore
    let gates: [any PullGate]

    public init(
        configuration: RegistryConfiguration, security: SecurityStore, gates: [any PullGate] = [SignatureGate()]
    ) {
        self.configuration = configuration
        self.security = security
        self.gates = gates
    }

    /// The project of a repository: its first path component.
    public static func project(of repository: String) -> String {
        String(repository.split(separator: "/", maxSplits: 1).first ?? Substring(repository))
    }

    /// The project's effective settings: the state file's record, else `registry.yaml`'s.
    public func project(_ name: String) async throws -> ProjectRecord {
        project(name, state: try await security.current())
    }

    /// The project's effective settings in `state`, else `registry.yaml`'s.
    public func project(_ name: String, state: SecurityState) -> ProjectRecord {
        if let record = state.projects[name] { return record }
        var record = ProjectRecord()
        if let settings = configuration.projects[name] {
            record.public = settings.public ?? false
            record.immutableTags = settings.immutableTags ?? []
            record.quotaBytes = settings.quotaBytes
            record.requireSignature = settings.requireSignature ?? false
            let keys = (settings.signatureKeyFiles ?? []).compactMap {
                POSIXFile.contents($0).map { String(decoding: $0, as: UTF8.self) }
            }
            record.signatureKeys = keys.isEmpty ? nil : keys
            let types = (settings.requiredAttestations ?? []).compactMap { try? PredicateType.uri(for: $0) }
            record.requiredAttestations = types.isEmpty ? nil : types
            let identities = (settings.signatureIdentities ?? []).compactMap { setting -> SignatureIdentityRecord? in
                guard let ca = POSIXFile.contents(setting.caFile) else { return nil }
                return SignatureIdentityRecord(
                    identity: setting.identity, issuer: setting.issuer,
                    caCertificates: String(decoding: ca, as: UTF8.self),
                    rekorKey: setting.rekorKeyFile.flatMap { POSIXFile.contents($0) }.map {
                        String(decoding: $0, as: UTF8.self)
                    })
            }
            record.signatureIdentities = identities.isEmpty ? nil : identities
            record.vulnerabilities = settings.vulnerabilities
        }
        return record
    }

    // MARK: Authorisation

    /// Whether `identity` may perform `action` on `repository`.
    public func isAllowed(_ action: Action, repository: String, identity: Identity) async throws -> Bool {
        isAllowed(action, repository: repository, identity: identity, state: try await security.current())
    }

    /// Whether `identity` may perform `action` on `repository` in `state`.
    public func isAllowed(_ action: Action, repository: String, identity: Identity, state: SecurityState) -> Bool {
        guard state.authenticationEnabled else { return true }
        let projectName = Self.project(of: repository)
        let project = project(projectName, state: state)
        switch identity {
        case .anonymous:
            return action == .pull && project.public
        case .user(let name):
            guard let user = state.users[name] else { return false }
            if user.admin { return true }
            if action == .pull && project.public { return true }
            return project.members[name]?.allows(action) ?? false
        case .robot(let name):
            guard let robot = state.robots[name], robot.expires > Date(), robot.project == projectName else {
                return action == .pull && project.public
            }
            return robot.role.allows(action) || (action == .pull && project.public)
        }
    }

    func canPull(repository: String, identity: Identity) async throws -> Bool {
        try await isAllowed(.pull, repository: repository, identity: identity)
    }

    /// Mount without `from` is only allowed while there is no access control to bypass.
    func allowsAnonymousMount() async throws -> Bool { !(try await security.current()).authenticationEnabled }

    // MARK: Policies

    func checkPull(
        repository: String, manifest: RegistryStorage.StoredManifest, identity: Identity, storage: RegistryStorage
    ) async throws {
        let project = try await project(Self.project(of: repository))
        for gate in gates {
            try await gate.check(repository: repository, project: project, manifest: manifest, storage: storage)
        }
    }

    /// What a write into a project is checked against. It is read before any lock is taken:
    /// reading the state may need a database connection, and a lock holder waiting for one while
    /// every pooled connection holds a lock would wait until the lease times out.
    struct PushRules: Sendable {
        let project: String
        let immutableTags: [String]
        let quotaBytes: Int64?

        /// The lock that orders the project's writes when a check of them must not race another
        /// writer (immutable tags, a quota); nil when nothing needs it.
        var lock: String? { quotaBytes != nil || !immutableTags.isEmpty ? "project/\(project)" : nil }
    }

    func pushRules(repository: String) async throws -> PushRules {
        let name = Self.project(of: repository)
        let record = try await project(name)
        return PushRules(project: name, immutableTags: record.immutableTags, quotaBytes: record.quotaBytes)
    }

    /// Whether `tag` matches one of the project's immutable-tag globs.
    static func isImmutable(_ tag: String, patterns: [String]) -> Bool {
        patterns.contains { pattern in fnmatch(pattern, tag, 0) == 0 }
    }

    func immutableTagPatterns(repository: String) async throws -> [String] {
        try await project(Self.project(of: repository)).immutableTags
    }

    func checkPush(
        repository: String, tags: [String], digest: OCIDigest, storage: RegistryStorage, incomingBytes: Int64,
        identity: Identity, rules: PushRules
    ) async throws {
        for tag in tags where Self.isImmutable(tag, patterns: rules.immutableTags) {
            if let existing = try await storage.resolveTag(repository, tag), existing != digest {
                throw RegistryError(
                    .preconditionFailed, .policyViolation,
                    "tag '\(tag)' is immutable and already points to \(existing)",
                    detail: ["tag": tag, "policy": "immutableTags"])
            }
        }
        if try await storage.blobSize(digest) == nil,
            try await !storage.driver.exists(storage.revisionPath(repository, digest))
        {
            try await checkQuota(
                repository: repository, adding: digest, incomingBytes: incomingBytes, storage: storage, rules: rules)
        }
    }

    func checkTagDelete(repository: String, tag: String) async throws {
        if Self.isImmutable(tag, patterns: try await immutableTagPatterns(repository: repository)) {
            throw RegistryError(
                .preconditionFailed, .policyViolation, "tag '\(tag)' is immutable",
                detail: ["tag": tag, "policy": "immutableTags"])
        }
    }

    func checkDelete(repository: String, digest: OCIDigest, storage: RegistryStorage, rules: PushRules) async throws {
        for tag in try await storage.tags(repository) where Self.isImmutable(tag, patterns: rules.immutableTags) {
            if try await storage.resolveTag(repository, tag) == digest {
                throw RegistryError(
                    .preconditionFailed, .policyViolation, "manifest is referenced by immutable tag '\(tag)'",
                    detail: ["tag": tag, "policy": "immutableTags"])
            }
        }
    }

    func checkQuota(
        repository: String, adding digest: OCIDigest, incomingBytes: Int64? = nil, storage: RegistryStorage,
        rules: PushRules
    ) async throws {
        let projectName = rules.project
        guard let quota = rules.quotaBytes else { return }
        let used: Int64
        if let metadata = storage.metadata {
            // The database's index: two queries, however much the project holds.
            if try await metadata.projectHolds(project: projectName, digest: digest.description) { return }
            used = try await metadata.projectUsage(project: projectName)
        } else {
            let walked = try await Self.usage(project: projectName, storage: storage)
            if walked.digests.contains(digest) { return }
            used = walked.bytes
        }
        var adding = incomingBytes ?? 0
        if incomingBytes == nil { adding = try await storage.blobSize(digest) ?? 0 }
        if used + adding > quota {
            throw RegistryError(
                .forbidden, .denied,
                "storage quota of project '\(projectName)' exceeded: \(used) + \(adding) > \(quota) bytes",
                detail: ["project": projectName, "quota": String(quota), "used": String(used)])
        }
    }

    /// Bytes the project holds: from the metadata database's index when there is one, else
    /// counted in the store.
    public static func usedBytes(project: String, storage: RegistryStorage) async throws -> Int64 {
        if let metadata = storage.metadata { return try await metadata.projectUsage(project: project) }
        return try await usage(project: project, storage: storage).bytes
    }

    /// Distinct content (blobs and manifests) a project holds, and its total size, counted in the store.
    public static func usage(project: String, storage: RegistryStorage) async throws -> (
        bytes: Int64, digests: Set<OCI.Digest>
    ) {
        let repositories = try await storage.repositories().filter { Self.project(of: $0) == project }
        // On an object store every listing and size is a request: a few at a time, not one by one.
        let perRepository = try await concurrently(repositories, width: 8) { repository in
            Set(try await storage.linkedBlobs(repository)).union(try await storage.revisions(repository))
        }
        let digests = perRepository.reduce(into: Set<OCIDigest>()) { $0.formUnion($1) }
        let sizes = try await concurrently(Array(digests), width: 16) { try await storage.blobSize($0) ?? 0 }
        return (sizes.reduce(0, +), digests)
    }

    /// `transform` of every element, at most `width` running at once, in the elements' order.
    static func concurrently<Element: Sendable, Result: Sendable>(
        _ elements: [Element], width: Int, _ transform: @escaping @Sendable (Element) async throws -> Result
    ) async throws -> [Result] {
        try await withThrowingTaskGroup(of: (Int, Result).self) { group in
            var results = [Result?](repeating: nil, count: elements.count)
            var next = 0
            while next < min(width, elements.count) {
                let index = next
                group.addTask { (index, try await transform(elements[index])) }
                next += 1
            }
            while let (index, result) = try await group.next() {
                results[index] = result
                if next < elements.count {
                    let index = next
                    group.addTask { (index, try await transform(elements[index])) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }
}

/// Reads the cosign signatures a repository stores for a digest (the `<alg>-<hex>.sig` tag and
/// signature referrers) and checks them with the one verifier `berth verify` uses.
enum StoredSignatures {
    /// Accepts the digest when a signature verifies against one of the keys, or under one of the
    /// certificate identities; the verdicts listed are those of the first policy that accepts, else
    /// every policy's refusals.
    static func verify(
        repository: String, digest: OCIDigest, keys: [String], identities: [SignatureIdentityRecord] = [],
        storage: RegistryStorage
    ) async throws -> ImageVerdict {
        let signatures = try await load(repository: repository, digest: digest, kind: .signature, storage: storage)
        var policies: [VerificationPolicy] = []
        let parsed = keys.compactMap { try? VerificationKey(pem: $0) }
        if !parsed.isEmpty { policies.append(VerificationPolicy(keys: parsed)) }
        for identity in identities {
            guard
                let requirement = try? CertificateIdentity(
                    identity: identity.identity, issuer: identity.issuer, caPEMs: [identity.caCertificates])
            else { continue }
            let rekor = identity.rekorKey.flatMap { try? VerificationKey(pem: $0) }
            policies.append(VerificationPolicy(certificate: requirement, rekorKeys: rekor.map { [$0] } ?? []))
        }
        var refusals: [SignatureVerdict] = []
        for policy in policies {
            let verdict = await SignatureVerifier(policy: policy).verify(signatures, manifestDigest: digest)
            if verdict.verified { return verdict }
            refusals += verdict.signatures
        }
        return ImageVerdict(digest: digest.description, verified: false, signatures: refusals)
    }

    /// The layers of the `<alg>-<hex>.<kind>` manifest and of the referrers of `kind`'s artifact type.
    static func load(repository: String, digest: OCIDigest, kind: AttachmentKind, storage: RegistryStorage)
        async throws -> [CosignSignature]
    {
        var manifests: [(String, OCIDigest)] = []
        if let tagged = try await storage.resolveTag(repository, kind.tag(for: digest)) {
            manifests.append((kind.tag(for: digest), tagged))
        }
        for referrer in try await storage.referrers(repository, subject: digest)
        where referrer.artifactType == kind.artifactType {
            manifests.append(("referrer \(referrer.digest)", referrer.digest))
        }
        var signatures: [CosignSignature] = []
        for (source, manifestDigest) in manifests {
            guard let (stored, data) = try await storage.manifestContent(repository, digest: manifestDigest),
                let summary = try? ManifestParser.parse(data, contentType: stored.mediaType)
            else { continue }
            for (number, layer) in summary.layers.enumerated() {
                var payload = Data()
                if try await storage.repositoryHasBlob(repository, layer.digest),
                    let bytes = try await storage.blobContent(layer.digest),
                    OCIDigest.of(bytes, algorithm: layer.digest.algorithm) == layer.digest
                {
                    payload = bytes
                }
                signatures.append(
                    CosignSignature(
                        source: "\(source) layer \(number + 1)", mediaType: layer.mediaType, payload: payload,
                        annotations: layer.annotations ?? [:]))
            }
        }
        return signatures
    }
}

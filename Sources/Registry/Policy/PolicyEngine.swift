import Crypto
import Foundation
import OCI

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
        throws
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
    ) throws {
        guard project.requireSignature else { return }
        if isSignature(manifest, storage: storage) { return }
        let digest = manifest.digest
        if let keys = project.signatureKeys, !keys.isEmpty {
            if CosignVerifier(keys: keys).verifies(repository: repository, digest: digest, storage: storage) { return }
            throw RegistryError(
                .preconditionFailed, .policyViolation,
                "the project requires images signed by its keys and no cosign signature of \(digest) verifies against them",
                detail: ["digest": digest.description, "policy": "requireSignature"])
        }
        if storage.resolveTag(repository, digest.tagForm + ".sig") != nil { return }
        if storage.referrers(repository, subject: digest).contains(where: {
            Self.signatureArtifactTypes.contains($0.artifactType ?? "")
        }) {
            return
        }
        throw RegistryError(
            .preconditionFailed, .policyViolation,
            "the project requires signed images and \(digest) has no signature (cosign tag \(digest.tagForm).sig or a signature referrer)",
            detail: ["digest": digest.description, "policy": "requireSignature"])
    }

    private func isSignature(_ manifest: RegistryStorage.StoredManifest, storage: RegistryStorage) -> Bool {
        guard let data = POSIXFile.contents(manifest.path),
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
    public func project(_ name: String, state: SecurityState? = nil) -> ProjectRecord {
        let state = state ?? security.current()
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
        }
        return record
    }

    // MARK: Authorisation

    /// Whether `identity` may perform `action` on `repository`.
    public func isAllowed(_ action: Action, repository: String, identity: Identity, state: SecurityState? = nil) -> Bool
    {
        let state = state ?? security.current()
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

    func canPull(repository: String, identity: Identity) -> Bool {
        isAllowed(.pull, repository: repository, identity: identity)
    }

    func canList(repository: String, identity: Identity) -> Bool {
        isAllowed(.pull, repository: repository, identity: identity)
    }

    /// Mount without `from` is only allowed while there is no access control to bypass.
    var allowsAnonymousMount: Bool { !security.current().authenticationEnabled }

    // MARK: Policies

    func checkPull(
        repository: String, manifest: RegistryStorage.StoredManifest, identity: Identity, storage: RegistryStorage
    ) throws {
        let project = project(Self.project(of: repository))
        for gate in gates {
            try gate.check(repository: repository, project: project, manifest: manifest, storage: storage)
        }
    }

    /// Whether `tag` matches one of the project's immutable-tag globs.
    func isImmutable(repository: String, tag: String) -> Bool {
        project(Self.project(of: repository)).immutableTags.contains { pattern in
            fnmatch(pattern, tag, 0) == 0
        }
    }

    func checkPush(
        repository: String, tags: [String], digest: OCIDigest, storage: RegistryStorage, incomingBytes: Int64,
        identity: Identity
    ) throws {
        for tag in tags where isImmutable(repository: repository, tag: tag) {
            if let existing = storage.resolveTag(repository, tag), existing != digest {
                throw RegistryError(
                    .preconditionFailed, .policyViolation,
                    "tag '\(tag)' is immutable and already points to \(existing)",
                    detail: ["tag": tag, "policy": "immutableTags"])
            }
        }
        if storage.blobSize(digest) == nil || !POSIXFile.exists(storage.revisionPath(repository, digest)) {
            try checkQuota(repository: repository, adding: digest, incomingBytes: incomingBytes, storage: storage)
        }
    }

    func checkTagDelete(repository: String, tag: String) throws {
        if isImmutable(repository: repository, tag: tag) {
            throw RegistryError(
                .preconditionFailed, .policyViolation, "tag '\(tag)' is immutable",
                detail: ["tag": tag, "policy": "immutableTags"])
        }
    }

    func checkDelete(repository: String, digest: OCIDigest, storage: RegistryStorage) throws {
        for tag in storage.tags(repository) where isImmutable(repository: repository, tag: tag) {
            if storage.resolveTag(repository, tag) == digest {
                throw RegistryError(
                    .preconditionFailed, .policyViolation, "manifest is referenced by immutable tag '\(tag)'",
                    detail: ["tag": tag, "policy": "immutableTags"])
            }
        }
    }

    func checkQuota(repository: String, adding digest: OCIDigest, incomingBytes: Int64? = nil, storage: RegistryStorage)
        throws
    {
        let projectName = Self.project(of: repository)
        guard let quota = project(projectName).quotaBytes else { return }
        let used = Self.usage(project: projectName, storage: storage)
        if used.digests.contains(digest) { return }
        let adding = incomingBytes ?? storage.blobSize(digest) ?? 0
        if used.bytes + adding > quota {
            throw RegistryError(
                .forbidden, .denied,
                "storage quota of project '\(projectName)' exceeded: \(used.bytes) + \(adding) > \(quota) bytes",
                detail: ["project": projectName, "quota": String(quota), "used": String(used.bytes)])
        }
    }

    /// Distinct content (blobs and manifests) a project holds, and its total size.
    public static func usage(project: String, storage: RegistryStorage) -> (bytes: Int64, digests: Set<OCI.Digest>) {
        var digests = Set<OCIDigest>()
        for repository in storage.repositories() where Self.project(of: repository) == project {
            digests.formUnion(storage.linkedBlobs(repository))
            digests.formUnion(storage.revisions(repository))
        }
        let bytes = digests.reduce(Int64(0)) { $0 + (storage.blobSize($1) ?? 0) }
        return (bytes, digests)
    }
}

/// Verifies cosign key signatures stored by the tag convention (`<alg>-<hex>.sig`): each layer of
/// the signature manifest is a simple-signing payload whose annotation
/// `dev.cosignproject.cosign/signature` is a base64 DER ECDSA signature over the payload bytes.
struct CosignVerifier {
    let keys: [P256.Signing.PublicKey]

    init(keys: [String]) {
        self.keys = keys.compactMap { try? P256.Signing.PublicKey(pemRepresentation: $0) }
    }

    func verifies(repository: String, digest: OCIDigest, storage: RegistryStorage) -> Bool {
        guard !keys.isEmpty, let signatureDigest = storage.resolveTag(repository, digest.tagForm + ".sig"),
            let stored = storage.manifest(repository, digest: signatureDigest),
            let data = POSIXFile.contents(stored.path),
            let summary = try? ManifestParser.parse(data, contentType: stored.mediaType)
        else { return false }
        for layer in summary.layers where layer.mediaType == "application/vnd.dev.cosign.simplesigning.v1+json" {
            guard let encoded = layer.annotations?["dev.cosignproject.cosign/signature"],
                let der = Data(base64Encoded: encoded),
                let signature = try? P256.Signing.ECDSASignature(derRepresentation: der),
                storage.repositoryHasBlob(repository, layer.digest),
                let payload = POSIXFile.contents(storage.blobPath(layer.digest)),
                OCIDigest.of(payload, algorithm: layer.digest.algorithm) == layer.digest
            else { continue }
            guard keys.contains(where: { $0.isValidSignature(signature, for: payload) }) else { continue }
            struct Payload: Decodable {
                struct Critical: Decodable {
                    struct Image: Decodable {
                        let manifestDigest: String
                        enum CodingKeys: String, CodingKey { case manifestDigest = "docker-manifest-digest" }
                    }
                    let image: Image
                    let type: String
                }
                let critical: Critical
            }
            if let decoded = try? JSONDecoder().decode(Payload.self, from: payload),
                decoded.critical.type == "cosign container image signature",
                decoded.critical.image.manifestDigest == digest.description
            {
                return true
            }
        }
        return false
    }
}

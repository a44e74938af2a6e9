import Foundation
import OCI

/// The kind of attachment cosign stores next to an image under `<alg>-<hex>.<suffix>`.
public enum AttachmentKind: String, Sendable {
    /// Signatures: `.sig`, simple-signing layers.
    case signature = "sig"
    /// Attestations: `.att`, DSSE envelope layers.
    case attestation = "att"

    /// The artifact type of the OCI 1.1 referrer form.
    public var artifactType: String {
        switch self {
        case .signature: return "application/vnd.dev.cosign.artifact.sig.v1+json"
        case .attestation: return "application/vnd.dev.cosign.artifact.att.v1+json"
        }
    }

    /// The tag that holds the attachments of `digest`.
    public func tag(for digest: OCI.Digest) -> String { "\(digest.tagForm).\(rawValue)" }
}

/// A layer of a cosign signature or attestation manifest.
public struct AttachmentLayer: Sendable, Equatable {
    public var mediaType: String
    public var payload: Data
    public var annotations: [String: String]

    public init(mediaType: String, payload: Data, annotations: [String: String]) {
        self.mediaType = mediaType
        self.payload = payload
        self.annotations = annotations
    }

    var descriptor: Descriptor {
        Descriptor(
            mediaType: mediaType, digest: OCI.Digest.of(payload), size: Int64(payload.count), annotations: annotations)
    }
}

/// Reads and writes cosign attachments: registries (tag convention and referrers), skopeo `dir:`
/// layouts and OCI image layouts.
public enum SignatureStore {
    /// Largest payload read from a signature layer.
    public static let maximumPayloadSize = 16 * 1024 * 1024

    /// Resolves the image and reads the attachments of `kind` stored for its digest.
    public static func load(
        _ location: ImageLocation, kind: AttachmentKind = .signature, access: RegistryAccess = RegistryAccess()
    ) async throws(SignError) -> SignedImage {
        switch location {
        case .directory(let path): return try loadDirectory(path)
        case .ociLayout(let path, let reference): return try loadLayout(path, reference: reference, kind: kind)
        case .registry(let reference): return try await loadRegistry(reference, kind: kind, access: access)
        }
    }

    // MARK: dir:

    static func loadDirectory(_ path: String) throws(SignError) -> SignedImage {
        let manifestPath = path + "/manifest.json"
        guard let manifest = FileManager.default.contents(atPath: manifestPath) else {
            throw SignError.image("cannot read '\(manifestPath)'")
        }
        var signatures: [CosignSignature] = []
        var index = 1
        while let data = FileManager.default.contents(atPath: "\(path)/signature-\(index)") {
            let source = "signature-\(index)"
            if let signature = try? CosignSignature(containersImageFile: data, source: source) {
                signatures.append(signature)
            } else {
                // Not sigstore (a GPG simple signature): listed so the report shows it was seen.
                signatures.append(
                    CosignSignature(
                        source: source, mediaType: "(not a sigstore signature)", payload: data, annotations: [:]))
            }
            index += 1
        }
        return SignedImage(digest: OCI.Digest.of(manifest), reference: nil, signatures: signatures)
    }

    // MARK: oci:

    struct LayoutIndex: Decodable {
        var manifests: [Descriptor]
    }

    static func loadLayout(_ path: String, reference: String?, kind: AttachmentKind) throws(SignError) -> SignedImage {
        let index = try readLayoutIndex(path)
        let image: Descriptor
        let refName = "org.opencontainers.image.ref.name"
        if let reference {
            if let digest = try? OCI.Digest(parsing: reference),
                let found = index.manifests.first(where: { $0.digest == digest })
            {
                image = found
            } else if let found = index.manifests.first(where: { $0.annotations?[refName] == reference }) {
                image = found
            } else {
                throw SignError.image("'\(path)/index.json' has no manifest named '\(reference)'")
            }
        } else {
            let candidates = index.manifests.filter {
                !($0.annotations?[refName]?.hasSuffix(".sig") ?? false)
                    && !($0.annotations?[refName]?.hasSuffix(".att") ?? false)
            }
            guard candidates.count == 1, let only = candidates.first else {
                throw SignError.image("'\(path)' holds \(candidates.count) images; name one with oci:PATH:REF")
            }
            image = only
        }
        let manifest = try readLayoutBlob(path, image.digest)
        guard OCI.Digest.of(manifest, algorithm: image.digest.algorithm) == image.digest else {
            throw SignError.image("the manifest blob \(image.digest) in '\(path)' does not match its digest")
        }
        var signatures: [CosignSignature] = []
        let tag = kind.tag(for: image.digest)
        if let attachment = index.manifests.first(where: { $0.annotations?[refName] == tag }) {
            let data = try readLayoutBlob(path, attachment.digest)
            for (number, layer) in try layers(of: data, source: tag).enumerated() {
                let payload = try readLayoutBlob(path, layer.digest)
                signatures.append(
                    CosignSignature(
                        source: "\(tag) layer \(number + 1)", mediaType: layer.mediaType,
                        payload: OCI.Digest.of(payload) == layer.digest ? payload : Data(),
                        annotations: layer.annotations ?? [:]))
            }
        }
        return SignedImage(digest: image.digest, reference: nil, signatures: signatures)
    }

    static func readLayoutIndex(_ path: String) throws(SignError) -> LayoutIndex {
        guard let data = FileManager.default.contents(atPath: path + "/index.json") else {
            throw SignError.image("cannot read '\(path)/index.json'")
        }
        guard let index = try? JSONDecoder().decode(LayoutIndex.self, from: data) else {
            throw SignError.image("'\(path)/index.json' is not an OCI image index")
        }
        return index
    }

    static func readLayoutBlob(_ path: String, _ digest: OCI.Digest) throws(SignError) -> Data {
        let file = "\(path)/blobs/\(digest.algorithm.rawValue)/\(digest.encoded)"
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SignError.image("cannot read '\(file)'")
        }
        return data
    }

    // MARK: Registries

    static func loadRegistry(_ reference: ImageReference, kind: AttachmentKind, access: RegistryAccess)
        async throws(SignError) -> SignedImage
    {
        let client = try access.client(for: reference)
        // HEAD, as signing does: a registry's signature gate refuses GET of an unsigned image.
        let digest = try await ImageSigner.resolve(reference, client: client).digest
        var signatures: [CosignSignature] = []
        let tag = kind.tag(for: digest)
        if let manifest = try await optionalManifest(client, reference.repository, tag) {
            signatures += try await attachments(client, reference.repository, manifest: manifest.data, source: tag)
        }
        let referrers: [Descriptor]
        do {
            referrers = try await client.referrers(
                repository: reference.repository, digest: digest, artifactType: kind.artifactType)
        } catch {
            throw SignError.image("cannot list the referrers of \(reference.name)@\(digest): \(error)")
        }
        for referrer in referrers {
            guard let manifest = try await optionalManifest(client, reference.repository, referrer.digest.description)
            else { continue }
            signatures += try await attachments(
                client, reference.repository, manifest: manifest.data, source: "referrer \(referrer.digest)")
        }
        return SignedImage(digest: digest, reference: reference.pinned(to: digest), signatures: signatures)
    }

    static func optionalManifest(_ client: RegistryClient, _ repository: String, _ reference: String)
        async throws(SignError) -> FetchedManifest?
    {
        do {
            return try await client.manifest(repository: repository, reference: reference)
        } catch {
            if case .registry(let status, _) = error, status == 404 { return nil }
            throw SignError.image("cannot read \(repository):\(reference): \(error)")
        }
    }

    static func attachments(_ client: RegistryClient, _ repository: String, manifest: Data, source: String)
        async throws(SignError) -> [CosignSignature]
    {
        var result: [CosignSignature] = []
        for (number, layer) in try layers(of: manifest, source: source).enumerated() {
            let payload: Data
            do {
                payload = try await client.blob(
                    repository: repository, digest: layer.digest, maximumSize: maximumPayloadSize)
            } catch {
                throw SignError.image("cannot read layer \(number + 1) of \(repository):\(source): \(error)")
            }
            result.append(
                CosignSignature(
                    source: "\(source) layer \(number + 1)", mediaType: layer.mediaType, payload: payload,
                    annotations: layer.annotations ?? [:]))
        }
        return result
    }

    static func layers(of manifest: Data, source: String) throws(SignError) -> [Descriptor] {
        struct Manifest: Decodable { var layers: [Descriptor]? }
        guard let decoded = try? JSONDecoder().decode(Manifest.self, from: manifest) else {
            throw SignError.image("\(source) is not an image manifest")
        }
        return decoded.layers ?? []
    }

    // MARK: Writing

    /// What ``attach(_:to:digest:kind:client:referrer:)`` wrote.
    public struct Written: Sendable, Equatable {
        /// The tag written (`<alg>-<hex>.sig`), when the tag convention was used.
        public var tag: String?
        /// The digest of the tag's manifest.
        public var tagManifest: OCI.Digest?
        /// The digest of the referrer manifest, when one was written.
        public var referrer: OCI.Digest?
    }

    /// Appends `layer` to the image's `<alg>-<hex>.<kind>` manifest (created when absent; a layer
    /// already there is not added twice) and, with `referrer`, also pushes it as an OCI 1.1 referrer.
    public static func attach(
        _ layer: AttachmentLayer, to image: Descriptor, repository: String, kind: AttachmentKind,
        client: RegistryClient, tagConvention: Bool = true, referrer: Bool = false
    ) async throws(SignError) -> Written {
        var written = Written()
        do {
            try await client.uploadBlob(repository: repository, data: layer.payload, mediaType: layer.mediaType)
            if tagConvention {
                let tag = kind.tag(for: image.digest)
                var layers: [Descriptor] = []
                if let existing = try await optionalManifest(client, repository, tag) {
                    layers = try Self.layers(of: existing.data, source: tag)
                }
                let new = layer.descriptor
                if !layers.contains(where: { $0.digest == new.digest && $0.annotations == new.annotations }) {
                    layers.append(new)
                }
                let config = CosignManifest.config(diffIDs: layers.map(\.digest))
                let configDescriptor = try await client.uploadBlob(
                    repository: repository, data: config, mediaType: "application/vnd.oci.image.config.v1+json")
                let manifest = CosignManifest.manifest(config: configDescriptor, layers: layers)
                written.tag = tag
                written.tagManifest = try await client.putManifest(
                    repository: repository, reference: tag, data: manifest, mediaType: MediaType.ociManifest)
            }
            if referrer {
                let empty = try await client.uploadBlob(
                    repository: repository, data: Data("{}".utf8), mediaType: MediaType.ociEmptyJSON)
                let manifest = CosignManifest.manifest(
                    config: empty, layers: [layer.descriptor], artifactType: kind.artifactType, subject: image)
                written.referrer = try await client.putReferrer(
                    repository: repository, data: manifest, mediaType: MediaType.ociManifest,
                    artifactType: kind.artifactType, subject: image.digest)
            }
        } catch let error as SignError {
            throw error
        } catch let error as OCIError {
            throw SignError.oci(error)
        } catch {
            throw SignError.image("\(error)")
        }
        return written
    }
}

/// The manifest and config documents cosign writes for its attachments.
public enum CosignManifest {
    /// An OCI image manifest with cosign's field order (`mediaType`, `size`, `digest`, `annotations`).
    public static func manifest(
        config: Descriptor, layers: [Descriptor], artifactType: String? = nil, subject: Descriptor? = nil
    ) -> Data {
        var text = "{\"schemaVersion\":2,\"mediaType\":\"\(MediaType.ociManifest)\","
        if let artifactType { text += "\"artifactType\":\(SimpleSigningPayload.quote(artifactType))," }
        text += "\"config\":\(descriptor(config)),\"layers\":[\(layers.map(descriptor).joined(separator: ","))]"
        if let subject { text += ",\"subject\":\(descriptor(subject))" }
        return Data((text + "}").utf8)
    }

    /// The image config of a signature image: one empty history entry and one diff ID per layer.
    public static func config(diffIDs: [OCI.Digest]) -> Data {
        let zero = "0001-01-01T00:00:00Z"
        let history = diffIDs.map { _ in "{\"created\":\"\(zero)\"}" }.joined(separator: ",")
        let ids = diffIDs.map { "\"\($0)\"" }.joined(separator: ",")
        let text =
            "{\"architecture\":\"\",\"created\":\"\(zero)\",\"history\":[\(history)],\"os\":\"\","
            + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\(ids)]},\"config\":{}}"
        return Data(text.utf8)
    }

    static func descriptor(_ descriptor: Descriptor) -> String {
        var text =
            "{\"mediaType\":\(SimpleSigningPayload.quote(descriptor.mediaType)),\"size\":\(descriptor.size),"
            + "\"digest\":\"\(descriptor.digest)\""
        if let annotations = descriptor.annotations, !annotations.isEmpty {
            let fields = annotations.keys.sorted().map {
                "\(SimpleSigningPayload.quote($0)):\(SimpleSigningPayload.quote(annotations[$0] ?? ""))"
            }
            text += ",\"annotations\":{\(fields.joined(separator: ","))}"
        }
        return text + "}"
    }
}

import Foundation
import OCI
import X509

/// What signing or attesting an image wrote.
public struct SigningResult: Sendable, Equatable, Codable {
    /// The signed image, pinned by digest.
    public var image: String
    /// The manifest digest that was signed.
    public var digest: String
    /// The attachment tag written.
    public var tag: String?
    /// The digest of the attachment tag's manifest.
    public var tagManifest: String?
    /// The digest of the OCI 1.1 referrer, when written.
    public var referrer: String?
}

/// Signs and attests images in registries, by digest.
public enum ImageSigner {
    /// Resolves `reference` to its manifest digest, never signing a tag.
    ///
    /// Asks with `HEAD`, which a registry's signature gate does not refuse (an unsigned image cannot
    /// be fetched there until it is signed); a pinned digest must be the one the registry reports.
    public static func resolve(_ reference: ImageReference, client: RegistryClient) async throws(SignError)
        -> Descriptor
    {
        let found: Descriptor?
        do {
            found = try await client.manifestDescriptor(
                repository: reference.repository, reference: reference.reference)
        } catch {
            throw SignError.image("cannot resolve \(reference): \(error)")
        }
        guard let found else { throw SignError.image("\(reference) does not exist") }
        if let pinned = reference.digest, pinned != found.digest {
            throw SignError.image("\(reference) is served as \(found.digest)")
        }
        return found
    }

    /// Signs the digest `reference` resolves to and stores the signature cosign's way.
    ///
    /// With `certificate` (a PEM certificate of the key, from a private PKI) and `chain` (PEM, its
    /// intermediates and root), they are stored in the layer annotations cosign uses, for
    /// verification by identity.
    public static func sign(
        _ reference: ImageReference, key: SigningKey, annotations: [String: String] = [:],
        certificate: String? = nil, chain: String? = nil,
        access: RegistryAccess = RegistryAccess(), tagConvention: Bool = true, referrer: Bool = false
    ) async throws(SignError) -> SigningResult {
        if let certificate {
            let certified: VerificationKey
            do {
                certified = try VerificationKey(certificate: try Certificate(pemEncoded: certificate))
            } catch {
                throw SignError.certificate("the signing certificate is not a PEM certificate: \(error)")
            }
            guard certified.derRepresentation == key.verificationKey.derRepresentation else {
                throw SignError.certificate("the signing certificate is not for the signing key")
            }
        }
        let client = try access.client(for: reference)
        let image = try await resolve(reference, client: client)
        let payload = SimpleSigningPayload(
            dockerReference: reference.name, manifestDigest: image.digest,
            optional: annotations.isEmpty ? nil : annotations
        ).encoded()
        let signature = try key.sign(payload)
        var layerAnnotations = [CosignSignature.signatureAnnotation: signature.base64EncodedString()]
        if let certificate { layerAnnotations[CosignSignature.certificateAnnotation] = certificate }
        if let chain { layerAnnotations[CosignSignature.chainAnnotation] = chain }
        let layer = AttachmentLayer(
            mediaType: SimpleSigningPayload.mediaType, payload: payload, annotations: layerAnnotations)
        let written = try await SignatureStore.attach(
            layer, to: image, repository: reference.repository, kind: .signature, client: client,
            tagConvention: tagConvention, referrer: referrer)
        return SigningResult(
            image: reference.pinned(to: image.digest).description, digest: image.digest.description, tag: written.tag,
            tagManifest: written.tagManifest?.description, referrer: written.referrer?.description)
    }

    /// Attests the digest `reference` resolves to: an in-toto statement with `predicate` in a DSSE
    /// envelope, stored as cosign stores attestations (`<alg>-<hex>.att`).
    public static func attest(
        _ reference: ImageReference, predicate: Data, predicateType: String, key: SigningKey,
        access: RegistryAccess = RegistryAccess(), tagConvention: Bool = true, referrer: Bool = false
    ) async throws(SignError) -> SigningResult {
        let client = try access.client(for: reference)
        let image = try await resolve(reference, client: client)
        let statement = try InTotoStatement.encode(
            subjectName: reference.name, digest: image.digest, predicateType: predicateType, predicate: predicate)
        let envelope = try DSSEEnvelope.sign(payload: statement, payloadType: DSSEEnvelope.inTotoPayloadType, key: key)
        let layer = AttachmentLayer(
            mediaType: DSSEEnvelope.mediaType, payload: envelope,
            annotations: [CosignSignature.signatureAnnotation: "", "predicateType": predicateType])
        let written = try await SignatureStore.attach(
            layer, to: image, repository: reference.repository, kind: .attestation, client: client,
            tagConvention: tagConvention, referrer: referrer)
        return SigningResult(
            image: reference.pinned(to: image.digest).description, digest: image.digest.description, tag: written.tag,
            tagManifest: written.tagManifest?.description, referrer: written.referrer?.description)
    }
}

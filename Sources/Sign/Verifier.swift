import Crypto
import Foundation
import OCI
import SwiftASN1
import X509

/// What a keyless (certificate) signature must show: a chain to `roots` and the signer's identity.
public struct CertificateIdentity: Sendable {
    /// The SAN e-mail, URI or DNS name the certificate must carry.
    public var identity: String
    /// The OIDC issuer recorded in the certificate (Fulcio extension), when required.
    public var issuer: String?
    /// Trust anchors.
    public var roots: [Certificate]
    /// Intermediates that may complete the chain (the signature's own chain annotation is added).
    public var intermediates: [Certificate]

    public init(identity: String, issuer: String?, roots: [Certificate], intermediates: [Certificate] = []) {
        self.identity = identity
        self.issuer = issuer
        self.roots = roots
        self.intermediates = intermediates
    }
}

/// What a signature must satisfy to be accepted.
public struct VerificationPolicy: Sendable {
    /// Public keys a key signature may verify against.
    public var keys: [VerificationKey]
    /// The certificate requirement for keyless or PKI signatures.
    public var certificate: CertificateIdentity?
    /// Rekor public keys: when set, each signature needs a Rekor bundle whose entry timestamp they sign.
    public var rekorKeys: [VerificationKey]
    /// When set, the payload's `docker-reference` must name this repository (`host/repository`).
    public var repository: String?
    /// Annotations the payload's `optional` section must hold (`verify --annotation k=v`).
    public var annotations: [String: String]

    public init(
        keys: [VerificationKey] = [], certificate: CertificateIdentity? = nil, rekorKeys: [VerificationKey] = [],
        repository: String? = nil, annotations: [String: String] = [:]
    ) {
        self.keys = keys
        self.certificate = certificate
        self.rekorKeys = rekorKeys
        self.repository = repository
        self.annotations = annotations
    }
}

/// The verdict on one signature.
public struct SignatureVerdict: Sendable, Codable, Equatable {
    /// Where the signature came from.
    public var source: String
    /// Whether it is accepted.
    public var verified: Bool
    /// Why it was accepted or refused, one line.
    public var reason: String
    /// The key kind or certificate identity that signed it, when it verified cryptographically.
    public var signer: String?
    /// The payload's `docker-reference`.
    public var dockerReference: String?
    /// The Rekor integrated time (seconds since 1970), when a bundle verified.
    public var integratedTime: Int64?
}

/// The verdict on an image: accepted when at least one signature is.
public struct ImageVerdict: Sendable, Codable, Equatable {
    /// The manifest digest the signatures were checked against.
    public var digest: String
    /// Whether at least one signature verified.
    public var verified: Bool
    /// One verdict a signature, in the order found.
    public var signatures: [SignatureVerdict]

    public init(digest: String, verified: Bool, signatures: [SignatureVerdict]) {
        self.digest = digest
        self.verified = verified
        self.signatures = signatures
    }

    /// One line: the accepted signer, or the reasons of the refusals.
    public var summary: String {
        if let accepted = signatures.first(where: \.verified) {
            return "\(digest): verified (\(accepted.source): \(accepted.reason))"
        }
        if signatures.isEmpty { return "\(digest): no signature found" }
        return "\(digest): no signature verifies: "
            + signatures.map { "\($0.source): \($0.reason)" }.joined(separator: "; ")
    }
}

/// Checks cosign signatures against a ``VerificationPolicy``: the signature over the payload bytes,
/// the payload's type and digest, optionally the signer's repository, certificate chain and identity,
/// and the Rekor bundle.
public struct SignatureVerifier: Sendable {
    public let policy: VerificationPolicy

    public init(policy: VerificationPolicy) { self.policy = policy }

    /// Verifies every signature and accepts the image when one verifies.
    public func verify(_ signatures: [CosignSignature], manifestDigest: OCI.Digest) async -> ImageVerdict {
        var verdicts: [SignatureVerdict] = []
        for signature in signatures {
            verdicts.append(await verify(signature, manifestDigest: manifestDigest))
        }
        return ImageVerdict(
            digest: manifestDigest.description, verified: verdicts.contains(where: \.verified), signatures: verdicts)
    }

    /// Verifies one signature of the manifest `manifestDigest`.
    public func verify(_ signature: CosignSignature, manifestDigest: OCI.Digest) async -> SignatureVerdict {
        var verdict = SignatureVerdict(source: signature.source, verified: false, reason: "")
        func refuse(_ reason: String) -> SignatureVerdict {
            verdict.reason = reason
            return verdict
        }
        guard signature.mediaType == SimpleSigningPayload.mediaType else {
            return refuse(
                "not a cosign signature: media type '\(signature.mediaType.prefix(100))', expected \(SimpleSigningPayload.mediaType)"
            )
        }
        guard let text = signature.signatureText else {
            return refuse("no \(CosignSignature.signatureAnnotation) annotation")
        }
        guard let raw = Data(base64Encoded: text, options: .ignoreUnknownCharacters), !raw.isEmpty else {
            return refuse("the signature annotation is not base64")
        }

        // The Rekor bundle first: a verified entry time is when a short-lived certificate must be valid.
        var bundle: RekorBundle?
        if !policy.rekorKeys.isEmpty {
            guard let text = signature.annotations[CosignSignature.bundleAnnotation] else {
                return refuse("no Rekor bundle, and a Rekor key was given")
            }
            switch RekorBundle.verify(text, keys: policy.rekorKeys) {
            case .failure(let failure): return refuse(failure.reason)
            case .success(let verified):
                bundle = verified
                verdict.integratedTime = verified.integratedTime
                if let reason = verified.mismatch(payload: signature.payload, signature: raw) { return refuse(reason) }
            }
        }

        // Which key: the certificate's (keyless, PKI) when one is required, else the given keys.
        var signer = ""
        var keys = policy.keys
        if let requirement = policy.certificate,
            let pem = signature.annotations[CosignSignature.certificateAnnotation]
        {
            let validationTime = bundle.map { Date(timeIntervalSince1970: TimeInterval($0.integratedTime)) } ?? Date()
            switch await CertificateCheck.verify(
                leafPEM: pem, chainPEM: signature.annotations[CosignSignature.chainAnnotation],
                requirement: requirement, at: validationTime)
            {
            case .failure(let failure): return refuse(failure.reason)
            case .success(let key):
                keys = [key]
                signer = "certificate of \(requirement.identity)"
            }
        } else if policy.certificate != nil && keys.isEmpty {
            return refuse("no certificate annotation, and a certificate identity was required")
        }
        guard !keys.isEmpty else { return refuse("no key or certificate identity to verify against") }
        if let bundle, let reason = bundle.keyMismatch(candidates: keys) { return refuse(reason) }
        return finish(
            &verdict, keys: keys, signer: signer, raw: raw, signature: signature, manifestDigest: manifestDigest)
    }

    private func finish(
        _ verdict: inout SignatureVerdict, keys: [VerificationKey], signer: String, raw: Data,
        signature: CosignSignature, manifestDigest: OCI.Digest
    ) -> SignatureVerdict {
        guard let key = keys.first(where: { $0.isValidSignature(raw, for: signature.payload) }) else {
            verdict.reason =
                keys.count == 1
                ? "the signature does not verify against the \(signer.isEmpty ? "given key" : signer)"
                : "the signature does not verify against any of the \(keys.count) given keys"
            return verdict
        }
        verdict.signer = signer.isEmpty ? key.kind : signer
        guard let payload = SimpleSigningPayload(decoding: signature.payload) else {
            verdict.reason = "the signed payload is not a simple-signing JSON document"
            return verdict
        }
        verdict.dockerReference = payload.dockerReference
        guard payload.type == SimpleSigningPayload.signatureType else {
            verdict.reason =
                "the payload type is '\(payload.type.prefix(80))', not '\(SimpleSigningPayload.signatureType)'"
            return verdict
        }
        guard payload.manifestDigest == manifestDigest.description else {
            verdict.reason =
                "payload digest mismatch: the payload signs \(payload.manifestDigest.prefix(80)), the manifest is \(manifestDigest)"
            return verdict
        }
        if let repository = policy.repository {
            let signed = Self.repositoryPart(of: payload.dockerReference)
            guard signed == repository else {
                verdict.reason = "the payload names repository '\(signed.prefix(200))', not '\(repository)'"
                return verdict
            }
        }
        for (key, value) in policy.annotations.sorted(by: { $0.key < $1.key }) where payload.optional?[key] != value {
            verdict.reason =
                "the payload's annotation \(key) is \(payload.optional?[key].map { "'\($0.prefix(100))'" } ?? "absent"), not '\(value)'"
            return verdict
        }
        verdict.verified = true
        verdict.reason = "signed by \(verdict.signer ?? key.kind) over \(manifestDigest)"
        if let time = verdict.integratedTime { verdict.reason += ", in Rekor since \(time)" }
        return verdict
    }

    /// `host/repo` of `host/repo:tag@digest`.
    static func repositoryPart(of reference: String) -> String {
        var text = Substring(reference)
        if let at = text.firstIndex(of: "@") { text = text[..<at] }
        if let colon = text.lastIndex(of: ":"), !text[colon...].contains("/") { text = text[..<colon] }
        return String(text)
    }
}

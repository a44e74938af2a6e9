import Crypto
import Foundation
import OCI

/// Predicate types by cosign's short names.
public enum PredicateType {
    /// Short names and the URIs cosign records for them.
    public static let known: [String: String] = [
        "cyclonedx": "https://cyclonedx.org/bom",
        "spdx": "https://spdx.dev/Document",
        "spdxjson": "https://spdx.dev/Document",
        "slsaprovenance": "https://slsa.dev/provenance/v0.2",
        "slsaprovenance02": "https://slsa.dev/provenance/v0.2",
        "slsaprovenance1": "https://slsa.dev/provenance/v1",
        "link": "https://in-toto.io/Link/v1",
        "vuln": "https://cosign.sigstore.dev/attestation/vuln/v1",
        "openvex": "https://openvex.dev/ns",
        "custom": "https://cosign.sigstore.dev/attestation/v1",
    ]

    /// The URI of a short name, or the argument itself when it is a URI.
    public static func uri(for name: String) throws(SignError) -> String {
        if let uri = known[name.lowercased()] { return uri }
        if name.contains("://") { return name }
        throw SignError.invalidInput(
            "unknown predicate type '\(name.prefix(100))'; use one of \(known.keys.sorted().joined(separator: ", ")) or a URI"
        )
    }
}

/// An in-toto statement (v0.1, as cosign writes it) about one image digest.
public enum InTotoStatement {
    public static let type = "https://in-toto.io/Statement/v0.1"

    /// The statement JSON: `_type`, `predicateType`, `subject` (name and sha256), `predicate`.
    public static func encode(subjectName: String, digest: OCI.Digest, predicateType: String, predicate: Data)
        throws(SignError) -> Data
    {
        guard let predicateObject = try? JSONSerialization.jsonObject(with: predicate, options: [.fragmentsAllowed]),
            predicateObject is [String: Any] || predicateObject is [Any]
        else {
            throw SignError.invalidInput("the predicate is not a JSON object")
        }
        let statement: [String: Any] = [
            "_type": type,
            "predicateType": predicateType,
            "subject": [["name": subjectName, "digest": [digest.algorithm.rawValue: digest.encoded]]],
            "predicate": predicateObject,
        ]
        do {
            return try JSONSerialization.data(
                withJSONObject: statement, options: [.sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw SignError.invalidInput("cannot encode the in-toto statement: \(error)")
        }
    }
}

/// A DSSE envelope (`payloadType`, base64 `payload`, `signatures`), signed over its PAE encoding.
public enum DSSEEnvelope {
    /// The layer media type of a DSSE envelope.
    public static let mediaType = "application/vnd.dsse.envelope.v1+json"
    /// The payload type of an in-toto statement.
    public static let inTotoPayloadType = "application/vnd.in-toto+json"

    /// DSSE's pre-authentication encoding: `DSSEv1 <len> <type> <len> <payload>`.
    public static func pae(payloadType: String, payload: Data) -> Data {
        var data = Data("DSSEv1 \(payloadType.utf8.count) \(payloadType) \(payload.count) ".utf8)
        data.append(payload)
        return data
    }

    /// The envelope JSON with one signature by `key`.
    public static func sign(payload: Data, payloadType: String, key: SigningKey) throws(SignError) -> Data {
        let signature = try key.sign(pae(payloadType: payloadType, payload: payload))
        let text =
            "{\"payloadType\":\(SimpleSigningPayload.quote(payloadType)),\"payload\":\"\(payload.base64EncodedString())\","
            + "\"signatures\":[{\"keyid\":\"\",\"sig\":\"\(signature.base64EncodedString())\"}]}"
        return Data(text.utf8)
    }

    struct Decoded: Decodable {
        struct Signature: Decodable {
            var keyid: String?
            var sig: String
        }
        var payloadType: String
        var payload: String
        var signatures: [Signature]
    }
}

/// Checks cosign attestations: DSSE envelope, signature over PAE, in-toto subject and predicate type.
public struct AttestationVerifier: Sendable {
    public let keys: [VerificationKey]
    /// The predicate type URI required, or nil for any.
    public let predicateType: String?

    public init(keys: [VerificationKey], predicateType: String?) {
        self.keys = keys
        self.predicateType = predicateType
    }

    /// Accepts the image when at least one attestation verifies.
    public func verify(_ attestations: [CosignSignature], manifestDigest: OCI.Digest) -> ImageVerdict {
        let verdicts = attestations.map { verify($0, manifestDigest: manifestDigest) }
        return ImageVerdict(
            digest: manifestDigest.description, verified: verdicts.contains(where: \.verified), signatures: verdicts)
    }

    /// Verifies one attestation layer.
    public func verify(_ attestation: CosignSignature, manifestDigest: OCI.Digest) -> SignatureVerdict {
        var verdict = SignatureVerdict(source: attestation.source, verified: false, reason: "")
        func refuse(_ reason: String) -> SignatureVerdict {
            verdict.reason = reason
            return verdict
        }
        guard attestation.mediaType == DSSEEnvelope.mediaType else {
            return refuse("not an attestation: media type '\(attestation.mediaType.prefix(100))'")
        }
        guard let envelope = try? JSONDecoder().decode(DSSEEnvelope.Decoded.self, from: attestation.payload),
            let payload = Data(base64Encoded: envelope.payload)
        else {
            return refuse("not a DSSE envelope (truncated or malformed JSON)")
        }
        guard envelope.payloadType == DSSEEnvelope.inTotoPayloadType else {
            return refuse(
                "wrong payload type '\(envelope.payloadType.prefix(100))', expected \(DSSEEnvelope.inTotoPayloadType)")
        }
        let pae = DSSEEnvelope.pae(payloadType: envelope.payloadType, payload: payload)
        let signatures = envelope.signatures.compactMap { Data(base64Encoded: $0.sig) }
        guard
            let key = keys.first(where: { key in signatures.contains { key.isValidSignature($0, for: pae) } })
        else {
            return refuse("no DSSE signature verifies against the given key\(keys.count == 1 ? "" : "s")")
        }
        verdict.signer = key.kind
        guard let statement = try? JSONSerialization.jsonObject(with: payload) as? [String: Any],
            let subjects = statement["subject"] as? [[String: Any]],
            let type = statement["predicateType"] as? String
        else {
            return refuse("the DSSE payload is not an in-toto statement")
        }
        let digests = subjects.compactMap {
            ($0["digest"] as? [String: Any])?[manifestDigest.algorithm.rawValue] as? String
        }
        guard digests.contains(manifestDigest.encoded) else {
            return refuse(
                "subject digest mismatch: the statement is about \(digests.map { "\(manifestDigest.algorithm.rawValue):\($0.prefix(64))" }.joined(separator: ", ")), not \(manifestDigest)"
            )
        }
        if let predicateType, type != predicateType {
            return refuse("predicate type is \(type.prefix(100)), not \(predicateType)")
        }
        verdict.verified = true
        verdict.reason = "\(type) attestation signed by \(key.kind) about \(manifestDigest)"
        return verdict
    }
}

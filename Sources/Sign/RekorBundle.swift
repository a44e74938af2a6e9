import Crypto
import Foundation
import X509

/// Why a check failed, one line.
public struct CheckFailure: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// A Rekor bundle as cosign stores it in `dev.sigstore.cosign/bundle`: the log's signed entry
/// timestamp (SET) over the entry's canonical JSON, and the entry body (a `hashedrekord`).
public struct RekorBundle: Sendable {
    /// The entry body (JSON) as logged.
    public var body: Data
    /// When the log integrated the entry (seconds since 1970).
    public var integratedTime: Int64
    /// The entry's index in the log.
    public var logIndex: Int64
    /// SHA-256 of the log's public key (hex).
    public var logID: String

    /// Parses the bundle and checks its SET against the Rekor key whose ID the bundle names.
    public static func verify(_ text: String, keys: [VerificationKey]) -> Result<RekorBundle, CheckFailure> {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let setText = object["SignedEntryTimestamp"] as? String,
            let set = Data(base64Encoded: setText),
            let payload = object["Payload"] as? [String: Any],
            let bodyText = payload["body"] as? String,
            let body = Data(base64Encoded: bodyText),
            let integratedTime = (payload["integratedTime"] as? NSNumber)?.int64Value,
            let logIndex = (payload["logIndex"] as? NSNumber)?.int64Value,
            let logID = payload["logID"] as? String
        else {
            return .failure(CheckFailure("the Rekor bundle is not of the form {SignedEntryTimestamp, Payload}"))
        }
        // The SET signs the canonical JSON (sorted keys, no spaces) of the four payload fields.
        let canonical =
            "{\"body\":\(SimpleSigningPayload.quote(bodyText)),\"integratedTime\":\(integratedTime),"
            + "\"logID\":\(SimpleSigningPayload.quote(logID)),\"logIndex\":\(logIndex)}"
        guard
            let key = keys.first(where: {
                SHA256.hash(data: $0.derRepresentation).map { String(format: "%02x", $0) }.joined() == logID
            })
        else {
            return .failure(
                CheckFailure("the Rekor bundle was logged by \(logID.prefix(16))…, not by the given Rekor key"))
        }
        guard key.isValidSignature(set, for: Data(canonical.utf8)) else {
            return .failure(CheckFailure("the Rekor signed entry timestamp does not verify against the Rekor key"))
        }
        return .success(
            RekorBundle(body: body, integratedTime: integratedTime, logIndex: logIndex, logID: logID))
    }

    private var entry: (hash: String, signature: Data, publicKey: String)? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let spec = object["spec"] as? [String: Any],
            let data = spec["data"] as? [String: Any],
            let hash = (data["hash"] as? [String: Any])?["value"] as? String,
            let signature = spec["signature"] as? [String: Any],
            let content = (signature["content"] as? String).flatMap({ Data(base64Encoded: $0) }),
            let keyText = ((signature["publicKey"] as? [String: Any])?["content"] as? String)
                .flatMap({ Data(base64Encoded: $0) })
        else { return nil }
        return (hash, content, String(decoding: keyText, as: UTF8.self))
    }

    /// Why the logged entry does not describe this payload and signature, or nil when it does.
    public func mismatch(payload: Data, signature: Data) -> String? {
        guard let entry else { return "the Rekor entry is not a hashedrekord entry" }
        let digest = SHA256.hash(data: payload).map { String(format: "%02x", $0) }.joined()
        guard entry.hash == digest else {
            return "the Rekor entry logs another payload (sha256 \(entry.hash.prefix(16))…)"
        }
        guard entry.signature == signature else { return "the Rekor entry logs another signature" }
        return nil
    }

    /// Why the key recorded in the entry is none of `candidates`, or nil when it is one of them.
    public func keyMismatch(candidates: [VerificationKey]) -> String? {
        guard let entry else { return "the Rekor entry is not a hashedrekord entry" }
        let logged: VerificationKey?
        if entry.publicKey.contains("CERTIFICATE") {
            logged = (try? Certificate(pemEncoded: entry.publicKey)).flatMap { try? VerificationKey(certificate: $0) }
        } else {
            logged = try? VerificationKey(pem: entry.publicKey)
        }
        guard let logged else { return "the Rekor entry's public key cannot be read" }
        if candidates.contains(where: { $0.derRepresentation == logged.derRepresentation }) { return nil }
        return "the Rekor entry was made with another key"
    }
}

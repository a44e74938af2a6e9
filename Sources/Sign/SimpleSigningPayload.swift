import Foundation
import OCI

/// Cosign's simple-signing payload: the JSON document a signature signs, naming the image digest.
///
/// ```json
/// {"critical":{"identity":{"docker-reference":"host/repo"},
///  "image":{"docker-manifest-digest":"sha256:…"},"type":"cosign container image signature"},
///  "optional":null}
/// ```
public struct SimpleSigningPayload: Sendable, Equatable {
    /// The `critical.type` every cosign image signature carries.
    public static let signatureType = "cosign container image signature"
    /// The layer media type of a simple-signing payload.
    public static let mediaType = "application/vnd.dev.cosign.simplesigning.v1+json"

    /// The image name the signer gave (`critical.identity.docker-reference`).
    public var dockerReference: String
    /// The signed manifest digest (`critical.image.docker-manifest-digest`).
    public var manifestDigest: String
    /// `critical.type`.
    public var type: String
    /// Free-form annotations (`optional`), from `--annotation k=v`.
    public var optional: [String: String]?

    public init(dockerReference: String, manifestDigest: OCI.Digest, optional: [String: String]? = nil) {
        self.dockerReference = dockerReference
        self.manifestDigest = manifestDigest.description
        self.type = Self.signatureType
        self.optional = optional
    }

    /// The payload bytes: compact JSON with keys in cosign's order, `optional` null when empty.
    public func encoded() -> Data {
        var text = "{\"critical\":{\"identity\":{\"docker-reference\":\(Self.quote(dockerReference))},"
        text += "\"image\":{\"docker-manifest-digest\":\(Self.quote(manifestDigest))},"
        text += "\"type\":\(Self.quote(type))},\"optional\":"
        if let optional, !optional.isEmpty {
            text +=
                "{"
                + optional.keys.sorted().map { "\(Self.quote($0)):\(Self.quote(optional[$0] ?? ""))" }.joined(
                    separator: ",") + "}"
        } else {
            text += "null"
        }
        return Data((text + "}").utf8)
    }

    /// Decodes a payload; `nil` when it is not JSON of this shape. Unknown `optional` values are kept
    /// as their JSON text.
    public init?(decoding data: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let critical = object["critical"] as? [String: Any],
            let image = critical["image"] as? [String: Any],
            let digest = image["docker-manifest-digest"] as? String,
            let type = critical["type"] as? String
        else { return nil }
        let identity = critical["identity"] as? [String: Any]
        dockerReference = identity?["docker-reference"] as? String ?? ""
        manifestDigest = digest
        self.type = type
        if let optional = object["optional"] as? [String: Any] {
            var values: [String: String] = [:]
            for (key, value) in optional {
                if let string = value as? String {
                    values[key] = string
                } else if let data = try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed])
                {
                    values[key] = String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
                }
            }
            self.optional = values
        } else {
            optional = nil
        }
    }

    /// A JSON string literal, escaping as Go's encoder does (`<`, `>`, `&` as `\u00XX`).
    static func quote(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += String(format: "\\u%04x", scalar.value)
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

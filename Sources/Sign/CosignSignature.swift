import Foundation
import OCI

/// One cosign signature as stored: the signed payload, its media type and the layer annotations
/// (`dev.cosignproject.cosign/signature`, and optionally a certificate, chain and Rekor bundle).
public struct CosignSignature: Sendable, Equatable {
    /// The annotation holding the base64 signature.
    public static let signatureAnnotation = "dev.cosignproject.cosign/signature"
    /// The annotation holding the signing certificate (PEM).
    public static let certificateAnnotation = "dev.sigstore.cosign/certificate"
    /// The annotation holding the certificate chain (PEM, intermediates then root).
    public static let chainAnnotation = "dev.sigstore.cosign/chain"
    /// The annotation holding the Rekor bundle (signed entry timestamp and entry).
    public static let bundleAnnotation = "dev.sigstore.cosign/bundle"
    /// The prefix of a containers/image `signature-N` file holding a sigstore signature.
    public static let containersImagePrefix = Data("\u{00}sigstore-json\n".utf8)

    /// Where the signature came from (a file, a registry layer), for reports.
    public var source: String
    /// The layer media type (`mimeType` in containers/image's form).
    public var mediaType: String
    /// The signed bytes.
    public var payload: Data
    /// The layer annotations.
    public var annotations: [String: String]

    public init(source: String, mediaType: String, payload: Data, annotations: [String: String]) {
        self.source = source
        self.mediaType = mediaType
        self.payload = payload
        self.annotations = annotations
    }

    /// Reads a containers/image `signature-N` file: `\0sigstore-json\n` then
    /// `{"mimeType", "payload" (base64), "annotations"}`.
    public init(containersImageFile data: Data, source: String) throws(SignError) {
        guard data.starts(with: Self.containersImagePrefix) else {
            throw SignError.invalidInput("\(source) is not a sigstore signature (no sigstore-json prefix)")
        }
        struct File: Decodable {
            var mimeType: String
            var payload: String
            var annotations: [String: String]?
        }
        guard let file = try? JSONDecoder().decode(File.self, from: data.dropFirst(Self.containersImagePrefix.count)),
            let payload = Data(base64Encoded: file.payload)
        else {
            throw SignError.invalidInput("\(source) is not a sigstore signature JSON document")
        }
        self.init(source: source, mediaType: file.mimeType, payload: payload, annotations: file.annotations ?? [:])
    }

    /// The signature in containers/image's `signature-N` form (what `skopeo copy … dir:` writes).
    public func containersImageFile() -> Data {
        let object: [String: Any] = [
            "mimeType": mediaType, "payload": payload.base64EncodedString(), "annotations": annotations,
        ]
        let json = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Self.containersImagePrefix + json
    }

    /// The base64 signature text of the layer annotation.
    public var signatureText: String? { annotations[Self.signatureAnnotation] }
}

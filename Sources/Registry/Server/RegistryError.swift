import Foundation
import HTTPTypes
import Hummingbird
import OCI

/// An error answered with the OCI distribution spec's JSON error body.
public struct RegistryError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    /// Error codes of the distribution spec (code-1 to code-14), plus the policy code Harbor uses.
    public enum Code: String, Sendable {
        case blobUnknown = "BLOB_UNKNOWN"
        case blobUploadInvalid = "BLOB_UPLOAD_INVALID"
        case blobUploadUnknown = "BLOB_UPLOAD_UNKNOWN"
        case digestInvalid = "DIGEST_INVALID"
        case manifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN"
        case manifestInvalid = "MANIFEST_INVALID"
        case manifestUnknown = "MANIFEST_UNKNOWN"
        case nameInvalid = "NAME_INVALID"
        case nameUnknown = "NAME_UNKNOWN"
        case sizeInvalid = "SIZE_INVALID"
        case unauthorized = "UNAUTHORIZED"
        case denied = "DENIED"
        case unsupported = "UNSUPPORTED"
        case tooManyRequests = "TOOMANYREQUESTS"
        case rangeInvalid = "RANGE_INVALID"
        case policyViolation = "PROJECTPOLICYVIOLATION"
        case quotaExceeded = "QUOTA_EXCEEDED"
        case tagImmutable = "TAG_IMMUTABLE"
        /// The storage or database behind the registry failed; the request may be retried.
        case unavailable = "UNAVAILABLE"
    }

    public let status: HTTPResponse.Status
    public let code: Code
    public let message: String
    public let detail: [String: String]?
    public let headers: HTTPFields
    /// What went wrong behind the registry (a storage failure): logged and shown on the command
    /// line, never sent to clients, since it names internal hosts.
    public var reason: String?

    public init(
        _ status: HTTPResponse.Status, _ code: Code, _ message: String,
        detail: [String: String]? = nil, headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.headers = headers
    }

    /// For logs and the command line: the message and, for storage failures, the reason (which
    /// the HTTP body leaves out).
    public var description: String {
        "\(status.code) \(code.rawValue): \(message)" + (reason.map { ": \($0)" } ?? "")
    }

    /// The JSON body `{"errors":[{"code","message","detail"}]}`.
    public var body: Data {
        struct Entry: Encodable {
            let code: String
            let message: String
            let detail: [String: String]?
        }
        struct Body: Encodable { let errors: [Entry] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(Body(errors: [Entry(code: code.rawValue, message: message, detail: detail)])))
            ?? Data(#"{"errors":[{"code":"UNSUPPORTED","message":"error"}]}"#.utf8)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.dockerDistributionAPIVersion] = "registry/2.0"
        let bytes = body
        fields[.contentLength] = String(bytes.count)
        if request.method == .head {
            return Response(status: status, headers: fields, body: .init())
        }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension RegistryError {
    static func blobUnknown(_ digest: Digest) -> RegistryError {
        .init(.notFound, .blobUnknown, "blob unknown to registry", detail: ["digest": digest.description])
    }
    static func manifestUnknown(_ reference: String) -> RegistryError {
        .init(.notFound, .manifestUnknown, "manifest unknown", detail: ["reference": reference])
    }
    static func nameUnknown(_ name: String) -> RegistryError {
        .init(.notFound, .nameUnknown, "repository name not known to registry", detail: ["name": name])
    }
    static func uploadUnknown(_ id: String) -> RegistryError {
        .init(
            .notFound, .blobUploadUnknown, "blob upload unknown to registry", detail: ["session": String(id.prefix(80))]
        )
    }
    static func blobTooLarge(_ limit: Int64) -> RegistryError {
        .init(.contentTooLarge, .sizeInvalid, "blob exceeds the size limit of \(limit) bytes")
    }
    static let chunkLengthMismatch = RegistryError(
        .badRequest, .blobUploadInvalid, "chunk length does not match Content-Range")
    /// A storage or database failure the client may retry.
    static func unavailable(_ what: String) -> RegistryError {
        var error = RegistryError(
            .serviceUnavailable, .unavailable, "storage unavailable, retry later", headers: [.retryAfter: "1"])
        error.reason = String(what.prefix(500))
        return error
    }
    static func digestInvalid(_ message: String) -> RegistryError {
        .init(.badRequest, .digestInvalid, message)
    }
    static func unsupported(_ message: String, status: HTTPResponse.Status = .methodNotAllowed) -> RegistryError {
        .init(status, .unsupported, message)
    }

    /// Maps an OCI parsing error onto the spec's codes.
    init(_ error: OCIError) {
        switch error {
        case .invalidDigest: self.init(.badRequest, .digestInvalid, error.description)
        case .unsupportedDigestAlgorithm: self.init(.badRequest, .digestInvalid, error.description)
        case .invalidName: self.init(.badRequest, .nameInvalid, error.description)
        case .invalidTag: self.init(.badRequest, .manifestInvalid, error.description)
        case .invalidManifest: self.init(.badRequest, .manifestInvalid, error.description)
        case .invalidReference: self.init(.badRequest, .nameInvalid, error.description)
        case .contentMismatch: self.init(.badRequest, .digestInvalid, error.description)
        case .registry, .transport, .credentials: self.init(.badRequest, .unsupported, error.description)
        }
    }
}

extension HTTPField.Name {
    static let dockerContentDigest = Self("Docker-Content-Digest")!
    static let dockerDistributionAPIVersion = Self("Docker-Distribution-API-Version")!
    static let dockerUploadUUID = Self("Docker-Upload-UUID")!
    static let ociSubject = Self("OCI-Subject")!
    static let ociFiltersApplied = Self("OCI-Filters-Applied")!
    static let ociChunkMinLength = Self("OCI-Chunk-Min-Length")!
    static let link = Self("Link")!
}

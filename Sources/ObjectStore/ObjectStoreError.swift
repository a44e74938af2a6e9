import Foundation

/// An error answered by the object store: S3's XML error body with the HTTP status.
public struct S3ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// S3's code (`NoSuchKey`, `SignatureDoesNotMatch`, `SlowDown`, ...), or `NotFound`/`HTTP<status>`
    /// when the answer had no body (HEAD).
    public var code: String
    public var message: String
    public var requestID: String?
    public var resource: String?
    /// The HTTP status (a 200 carrying an error body, as CopyObject and CompleteMultipartUpload may send, keeps 200).
    public var status: Int

    public init(code: String, message: String, requestID: String? = nil, resource: String? = nil, status: Int) {
        self.code = code
        self.message = message
        self.requestID = requestID
        self.resource = resource
        self.status = status
    }

    public var description: String {
        var text = "object store answered \(status) \(code)"
        if !message.isEmpty { text += ": \(message)" }
        if let resource, !resource.isEmpty { text += " (resource '\(resource)')" }
        if let requestID, !requestID.isEmpty { text += " [request id \(requestID)]" }
        return text
    }

    /// Whether retrying may succeed: throttling and server faults.
    public var isTransient: Bool {
        status == 500 || status == 502 || status == 503 || status == 504 || code == "SlowDown"
            || code == "InternalError" || code == "ServiceUnavailable" || code == "RequestTimeout"
    }
}

/// Errors of the object store client.
public enum ObjectStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `s3://` location could not be read.
    case invalidLocation(String, reason: String)
    /// No credentials were found, or a credentials file could not be read.
    case credentials(String)
    /// The store answered with an error.
    case service(S3ServiceError)
    /// The store answered something this client cannot read.
    case invalidResponse(String)
    /// A body could not be read (a file to upload, say).
    case body(String)
    /// The connection failed, after every retry.
    case transport(String)

    public var description: String {
        switch self {
        case .invalidLocation(let location, let reason): "invalid object store location '\(location)': \(reason)"
        case .credentials(let reason): "object store credentials: \(reason)"
        case .service(let error): error.description
        case .invalidResponse(let reason): "unreadable object store answer: \(reason)"
        case .body(let reason): "request body: \(reason)"
        case .transport(let reason): "object store unreachable: \(reason)"
        }
    }

    /// The S3 error code when the store answered one.
    public var code: String? {
        if case .service(let error) = self { return error.code }
        return nil
    }
}

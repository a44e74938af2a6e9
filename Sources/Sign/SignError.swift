import OCI

/// Errors raised while reading keys, signing and fetching signatures.
///
/// A signature that does not verify is not an error: it is a ``SignatureVerdict`` with its reason.
public enum SignError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A key file cannot be read, decrypted or is of an unsupported kind.
    case key(String)
    /// A certificate or certificate chain cannot be read.
    case certificate(String)
    /// An image cannot be located or read (a transport error, a missing manifest).
    case image(String)
    /// A file cannot be read or written.
    case file(String)
    /// A predicate or payload is malformed.
    case invalidInput(String)
    /// The registry or image layout refused or failed an operation.
    case oci(OCIError)

    public var description: String {
        switch self {
        case .key(let reason): return "key: \(reason)"
        case .certificate(let reason): return "certificate: \(reason)"
        case .image(let reason): return "image: \(reason)"
        case .file(let reason): return reason
        case .invalidInput(let reason): return reason
        case .oci(let error): return error.description
        }
    }
}

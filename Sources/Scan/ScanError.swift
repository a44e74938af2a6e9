import Image

/// Errors raised while cataloguing an image, reading vulnerability data or matching.
public enum ScanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The image could not be read.
    case image(ImageError)
    /// A vulnerability source or database cannot be read or written.
    case database(path: String, reason: String)
    /// A vulnerability record is malformed.
    case invalidRecord(subject: String, reason: String)
    /// An archive (jar, war, ear) is malformed or breaks a limit.
    case invalidArchive(subject: String, reason: String)
    /// An SBOM given to `berth scan sbom:PATH` cannot be read.
    case invalidSBOM(path: String, reason: String)
    /// An argument is out of range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .image(let error): return error.description
        case .database(let path, let reason): return "vulnerability database '\(path)': \(reason)"
        case .invalidRecord(let subject, let reason): return "\(subject): \(reason)"
        case .invalidArchive(let subject, let reason): return "\(subject): \(reason)"
        case .invalidSBOM(let path, let reason): return "sbom '\(path)': \(reason)"
        case .invalidArgument(let reason): return reason
        }
    }
}

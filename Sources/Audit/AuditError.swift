/// Why an audit could not run: input that cannot be read or decoded, or an engine that cannot be reached.
public enum AuditError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file could not be read.
    case unreadable(file: String, reason: String)
    /// The text is not JSON, or not the JSON the audit expects, at `field` (`$` is the whole document).
    case malformed(file: String, field: String, reason: String)
    /// The engine endpoint could not be reached or answered in a way that cannot be used.
    case engine(endpoint: String, reason: String)
    /// The engine answered a request with an error status.
    case status(endpoint: String, path: String, code: Int, message: String)
    /// An endpoint given by the user cannot be used.
    case invalidHost(String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "cannot read '\(file)': \(reason)"
        case .malformed(let file, let field, let reason):
            return "\(file): field \(field): \(reason)"
        case .engine(let endpoint, let reason):
            return "engine at \(endpoint): \(reason)"
        case .status(let endpoint, let path, let code, let message):
            return "engine at \(endpoint): GET \(path) answered \(code)\(message.isEmpty ? "" : ": \(message)")"
        case .invalidHost(let host, let reason):
            return "host '\(host)': \(reason)"
        }
    }
}

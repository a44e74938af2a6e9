/// Failures of the registry's storage.
public enum StorageError: Error, Sendable, CustomStringConvertible {
    /// A file operation failed.
    case io(path: String, reason: String)
    /// Stored content is not what its name says.
    case corrupt(path: String, reason: String)

    public var description: String {
        switch self {
        case .io(let path, let reason): return "cannot read or write '\(path)': \(reason)"
        case .corrupt(let path, let reason): return "corrupt content at '\(path)': \(reason)"
        }
    }
}

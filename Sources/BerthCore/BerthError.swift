/// Errors shared by every Berth module: input that cannot be read or used.
public enum BerthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// The input is not what the command expects, at a known place.
    case invalidInput(location: SourceLocation, reason: String)
    /// A configuration value is wrong.
    case configuration(location: SourceLocation, reason: String)

    public var description: String {
        switch self {
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .invalidInput(let location, let reason):
            return "\(location.file):\(location.line): \(reason)"
        case .configuration(let location, let reason):
            return "\(location.file):\(location.line): configuration error: \(reason)"
        }
    }
}

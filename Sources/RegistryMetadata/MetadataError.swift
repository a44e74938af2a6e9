/// What metadata operations refuse; each maps to one answer of the registry.
public enum MetadataError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A tag may not move: its project makes it immutable.
    case immutableTag(repository: String, tag: String, digest: String)
    /// A compare-and-set lost: the value changed since it was read.
    case conflict(String)
    /// The named record does not exist.
    case notFound(String)
    /// The database holds something this version cannot read.
    case corrupt(String)
    /// The database could not be reached or answered with an error; a retry may succeed.
    case unavailable(String)
    /// A connection string or setting is not usable.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .immutableTag(let repository, let tag, let digest):
            return "tag \(repository):\(tag) is immutable and points to \(digest)"
        case .conflict(let message): return "conflict: \(message)"
        case .notFound(let message): return message
        case .corrupt(let message): return "metadata database: \(message)"
        case .unavailable(let message): return "metadata database unavailable: \(message)"
        case .invalidConfiguration(let message): return message
        }
    }
}

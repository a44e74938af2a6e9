/// Errors raised while reading OCI names, digests and manifests.
public enum OCIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A digest does not follow the grammar or its encoding does not fit the algorithm.
    case invalidDigest(String)
    /// A digest names an algorithm this implementation does not compute.
    case unsupportedDigestAlgorithm(String)
    /// A repository name does not follow the distribution spec's grammar.
    case invalidName(String)
    /// A tag does not follow the distribution spec's grammar.
    case invalidTag(String)
    /// A manifest cannot be parsed or breaks its media type's rules.
    case invalidManifest(String)

    public var description: String {
        switch self {
        case .invalidDigest(let reason): return "invalid digest: \(reason)"
        case .unsupportedDigestAlgorithm(let name): return "unsupported digest algorithm '\(name.prefix(40))'"
        case .invalidName(let reason): return "invalid repository name: \(reason)"
        case .invalidTag(let reason): return "invalid tag: \(reason)"
        case .invalidManifest(let reason): return "invalid manifest: \(reason)"
        }
    }
}

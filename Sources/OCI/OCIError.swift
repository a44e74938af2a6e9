/// Errors raised while reading OCI names, digests and manifests, and while talking to registries.
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
    /// An image reference (`host/repository:tag@digest`) cannot be parsed.
    case invalidReference(String)
    /// A registry answered with an error status; the message carries the operation and its body.
    case registry(status: Int, String)
    /// A registry could not be reached or its answer broke the protocol.
    case transport(String)
    /// Content did not match its digest or exceeded the size it was allowed.
    case contentMismatch(String)
    /// A credentials file cannot be read or parsed.
    case credentials(String)

    public var description: String {
        switch self {
        case .invalidDigest(let reason): return "invalid digest: \(reason)"
        case .unsupportedDigestAlgorithm(let name): return "unsupported digest algorithm '\(name.prefix(40))'"
        case .invalidName(let reason): return "invalid repository name: \(reason)"
        case .invalidTag(let reason): return "invalid tag: \(reason)"
        case .invalidManifest(let reason): return "invalid manifest: \(reason)"
        case .invalidReference(let reason): return "invalid image reference: \(reason)"
        case .registry(let status, let reason): return "registry answered \(status): \(reason)"
        case .transport(let reason): return "registry unreachable: \(reason)"
        case .contentMismatch(let reason): return "content mismatch: \(reason)"
        case .credentials(let reason): return "cannot read credentials: \(reason)"
        }
    }
}

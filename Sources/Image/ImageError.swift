/// Errors raised while reading an image: its transport, layout, manifests and layers.
public enum ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The image reference does not follow any known transport syntax.
    case invalidReference(String)
    /// The transport is known but this build cannot read it yet.
    case unsupportedTransport(String)
    /// A file of the image cannot be opened or read.
    case io(path: String, reason: String)
    /// The image's layout, index, manifest or config is malformed.
    case invalidImage(subject: String, reason: String)
    /// No manifest in an index matches the requested reference or platform.
    case notFound(subject: String, reason: String)
    /// A blob does not hash to the digest that names it.
    case digestMismatch(subject: String, expected: String, actual: String)
    /// A layer uses a media type or compression this reader does not know.
    case unsupportedMediaType(subject: String, mediaType: String)
    /// A compressed stream is corrupt or ends early.
    case corruptStream(subject: String, reason: String)
    /// A tar stream is malformed or ends early.
    case corruptTar(subject: String, reason: String)

    public var description: String {
        switch self {
        case .invalidReference(let reference):
            return "invalid image reference '\(reference.prefix(200))': expected oci:PATH[:REF], "
                + "oci-archive:PATH, docker-archive:PATH, dir:PATH or docker://HOST/REPO[:TAG|@DIGEST]"
        case .unsupportedTransport(let reason): return reason
        case .io(let path, let reason): return "cannot read '\(path)': \(reason)"
        case .invalidImage(let subject, let reason): return "\(subject): \(reason)"
        case .notFound(let subject, let reason): return "\(subject): \(reason)"
        case .digestMismatch(let subject, let expected, let actual):
            return "\(subject): content has digest \(actual), expected \(expected)"
        case .unsupportedMediaType(let subject, let mediaType):
            return "\(subject): unsupported media type '\(mediaType.prefix(200))'"
        case .corruptStream(let subject, let reason): return "\(subject): corrupt compressed stream: \(reason)"
        case .corruptTar(let subject, let reason): return "\(subject): corrupt tar stream: \(reason)"
        }
    }
}

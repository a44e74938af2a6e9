import BerthCore

/// A reference to an image in a registry: `[host[:port]/]repository[:tag][@digest]`.
///
/// Parsed the way Docker and containers/image do: a first component with a `.` or `:`, or equal to
/// `localhost`, is the registry host; otherwise the host is Docker Hub and one-component names live
/// under `library/`.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// The registry host as clients address it (`docker.io` for Docker Hub).
    public var host: String
    /// The repository inside the registry.
    public var repository: String
    /// The tag, when the reference names one.
    public var tag: String?
    /// The digest, when the reference pins one.
    public var digest: Digest?

    /// Docker Hub's canonical name and the host its API is served from.
    public static let dockerHub = "docker.io"
    static let dockerHubAPIHost = "registry-1.docker.io"

    /// Creates a reference from its parts; the repository and tag are validated.
    public init(host: String, repository: String, tag: String? = nil, digest: Digest? = nil) throws(OCIError) {
        try RepositoryName.validate(repository)
        if let tag { try Tag.validate(tag) }
        guard !host.isEmpty, !host.contains("/") else {
            throw OCIError.invalidReference("'\(host.prefix(100))' is not a registry host")
        }
        self.host = host
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// Parses `[host/]repository[:tag][@digest]`; a reference with neither tag nor digest gets `latest`.
    public init(parsing string: String) throws(OCIError) {
        var rest = Substring(string)
        if rest.hasPrefix("docker://") { rest = rest.dropFirst("docker://".count) }
        guard !rest.isEmpty, rest.utf8.count <= 512 else {
            throw OCIError.invalidReference("'\(string.prefix(100))' is empty or too long")
        }
        let parts = ImageName.split(rest)
        var digest: Digest?
        if let written = parts.digest { digest = try Digest(parsing: String(written)) }
        var tag = parts.tag.map(String.init)
        rest = parts.name
        var host = ImageReference.dockerHub
        if let slash = rest.firstIndex(of: "/") {
            let first = rest[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" {
                host = String(first)
                rest = rest[rest.index(after: slash)...]
            }
        }
        var repository = String(rest)
        if host == ImageReference.dockerHub && !repository.contains("/") { repository = "library/" + repository }
        if tag == nil && digest == nil { tag = "latest" }
        try self.init(host: host, repository: repository, tag: tag, digest: digest)
    }

    /// The tag or digest to ask the registry for: the digest when pinned.
    public var reference: String { digest?.description ?? tag ?? "latest" }

    /// The host the registry API is served from (Docker Hub's API lives on another name).
    public var apiHost: String { host == ImageReference.dockerHub ? ImageReference.dockerHubAPIHost : host }

    /// `host/repository`, the identity cosign payloads record.
    public var name: String { "\(host)/\(repository)" }

    /// The same image pinned to `digest` (the tag is kept for display).
    public func pinned(to digest: Digest) -> ImageReference {
        var copy = self
        copy.digest = digest
        return copy
    }

    public var description: String {
        var text = name
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }
}

/// An image reference as written in a Dockerfile, manifest or command line, split into repository
/// (with its registry host, lower-cased), tag and digest.
public struct ImageName: Sendable, Equatable {
    public var repository: String
    public var tag: String?
    public var digest: String?

    /// Splits `reference` as written, without judging it (see ``isWellFormed``).
    public init(_ reference: String) {
        let parts = Self.split(reference)
        repository = parts.name.lowercased()
        tag = parts.tag.map(String.init)
        digest = parts.digest.map(String.init)
    }

    /// `NAME[:TAG][@DIGEST]` split into its parts: the one place Berth cuts an image reference (the
    /// linter, the tag scheme and the registry client all start here). A `:` followed later by `/`
    /// belongs to a registry port, not a tag.
    public static func split(_ reference: some StringProtocol) -> (name: Substring, tag: Substring?, digest: Substring?)
    {
        var rest = Substring(reference)
        var digest: Substring?
        if let at = rest.firstIndex(of: "@") {
            digest = rest[rest.index(after: at)...]
            rest = rest[..<at]
        }
        var tag: Substring?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            tag = rest[rest.index(after: colon)...]
            rest = rest[..<colon]
        }
        return (rest, tag, digest)
    }

    /// False for text that cannot be an image reference at all (`/`, `:1.0`, `a//b`, `my image`),
    /// such as a chart rendered with its image values left empty: no rule can judge those.
    public var isWellFormed: Bool {
        let components = repository.split(separator: "/", omittingEmptySubsequences: false)
        guard !repository.isEmpty, !components.contains(where: \.isEmpty) else { return false }
        if let tag, tag.isEmpty || tag.contains(where: { !($0.isLetter || $0.isNumber || "._-".contains($0)) }) {
            return false
        }
        let hasHost = registry != nil
        for (index, component) in components.enumerated() {
            if index == 0 && hasHost {
                if component.contains(where: { !($0.isLetter || $0.isNumber || ".-:".contains($0)) }) { return false }
                continue
            }
            guard let first = component.first, let last = component.last, first.isLetter || first.isNumber,
                last.isLetter || last.isNumber,
                !component.contains(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0))) })
            else { return false }
        }
        return true
    }

    /// The registry host, when the first component names one (`registry.example.com/...`).
    public var registry: String? {
        guard let slash = repository.firstIndex(of: "/") else { return nil }
        let first = repository[..<slash]
        guard first.contains(".") || first.contains(":") || first == "localhost" else { return nil }
        return String(first)
    }
}

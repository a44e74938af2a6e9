import Foundation
import HTTPTypes
import OCI

/// A request to the `/v2/` API, parsed from its path.
public enum Route: Sendable, Equatable {
    case base
    case catalog
    case tags(name: String)
    case manifest(name: String, reference: String)
    case blob(name: String, digest: String)
    case uploads(name: String)
    case upload(name: String, id: String)
    case referrers(name: String, digest: String)

    /// The repository the request is about, if any.
    public var repository: String? {
        switch self {
        case .base, .catalog: return nil
        case .tags(let name), .manifest(let name, _), .blob(let name, _), .uploads(let name),
            .upload(let name, _), .referrers(let name, _):
            return name
        }
    }

    /// Parses a path below `/v2/`. Returns nil for paths that are not API endpoints; throws
    /// `NAME_INVALID` when the repository name breaks the grammar (which rules out traversal).
    public static func parse(path: String) throws(RegistryError) -> Route? {
        guard path == "/v2" || path.hasPrefix("/v2/") else { return nil }
        let rest = path.dropFirst(3)
        if rest.isEmpty || rest == "/" { return .base }
        var parts = rest.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map { part in
            String(part).removingPercentEncoding ?? String(part)
        }
        if parts == ["_catalog"] { return .catalog }
        // A trailing slash is only meaningful on the uploads collection.
        var trailingSlash = false
        if parts.last == "" {
            parts.removeLast()
            trailingSlash = true
        }
        guard parts.count >= 2 else { return nil }
        let last = parts[parts.count - 1]
        let second = parts[parts.count - 2]
        func name(dropping count: Int) throws(RegistryError) -> String {
            guard parts.count > count else { throw RegistryError(.notFound, .nameInvalid, "missing repository name") }
            let name = parts[0..<(parts.count - count)].joined(separator: "/")
            do {
                try RepositoryName.validate(name)
            } catch {
                throw RegistryError(
                    .badRequest, .nameInvalid, error.description, detail: ["name": String(name.prefix(300))])
            }
            return name
        }
        if last == "uploads" && second == "blobs" {
            return .uploads(name: try name(dropping: 2))
        }
        if trailingSlash { return nil }
        if parts.count >= 3 && second == "uploads" && parts[parts.count - 3] == "blobs" {
            return .upload(name: try name(dropping: 3), id: last)
        }
        switch second {
        case "manifests": return .manifest(name: try name(dropping: 2), reference: last)
        case "blobs": return .blob(name: try name(dropping: 2), digest: last)
        case "referrers": return .referrers(name: try name(dropping: 2), digest: last)
        case "tags" where last == "list": return .tags(name: try name(dropping: 2))
        default: return nil
        }
    }
}

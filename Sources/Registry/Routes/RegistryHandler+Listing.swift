import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OCI

/// Listing: the repository catalogue, tags and referrers.
extension RegistryHandler {
    func catalog(request: Request, context: RegistryRequestContext) async throws -> Response {
        let (n, last) = try pagination(request)
        let state = try await policy.security.current()
        let visible = try await storage.repositories().filter {
            policy.isAllowed(.pull, repository: $0, identity: context.identity, state: state)
        }
        let (page, more) = RegistryStorage.page(visible, after: last, limit: n)
        struct Body: Encodable { let repositories: [String] }
        var headers: HTTPFields = [:]
        if more, let n, let end = page.last { headers[.link] = link(path: "/v2/_catalog", n: n, last: end) }
        return json(encode(Body(repositories: page)), request: request, headers: headers)
    }

    func tags(name: String, request: Request) async throws -> Response {
        guard try await storage.repositoryExists(name) else { throw RegistryError.nameUnknown(name) }
        let (n, last) = try pagination(request)
        let (page, more) = try await storage.tagPage(name, after: last, limit: n)
        struct Body: Encodable {
            let name: String
            let tags: [String]
        }
        var headers: HTTPFields = [:]
        if more, let n, let end = page.last { headers[.link] = link(path: "/v2/\(name)/tags/list", n: n, last: end) }
        return json(encode(Body(name: name, tags: page)), request: request, headers: headers)
    }

    func referrers(name: String, digestString: String, request: Request) async throws -> Response {
        let subject = try parseDigest(digestString)
        var descriptors = try await storage.referrers(name, subject: subject)
        // Manifests listed under the fallback tag schema (`<alg>-<hex>`) count too.
        if let fallback = try await storage.resolveTag(name, subject.tagForm),
            let (stored, data) = try await storage.manifestContent(name, digest: fallback),
            MediaType.isIndex(stored.mediaType),
            let index = try? ManifestParser.parse(data, contentType: stored.mediaType)
        {
            let known = Set(descriptors.map(\.digest))
            descriptors += index.manifests.filter { !known.contains($0.digest) }
        }
        var headers: HTTPFields = [:]
        if let filter = request.uri.queryParameters.get("artifactType") {
            descriptors = descriptors.filter { $0.artifactType == filter }
            headers[.ociFiltersApplied] = "artifactType"
        }
        descriptors.sort { $0.digest < $1.digest }
        struct Index: Encodable {
            let schemaVersion = 2
            let mediaType = MediaType.ociIndex
            let manifests: [Descriptor]
        }
        var response = json(encode(Index(manifests: descriptors)), request: request, headers: headers)
        response.headers[.contentType] = MediaType.ociIndex
        return response
    }
}

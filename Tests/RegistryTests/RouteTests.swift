import Testing

@testable import Registry

@Suite struct RouteTests {
    @Test func parsesEveryEndpointShape() throws {
        #expect(try Route.parse(path: "/v2/") == .base)
        #expect(try Route.parse(path: "/v2") == .base)
        #expect(try Route.parse(path: "/v2/_catalog") == .catalog)
        #expect(try Route.parse(path: "/v2/a/b/tags/list") == .tags(name: "a/b"))
        #expect(try Route.parse(path: "/v2/a/manifests/v1") == .manifest(name: "a", reference: "v1"))
        #expect(try Route.parse(path: "/v2/a/blobs/sha256:x") == .blob(name: "a", digest: "sha256:x"))
        #expect(try Route.parse(path: "/v2/a/b/blobs/uploads/") == .uploads(name: "a/b"))
        #expect(try Route.parse(path: "/v2/a/blobs/uploads") == .uploads(name: "a"))
        #expect(try Route.parse(path: "/v2/a/blobs/uploads/123") == .upload(name: "a", id: "123"))
        #expect(try Route.parse(path: "/v2/a/referrers/sha256:x") == .referrers(name: "a", digest: "sha256:x"))
        #expect(try Route.parse(path: "/v2/a/blobs/blobs/sha256:x") == .blob(name: "a/blobs", digest: "sha256:x"))
        #expect(try Route.parse(path: "/v2/a/unknown/x") == nil)
        #expect(try Route.parse(path: "/other") == nil)
    }

    @Test(arguments: [
        "/v2/../etc/manifests/x", "/v2/a/..%2F..%2Fetc/blobs/sha256:x", "/v2/A/tags/list", "/v2//x/manifests/y",
    ])
    func rejectsTraversalAndInvalidNames(_ path: String) {
        #expect(throws: RegistryError.self) { try Route.parse(path: path) }
    }
}

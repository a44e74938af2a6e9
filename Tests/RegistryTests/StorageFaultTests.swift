import Foundation
import HTTPTypes
import OCI
import ObjectStoreTestSupport
import TestSupport
import Testing

@testable import Registry

/// The object store fails under a registry: clients get retryable errors in the OCI body, nothing
/// acknowledged is lost, and an upload carries on where it was once the store is back.
@Suite struct StorageFaultTests {
    /// "unreachable": nothing listens at the store's address during the outage.
    @Test(arguments: ["503", "500", "drop", "unreachable"])
    func objectStoreOutageAnswersRetryableErrorsAndUploadsResume(fault: String) async throws {
        guard Tool.find("weed") != nil else {
            if Environment.isCI { Issue.record("weed (SeaweedFS) is required under CI") }
            return
        }
        let server = try await SharedObjectStore.get()
        let proxies = ProxyBox(try FaultProxy(upstreamPort: server.s3Port, faults: []))
        defer { proxies.current.stop() }
        let proxy = proxies.current
        try await withRegistry(
            storage: .objectStore,
            configure: { configuration in
                // Through the proxy: the same store, with outages switched on and off by the test.
                configuration.storage = configuration.storage?.replacingOccurrences(
                    of: "127.0.0.1:\(server.s3Port)", with: "127.0.0.1:\(proxy.port)")
            }
        ) { client, _ in
            let api = API(client: client)
            let before = try await api.pushImage("faults/app", reference: "v1", layers: [randomData(3000)])
            let blob = randomData(300_000)
            let digest = Digest.of(blob)
            let start = try await api.request(.post, "/v2/faults/app/blobs/uploads/")
            #expect(start.status == .accepted)
            var location = try #require(start.header("Location"))
            let first = try await api.request(
                .patch, location, headers: ["Content-Range": "0-99999", "Content-Type": "application/octet-stream"],
                body: blob.prefix(100_000))
            #expect(first.status == .accepted)
            location = try #require(first.header("Location"))

            if fault == "unreachable" { proxy.stop() } else { try proxy.setOutage(fault) }
            let failed = try await api.request(
                .patch, location,
                headers: ["Content-Range": "100000-199999", "Content-Type": "application/octet-stream"],
                body: blob[100_000..<200_000])
            #expect(failed.status == .serviceUnavailable, "a chunk during the outage: \(failed.status)")
            #expect(failed.errorCode == "UNAVAILABLE")
            #expect(failed.header("Retry-After") == "1")
            let pull = try await api.request(.get, "/v2/faults/app/manifests/v1")
            #expect(pull.status == .serviceUnavailable && pull.errorCode == "UNAVAILABLE")
            let push = try await api.request(
                .put, "/v2/faults/app/manifests/v2", headers: ["Content-Type": MediaType.ociManifest],
                body: before.data)
            #expect(push.status == .serviceUnavailable && push.errorCode == "UNAVAILABLE")
            if fault == "unreachable" {
                proxies.current = try FaultProxy(upstreamPort: server.s3Port, faults: [], port: proxy.port)
            } else {
                try proxy.setOutage(nil)
            }

            // The failed chunk left nothing behind: the upload still has the first 100,000 bytes.
            let status = try await api.request(.get, location)
            #expect(status.status == .noContent)
            #expect(status.header("Range") == "0-99999")
            let again = try await api.request(
                .patch, location,
                headers: ["Content-Range": "100000-199999", "Content-Type": "application/octet-stream"],
                body: blob[100_000..<200_000])
            #expect(again.status == .accepted)
            location = try #require(again.header("Location"))
            let finish = try await api.request(
                .put, "\(location)?digest=\(digest)",
                headers: ["Content-Range": "200000-299999", "Content-Type": "application/octet-stream"],
                body: blob.suffix(from: 200_000))
            #expect(finish.status == .created)
            let fetched = try await api.request(.get, "/v2/faults/app/blobs/\(digest)")
            #expect(fetched.status == .ok && fetched.data == blob)
            // What was acknowledged before the outage is all there.
            let manifest = try await api.request(.get, "/v2/faults/app/manifests/v1")
            #expect(manifest.status == .ok && manifest.data == before.data)
            if fault != "unreachable" {
                #expect(proxy.requests.contains { $0.hasSuffix(" \(fault)") }, "the proxy injected \(fault)")
            }
        }
    }
}

/// The fault proxy in use (a new one replaces a stopped one at the same port).
final class ProxyBox: @unchecked Sendable {
    var current: FaultProxy
    init(_ proxy: FaultProxy) { current = proxy }
}

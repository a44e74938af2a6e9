import Foundation
import NIOCore
import OCI
import Testing

@testable import Registry

/// Blob bodies on a live plain-HTTP server go out through sendfile; the in-process router and TLS
/// keep the buffered reader. Both must give the same bytes, headers and ranges.
// On the file system only: sendfile serves local files.
@Suite(.serialized) struct SendfileTests {
    /// Pushes a blob, fetches it whole and by ranges, and returns its digest.
    @discardableResult
    func exercise(_ api: API) async throws -> Digest {
        let layer = randomData(3 * 1024 * 1024 + 17)
        let digest = try await api.pushBlob("team/app", layer)
        for _ in 0..<3 {  // several responses on one keep-alive connection
            let full = try await api.request(.get, "/v2/team/app/blobs/\(digest)")
            #expect(full.status == .ok)
            #expect(full.data == layer)
            #expect(full.header("Content-Length") == String(layer.count))
            #expect(full.header("Docker-Content-Digest") == digest.description)
            #expect(full.header(Sendfile.headerName) == nil)
        }
        let range = try await api.request(
            .get, "/v2/team/app/blobs/\(digest)", headers: ["Range": "bytes=1048570-2097160"])
        #expect(range.status == .partialContent)
        #expect(range.data == layer[1_048_570...2_097_160])
        #expect(range.header("Content-Range") == "bytes 1048570-2097160/\(layer.count)")
        #expect(range.header("Content-Length") == "1048591")
        let suffix = try await api.request(.get, "/v2/team/app/blobs/\(digest)", headers: ["Range": "bytes=-5"])
        #expect(suffix.data == layer.suffix(5))
        let head = try await api.request(.head, "/v2/team/app/blobs/\(digest)")
        #expect(head.status == .ok)
        #expect(head.header("Content-Length") == String(layer.count))
        #expect(head.data.isEmpty)
        // A small JSON response after the file region on the same connection is intact.
        let tags = try await api.request(.get, "/v2/team/app/tags/list")
        #expect(tags.status == .ok)
        return digest
    }

    /// File regions the server wrote for `digest`'s blob file under this server's own root.
    func regions(_ services: RegistryServices, _ digest: Digest) -> Int {
        let path = services.storage.root + "/" + services.storage.blobPath(digest)
        return Sendfile.regionsByPath.withLockedValue { $0?[path] ?? 0 }
    }

    @Test func liveServerServesBlobsAndRangesThroughSendfile() async throws {
        Sendfile.regionsByPath.withLockedValue { if $0 == nil { $0 = [:] } }
        Sendfile.threshold.withLockedValue { $0 = 0 }
        defer { Sendfile.threshold.withLockedValue { $0 = System.coreCount } }
        try await withRegistry(live: true, storages: [.fileSystem]) { client, services in
            let digest = try await exercise(API(client: client))
            // Three full GETs, two ranges: five bodies, each one file region of this server's blob.
            #expect(regions(services, digest) == 5)
        }
    }

    @Test func liveServerUsesTheBufferedReaderWhileCoresAreFree() async throws {
        Sendfile.regionsByPath.withLockedValue { if $0 == nil { $0 = [:] } }
        try await withRegistry(live: true, storages: [.fileSystem]) { client, services in
            let digest = try await exercise(API(client: client))
            #expect(regions(services, digest) == 0, "no body went out through sendfile")
        }
    }

    @Test func routerServesTheSameBytesThroughTheBufferedReader() async throws {
        Sendfile.regionsByPath.withLockedValue { if $0 == nil { $0 = [:] } }
        try await withRegistry(storages: [.fileSystem]) { client, services in
            let digest = try await exercise(API(client: client))
            #expect(regions(services, digest) == 0)
        }
    }

    @Test func headerValueRoundTripsAndRejectsGarbage() {
        let value = Sendfile.value(path: "/data/blobs/sha256/ab/abcd", range: 10...19)
        let parsed = Sendfile.parse(value)
        #expect(parsed != nil)
        #expect(parsed?.offset == 10)
        #expect(parsed?.length == 10)
        #expect(parsed?.path == "/data/blobs/sha256/ab/abcd")
        #expect(Sendfile.parse("x 1 /p") == nil)
        #expect(Sendfile.parse("0 0 /p") == nil)
        #expect(Sendfile.parse("-1 5 /p") == nil)
        #expect(Sendfile.parse("0 5") == nil)
    }
}

/// The load count behind the sendfile/buffered choice.
@Suite struct BodyLoadTests {
    final class Channel {}

    @Test func burstSeesItsOwnEarlierMembersAndClosedConnectionsRelease() {
        var load = BodyLoad()
        let a = ObjectIdentifier(Channel())
        let b = ObjectIdentifier(Channel())
        // Four requests decided before any body starts: the first two buffered, the rest sendfile.
        var choices: [Bool] = []
        for channel in [a, a, b, b] { choices.append(load.reserve(channel, threshold: 2)) }
        #expect(choices == [false, false, true, true])
        #expect(load.inFlight == 4)
        // Two bodies start and finish; connection b closes with its two never started.
        load.claim(a)
        load.claim(a)
        load.finish()
        load.finish()
        load.closed(b)
        #expect(load.inFlight == 0)
        // A body whose reservation was released before it started still balances its finish.
        _ = load.reserve(a, threshold: 2)
        load.closed(a)
        load.claim(a)
        #expect(load.inFlight == 1)
        load.finish()
        #expect(load.inFlight == 0)
        // Bodies on connections without reservations (TLS) count from their start.
        load.start()
        let busy = load.reserve(b, threshold: 1)
        #expect(busy)
        load.finish()
        load.claim(b)
        load.finish()
        #expect(load.inFlight == 0)
    }
}

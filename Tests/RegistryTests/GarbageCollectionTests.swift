import Foundation
import NIOCore
import OCI
import Testing

@testable import Registry

@Suite struct GarbageCollectionTests {
    /// Sets a blob's modification time into the past, as if it had been uploaded long ago.
    func age(_ storage: RegistryStorage, _ digest: OCI.Digest, seconds: Int) {
        var times = [
            timeval(tv_sec: time(nil) - seconds, tv_usec: 0), timeval(tv_sec: time(nil) - seconds, tv_usec: 0),
        ]
        _ = utimes(storage.root + "/" + storage.blobPath(digest), &times)
    }

    @Test func dryRunReportsAndDeleteRemovesOnlyGarbage() async throws {
        // Ages and corrupts blob files: the file system only (the object store has its own tests).
        try await withRegistry(storages: [.fileSystem]) { client, services in
            let api = API(client: client)
            let kept = try await api.pushImage("gc/app", reference: "v1", layers: [randomData(1000)])
            let orphan = try await api.pushBlob("gc/app", randomData(2000))
            let recentOrphan = try await api.pushBlob("gc/app", randomData(3000))
            let deleted = try await api.pushImage("gc/app", reference: "old", layers: [randomData(4000)])
            #expect(try await api.request(.delete, "/v2/gc/app/manifests/\(deleted.digest)").status == .accepted)
            let storage = services.storage
            let collector = GarbageCollector(storage: storage, gracePeriod: 3600)
            for digest in try await collector.allBlobs() where digest != recentOrphan {
                age(storage, digest, seconds: 7200)
            }

            let dry = try await collector.run(dryRun: true)
            #expect(dry.dryRun)
            #expect(dry.removedBlobs.contains(orphan))
            #expect(dry.removedBlobs.contains(deleted.digest))
            #expect(!dry.removedBlobs.contains(recentOrphan), "younger than the grace period")
            #expect(try await storage.blobSize(orphan) != nil, "a dry run removes nothing")

            let report = try await collector.run(dryRun: false)
            #expect(report.removedBlobs == dry.removedBlobs)
            #expect(try await storage.blobSize(orphan) == nil)
            #expect(try await !storage.repositoryHasBlob("gc/app", orphan), "links to removed blobs go too")
            #expect(try await storage.blobSize(recentOrphan) != nil)
            let manifest = try await api.request(.get, "/v2/gc/app/manifests/v1")
            #expect(manifest.data == kept.data)
            #expect(try await Scrubber(storage: storage).run().problems.isEmpty)
        }
    }

    @Test func collectionDuringConcurrentPushesKeepsEveryAcknowledgedImage() async throws {
        // Ages the garbage's file: the file system only (ReplicaTests collect on the object store while
        // another replica takes pushes).
        try await withRegistry(storages: [.fileSystem]) { client, services in
            let api = API(client: client)
            // Old garbage that the collector should remove while pushes run.
            let garbage = try await api.pushBlob("gc/busy", randomData(5000))
            let collector = GarbageCollector(storage: services.storage, gracePeriod: 30)
            age(services.storage, garbage, seconds: 3600)
            let images = try await withThrowingTaskGroup(of: (String, Data)?.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        let image = try await api.pushImage(
                            "gc/busy", reference: "t\(index)", layers: [randomData(2000 + index)])
                        return ("t\(index)", image.data)
                    }
                }
                group.addTask {
                    for _ in 0..<20 {
                        _ = try await collector.run(dryRun: false)
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    return nil
                }
                var result: [(String, Data)] = []
                for try await image in group { if let image { result.append(image) } }
                return result
            }
            #expect(images.count == 30)
            for (tag, data) in images {
                let manifest = try await api.request(.get, "/v2/gc/busy/manifests/\(tag)")
                #expect(manifest.data == data)
            }
            #expect(try await services.storage.blobSize(garbage) == nil)
            #expect(try await Scrubber(storage: services.storage).run().problems.isEmpty)
        }
    }

    /// Calls `hook` after each exclusive section of the lock it wraps.
    struct HookedLock: ContentLock {
        let inner: any ContentLock
        let hook: @Sendable () async throws -> Void

        func withLock<T: Sendable>(
            exclusive: Bool, serialising key: String?, _ body: @Sendable () async throws -> T
        ) async throws -> T {
            let result = try await inner.withLock(exclusive: exclusive, serialising: key, body)
            if exclusive { try await hook() }
            return result
        }
    }

    @Test func manifestPushedWhileTheCollectorMarksKeepsItsOldBlobs() async throws {
        // Ages blob files: the file system only.
        try await withRegistry(storages: [.fileSystem]) { client, services in
            let api = API(client: client)
            // Blobs uploaded long ago whose manifest arrives only once the collection has begun:
            // until then they look like garbage.
            let config = Data(#"{"architecture":"amd64","os":"linux"}"#.utf8)
            let layer = randomData(3000)
            let configDigest = try await api.pushBlob("gc/late", config)
            let layerDigest = try await api.pushBlob("gc/late", layer)
            let garbage = try await api.pushBlob("gc/late", randomData(4000))
            for digest in [configDigest, layerDigest, garbage] { age(services.storage, digest, seconds: 3600) }
            let manifest = Data(
                """
                {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)",\
                "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(configDigest)","size":\(config.count)},\
                "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\(layerDigest)","size":\(layer.count)}]}
                """.utf8)
            let statuses = Collected<Int>()
            // The first exclusive section is the collector's barrier: the push runs between it and the
            // sweep, while the collector marks, and must be acknowledged then.
            let lock = HookedLock(inner: services.storage.lock) {
                guard statuses.isEmpty else { return }
                let response = try await api.request(
                    .put, "/v2/gc/late/manifests/v1", headers: ["Content-Type": MediaType.ociManifest],
                    body: manifest)
                statuses.append(response.status.code)
            }
            let storage = RegistryStorage(root: services.storage.root, driver: services.storage.driver, lock: lock)
            let report = try await GarbageCollector(storage: storage, gracePeriod: 60).run(dryRun: false)
            #expect(statuses.all == [201], "the push during the collection was acknowledged")
            #expect(report.removedBlobs == [garbage])
            #expect(try await services.storage.blobSize(layerDigest) == Int64(layer.count))
            #expect(try await services.storage.blobSize(configDigest) == Int64(config.count))
            #expect(try await api.request(.get, "/v2/gc/late/manifests/v1").data == manifest)
            #expect(try await Scrubber(storage: services.storage).run().problems.isEmpty)
        }
    }

    @Test(.timeLimit(.minutes(1))) func waitingForTheContentLockBlocksNoThread() async throws {
        // Pushes waiting while a collection holds the lock must not take the thread pool the
        // collection (and every file operation of the process) needs: more waiters than the pool has
        // threads, and the holder still gets its file work done.
        let root = TemporaryRoot()
        defer { root.cleanup() }
        let lock = StorageLock(root: root.path)
        let waiting = 4 * System.coreCount + 4
        let done = try await lock.withLock(exclusive: true) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<waiting {
                    group.addTask { try await lock.withLock(exclusive: false) {} }
                }
                try await Task.sleep(for: .milliseconds(200))
                let written = try await Blocking.run {
                    FileManager.default.createFile(atPath: root.path + "/x", contents: nil)
                }
                group.cancelAll()
                return written
            }
        }
        #expect(done)
        // Once released, shared holders get in together and an exclusive one after them.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<waiting { group.addTask { try await lock.withLock(exclusive: false) {} } }
            group.addTask { try await lock.withLock(exclusive: true) {} }
            try await group.waitForAll()
        }
    }

    @Test func scrubFindsCorruptBlobs() async throws {
        // Ages and corrupts blob files: the file system only (the object store has its own tests).
        try await withRegistry(storages: [.fileSystem]) { client, services in
            let api = API(client: client)
            let image = try await api.pushImage("scrub/app", reference: "v1", layers: [randomData(100)])
            #expect(try await Scrubber(storage: services.storage).run().problems.isEmpty)
            let summary = try ManifestParser.parse(image.data, contentType: MediaType.ociManifest)
            let layer = try #require(summary.layers.first)
            let path = services.storage.root + "/" + services.storage.blobPath(layer.digest)
            try Data(repeating: 0, count: 100).write(to: URL(fileURLWithPath: path))
            let report = try await Scrubber(storage: services.storage).run()
            #expect(report.problems.map(\.subject) == [layer.digest.description])
            try FileManager.default.removeItem(atPath: path)
            let problems = try await Scrubber(storage: services.storage).run().problems
            #expect(problems.contains { $0.reason.contains("missing blob") })
        }
    }

    @Test func scrubHashesInParallelAndReportsProgress() async throws {
        // Ages and corrupts blob files: the file system only (the object store has its own tests).
        try await withRegistry(storages: [.fileSystem]) { client, services in
            let api = API(client: client)
            var layers: [Data] = []
            for size in [10, 2_000, 70_000, 300_000, 1] { layers.append(randomData(size)) }
            let image = try await api.pushImage("scrub/many", reference: "v1", layers: layers)
            let summary = try ManifestParser.parse(image.data, contentType: MediaType.ociManifest)
            // Corrupt two blobs: both are found, in the order the blobs are listed.
            let corrupt = [summary.layers[1].digest, summary.layers[3].digest]
            for digest in corrupt {
                try Data(repeating: 7, count: 10).write(
                    to: URL(fileURLWithPath: services.storage.root + "/" + services.storage.blobPath(digest)))
            }
            let calls = Calls()
            let report = try await Scrubber(storage: services.storage).run { done, total, bytes in
                calls.append((done, total, bytes))
            }
            let blobs = try await GarbageCollector(storage: services.storage).allBlobs()
            let total = report.blobsChecked
            #expect(total == 7 && blobs.count == 7)  // five layers, the config and the manifest
            #expect(calls.all.map(\.0) == Array(1...total))
            #expect(calls.all.allSatisfy { $0.1 == total })
            var bytes: Int64 = 0
            for blob in blobs { bytes += try await services.storage.blobSize(blob) ?? 0 }
            #expect(calls.all.last?.2 == bytes)
            #expect(Set(report.problems.map(\.subject)) == Set(corrupt.map(\.description)))
            let order = blobs.map(\.description)
            #expect(report.problems.map(\.subject) == order.filter { Set(corrupt.map(\.description)).contains($0) })
        }
    }
}

/// Progress calls, recorded from the scrubber's threads.
final class Calls: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [(Int, Int, Int64)] = []
    var all: [(Int, Int, Int64)] { lock.withLock { stored } }
    func append(_ call: (Int, Int, Int64)) { lock.withLock { stored.append(call) } }
}

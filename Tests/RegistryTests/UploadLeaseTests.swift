import Foundation
import OCI
import RegistryMetadata
import Testing

@testable import Registry

/// Upload sessions and garbage-collection runs kept in the metadata database, as several replicas
/// see them (here: storages sharing one root and one SQLite file, each with its own connections).
@Suite struct UploadLeaseTests {
    static let database = "sqlite:state/metadata.db?busy_timeout=120"

    /// Another process's view of the registry's storage: the same content, its own database connections.
    func replica(of storage: RegistryStorage, lock: (any ContentLock)? = nil) async throws -> RegistryStorage {
        let metadata = try await MetadataStore.open("sqlite:\(storage.root)/state/metadata.db?busy_timeout=120")
        return RegistryStorage(
            root: storage.root, driver: storage.driver, lock: lock ?? storage.lock, metadata: metadata)
    }

    /// Begins an upload session in `repository`: its location and id.
    func startUpload(_ api: API, _ repository: String) async throws -> (location: String, id: String) {
        let start = try await api.request(.post, "/v2/\(repository)/blobs/uploads/")
        let location = try #require(start.header("Location"))
        return (location, try #require(location.split(separator: "/").last.map(String.init)))
    }

    @Test("a session one replica writes to is busy on every other until released; its record follows the bytes")
    func sessionLease() async throws {
        try await withRegistry(storage: .fileSystem, configure: { $0.database = Self.database }) { client, services in
            let api = API(client: client)
            let (location, id) = try await startUpload(api, "lease/app")
            let other = try await replica(of: services.storage)
            let (a, b) = (UploadSessions(storage: services.storage), UploadSessions(storage: other))
            let held = try #require(try await a.lease(id, repository: "lease/app"))
            #expect(try await b.lease(id, repository: "lease/app") == nil, "another replica holds it")
            #expect(try await a.lease(id, repository: "lease/app") == nil, "another request holds it")
            let refused = try await api.request(
                .patch, location, headers: ["Content-Type": "application/octet-stream"], body: randomData(100))
            #expect(refused.status == .rangeNotSatisfiable)
            #expect(refused.text.contains("busy"))
            #expect(try await other.metadata?.uploadSession(id)?.held(at: MetadataClock.now()) == true)
            await a.release(held, state: UploadState(size: 0, version: "0"))
            // Released, the server's own request may write; the record notes what it has.
            let chunk = randomData(1000)
            let patch = try await api.request(
                .patch, location, headers: ["Content-Type": "application/octet-stream"], body: chunk)
            #expect(patch.status == .accepted)
            let record = try #require(try await other.metadata?.uploadSession(id))
            #expect(record.received == 1000 && record.holder == nil && record.repository == "lease/app")
            let taken = try #require(try await b.lease(id, repository: "lease/app"))
            #expect(taken.hasher.count == 1000, "the other replica rebuilt the running hash from the data")
            await b.release(taken, state: nil)
            let digest = Digest.of(chunk)
            let put = try await api.request(.put, "\(location)?digest=\(digest)")
            #expect(put.status == .created)
            #expect(try await other.metadata?.uploadSession(id) == nil, "a finished session's record goes")
            await other.metadata?.close()
        }
    }

    @Test("a session in another repository or unknown to the database is unknown")
    func unknownSessions() async throws {
        try await withRegistry(storage: .fileSystem, configure: { $0.database = Self.database }) { client, services in
            let api = API(client: client)
            let (location, id) = try await startUpload(api, "lease/app")
            let sessions = UploadSessions(storage: services.storage)
            await #expect(throws: RegistryError.self) { _ = try await sessions.lease(id, repository: "lease/other") }
            let status = try await api.request(.get, "/v2/lease/other/blobs/uploads/\(id)")
            #expect(status.status == .notFound)
        }
    }

    @Test("one collection at a time across replicas; pushes while it marks add to its marks, which the sweep keeps")
    func collectionRuns() async throws {
        try await withRegistry(storage: .fileSystem, configure: { $0.database = Self.database }) { client, services in
            let api = API(client: client)
            let storage = services.storage
            let metadata = try #require(storage.metadata)
            let orphan = try await api.pushBlob("gc/marks", randomData(2000))
            GarbageCollectionTests().age(storage, orphan, seconds: 7200)

            // Another replica's collection is running: this one refuses to begin.
            _ = try await metadata.beginCollection(
                id: "elsewhere", holder: "host-b:7/gc", dryRun: false, now: MetadataClock.now(),
                until: MetadataClock.now() + 60)
            await #expect(throws: MetadataStore.CollectionRunning.self) {
                _ = try await GarbageCollector(storage: storage, gracePeriod: 60).run(dryRun: false)
            }
            try await metadata.finishCollection("elsewhere", now: MetadataClock.now(), outcome: "completed")

            // A replica's push uses the old blob while the collector marks; its file's time is
            // not moved (as on a store whose clock lags), so only the run's marks keep it.
            let pushed = Collected<Int>()
            let lock = GarbageCollectionTests.HookedLock(inner: storage.lock) {
                guard pushed.isEmpty else { return }
                let other = try await replica(of: storage)
                try await other.markInUse([orphan])
                await other.metadata?.close()
                pushed.append(1)
            }
            let hooked = RegistryStorage(root: storage.root, driver: storage.driver, lock: lock, metadata: metadata)
            let kept = try await GarbageCollector(storage: hooked, gracePeriod: 60).run(dryRun: false)
            #expect(pushed.all == [1])
            #expect(kept.removedBlobs.isEmpty, "a blob marked in use during the run stays")
            #expect(try await storage.blobSize(orphan) == 2000)

            let removed = try await GarbageCollector(storage: storage, gracePeriod: 60).run(dryRun: false)
            #expect(removed.removedBlobs == [orphan], "unmarked in the next run, it goes")
            let runs = Dictionary(
                try await metadata.collections(limit: 10).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            #expect(runs.count == 3)
            let (keptRun, removedRun) = (try #require(kept.run), try #require(removed.run))
            let first = try #require(runs[keptRun])
            let second = try #require(runs[removedRun])
            #expect(first.outcome == "completed" && first.removedBlobs == 0 && first.referenced == 0)
            #expect(second.outcome == "completed" && second.removedBlobs == 1 && second.removedBytes == 2000)
            #expect(second.dryRun == false && second.finished != nil)
            #expect(try await metadata.markCount(second.id) == 0, "a finished run's marks go")
        }
    }

    @Test("expiry keeps a session a request holds, however old, and removes idle ones and leftovers")
    func uploadExpiry() async throws {
        try await withRegistry(storage: .fileSystem, configure: { $0.database = Self.database }) { client, services in
            let api = API(client: client)
            let storage = services.storage
            let metadata = try #require(storage.metadata)
            var ids: [String] = []
            for _ in 0..<3 {
                ids.append(try await startUpload(api, "expiry/app").id)
            }
            let sessions = UploadSessions(storage: storage)
            let held = try #require(try await sessions.lease(ids[0], repository: "expiry/app"))
            // A record whose data is gone, and data whose record is gone (a process killed between the two).
            try await storage.driver.removeUpload(ids[1])
            #expect(try await metadata.removeUploadSession(ids[2]))
            let collector = GarbageCollector(storage: storage, gracePeriod: 0, uploadExpiry: 0)
            let later = Date().addingTimeInterval(5)
            #expect(try await collector.expireUploads(dryRun: true, now: later) == 2)
            #expect(try await collector.expireUploads(dryRun: false, now: later) == 2)
            #expect(try await metadata.uploadSessions().map(\.id) == [ids[0]])
            #expect(try await storage.driver.uploads().map(\.id) == [ids[0]])
            await sessions.release(held, state: nil)
        }
    }
}

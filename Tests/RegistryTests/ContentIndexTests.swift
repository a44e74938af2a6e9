import Foundation
import HTTPTypes
import OCI
import RegistryMetadata
import Testing

@testable import Registry

@Suite("Tags and the content index in the metadata database")
struct ContentIndexTests {
    @Test("a registry that served without a database keeps its tags and quota use when it gets one")
    func importOnce() async throws {
        let root = TemporaryRoot()
        defer { root.cleanup() }
        let pushed = try await withRegistry(root: root, storage: .fileSystem) { client, _ in
            let api = API(client: client)
            let first = try await api.pushImage("wso2/is", reference: "7.1.0", layers: [randomData(3000)])
            let second = try await api.pushImage("wso2/am", reference: "4.5.0", layers: [randomData(2000)])
            let extra = try await api.request(
                .put, "/v2/wso2/is/manifests/latest", headers: ["Content-Type": MediaType.ociManifest],
                body: first.data)
            #expect(extra.status == .created)
            return (first.digest, second.digest)
        }
        try await withRegistry(
            root: root, storage: .fileSystem, configure: { $0.database = "sqlite:state/metadata.db?busy_timeout=120" }
        ) { client, services in
            let storage = services.storage
            let metadata = try #require(storage.metadata)
            #expect(try await metadata.storedValue(RegistryStorage.contentIndexMarker)?.hasPrefix("imported 2") == true)
            #expect(try await storage.importContentIndexIfNeeded() == nil)
            #expect(try await storage.tags("wso2/is") == ["7.1.0", "latest"])
            #expect(try await metadata.tag(repository: "wso2/am", name: "4.5.0") == pushed.1.description)
            let api = API(client: client)
            let pulled = try await api.request(
                .get, "/v2/wso2/is/manifests/7.1.0", headers: ["Accept": MediaType.ociManifest])
            #expect(pulled.status == .ok)
            #expect(pulled.header("Docker-Content-Digest") == pushed.0.description)
            let listed = try await api.request(.get, "/v2/wso2/is/tags/list")
            #expect(listed.text.contains("\"latest\""))

            // The index says what a walk of the store counts.
            let walked = try await PolicyEngine.usage(project: "wso2", storage: storage).bytes
            #expect(walked > 5000)
            #expect(try await PolicyEngine.usedBytes(project: "wso2", storage: storage) == walked)

            // A tag pushed now lives in the database only; the store's tag files keep the old state.
            try await api.pushImage("wso2/is", reference: "7.1.1", layers: [randomData(100)])
            #expect(try await metadata.tag(repository: "wso2/is", name: "7.1.1") != nil)
            #expect(try await !storage.driver.exists(storage.tagPath("wso2/is", "7.1.1")))
            let deleted = try await api.request(.delete, "/v2/wso2/is/manifests/latest")
            #expect(deleted.status == .accepted)
            #expect(try await storage.tags("wso2/is") == ["7.1.0", "7.1.1"])
            #expect(try await Scrubber(storage: storage).run().problems.isEmpty)
        }
    }

    @Test("a blob GET takes the index's word for a link; a HEAD, which a pushing client acts on, checks the store")
    func blobAnswersFromTheIndex() async throws {
        try await withRegistry(
            storage: .fileSystem, configure: { $0.database = "sqlite:state/metadata.db?busy_timeout=120" }
        ) { client, services in
            let metadata = try #require(services.storage.metadata)
            let api = API(client: client)
            let content = randomData(400)
            let digest = try await api.pushBlob("wso2/am", content)
            let linked = try await api.request(.head, "/v2/wso2/am/blobs/\(digest)")
            #expect(linked.status == .ok && linked.header("Content-Length") == "400")
            #expect(try await api.request(.head, "/v2/wso2/is/blobs/\(digest)").status == .notFound)

            // Recorded for wso2/is just before a link its process never wrote (it was killed).
            try await metadata.addContent([
                .init(repository: "wso2/is", project: "wso2", digest: digest.description, kind: .blob, size: 400)
            ])
            let get = try await api.request(.get, "/v2/wso2/is/blobs/\(digest)")
            #expect(get.status == .ok && get.data == content)
            // A 200 here would make a client skip the upload, and its manifest would then be refused.
            let head = try await api.request(.head, "/v2/wso2/is/blobs/\(digest)")
            #expect(head.status == .notFound)
            #expect(head.header("Content-Length") != "400")
        }
    }

    @Test("garbage collection brings the index in line with what it removed and what a killed process left")
    func collectionCorrectsTheIndex() async throws {
        try await withRegistry(
            storage: .fileSystem, configure: { $0.database = "sqlite:state/metadata.db?busy_timeout=120" }
        ) { client, services in
            let storage = services.storage
            let metadata = try #require(storage.metadata)
            let api = API(client: client)
            try await api.pushImage("wso2/is", reference: "7.1.0", layers: [randomData(700)])
            // A blob uploaded and never referenced: the collection removes it and its index entry.
            let orphan = try await api.pushBlob("wso2/is", randomData(900))
            // A link the index recorded just before its process was killed (content held, no link).
            let held = try await api.pushBlob("wso2/am", randomData(300))
            try await metadata.addContent([
                .init(repository: "wso2/is", project: "wso2", digest: held.description, kind: .blob, size: 300)
            ])
            let before = try await PolicyEngine.usedBytes(project: "wso2", storage: storage)
            let report = try await GarbageCollector(storage: storage, gracePeriod: 0).run(
                dryRun: false, now: Date().addingTimeInterval(5))
            #expect(report.removedBlobs.contains(orphan))
            #expect(report.indexCorrected == 1, "the entry without a link; the orphan's went with its unlink")
            #expect(try await !metadata.projectHolds(project: "wso2", digest: orphan.description))
            #expect(try await PolicyEngine.usedBytes(project: "wso2", storage: storage) < before)
            #expect(
                try await PolicyEngine.usedBytes(project: "wso2", storage: storage)
                    == PolicyEngine.usage(project: "wso2", storage: storage).bytes)
            #expect(try await Scrubber(storage: storage).run().problems.isEmpty)
        }
    }

    @Test("scrub reports where the index and the store differ, and --reindex repairs it")
    func driftAndRepair() async throws {
        try await withRegistry(
            storage: .fileSystem, configure: { $0.database = "sqlite:state/metadata.db?busy_timeout=120" }
        ) { client, services in
            let storage = services.storage
            let metadata = try #require(storage.metadata)
            let image = try await API(client: client).pushImage(
                "wso2/is", reference: "7.1.0", layers: [randomData(500)])
            let before = try await PolicyEngine.usedBytes(project: "wso2", storage: storage)
            #expect(try await Scrubber(storage: storage).run().problems.isEmpty)

            // One entry lost (a crash between the store's write and the index's would lose none:
            // the index is written first), one entry for content the repository does not hold.
            #expect(
                try await metadata.removeContent(
                    repository: "wso2/is", digest: image.digest.description, kind: .manifest))
            try await metadata.addContent([
                .init(
                    repository: "wso2/gone", project: "wso2", digest: "sha256:" + String(repeating: "0", count: 64),
                    kind: .blob, size: 99)
            ])
            let report = try await Scrubber(storage: storage).run()
            #expect(report.problems.count == 2, "\(report.problems)")
            #expect(
                report.problems.contains {
                    $0.subject == "wso2/is@\(image.digest)" && $0.reason.contains("missing from")
                })
            #expect(report.problems.contains { $0.subject.hasPrefix("wso2/gone@") && $0.reason.contains("not held") })
            #expect(try await PolicyEngine.usedBytes(project: "wso2", storage: storage) != before)

            // A dry-run collection counts what it would correct and changes nothing.
            let dry = try await GarbageCollector(storage: storage, gracePeriod: 0).run(dryRun: true)
            #expect(dry.indexCorrected == 2)
            #expect(try await Scrubber(storage: storage).run().problems.count == 2)

            let repaired = try await Scrubber(storage: storage, reindex: true).run()
            #expect(repaired.problems.isEmpty)
            #expect(repaired.indexDrift == 2)
            #expect(try await PolicyEngine.usedBytes(project: "wso2", storage: storage) == before)
            #expect(try await Scrubber(storage: storage).run().problems.isEmpty)
        }
    }
}

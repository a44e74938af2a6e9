import Foundation
import RegistryMetadata
import Testing

@Suite("Upload sessions and garbage-collection runs on SQLite and PostgreSQL")
struct CollectionRecordTests {
    @Test(
        "one request of one process at a time holds an upload session; a lease that runs out is free",
        arguments: Engine.allCases)
    func uploadLeases(engine: Engine) async throws {
        try await withFixture(engine) { fixture in
            let stores = try await fixture.stores(2)
            let (a, b) = (stores[0], stores[1])
            try await a.createUploadSession(id: "u1", repository: "p/r", algorithm: "sha256", now: 100)
            #expect(
                try await b.leaseUploadSession("u1", repository: "q/r", holder: "b", now: 101, until: 131) == .unknown)
            #expect(
                try await b.leaseUploadSession("u2", repository: "p/r", holder: "b", now: 101, until: 131) == .unknown)
            guard
                case .taken(let taken) = try await a.leaseUploadSession(
                    "u1", repository: "p/r", holder: "a", now: 101, until: 131)
            else {
                Issue.record("the free session was not leased")
                return
            }
            #expect(taken.holder == "a" && taken.leaseUntil == 131)
            guard
                case .busy(let held) = try await b.leaseUploadSession(
                    "u1", repository: "p/r", holder: "b", now: 120, until: 150)
            else {
                Issue.record("a held session was leased twice")
                return
            }
            #expect(held.holder == "a")
            // Renewed, it stays a's past the first end; b cannot renew what it does not hold.
            #expect(try await a.renewUploadSession("u1", holder: "a", until: 170))
            #expect(try await b.renewUploadSession("u1", holder: "b", until: 999) == false)
            #expect(
                try await b.leaseUploadSession("u1", repository: "p/r", holder: "b", now: 140, until: 170) != .unknown)
            if case .taken = try await b.leaseUploadSession("u1", repository: "p/r", holder: "b", now: 160, until: 190)
            {
                Issue.record("a renewed lease was taken over")
            }
            // a's process dies: once its lease has run out, b takes the session over.
            guard
                case .taken = try await b.leaseUploadSession(
                    "u1", repository: "p/r", holder: "b", now: 171, until: 201)
            else {
                Issue.record("a lease that ran out was not taken over")
                return
            }
            // a's late release changes nothing; b's release records the bytes and frees it.
            try await a.releaseUploadSession("u1", holder: "a", received: 5, now: 172)
            #expect(try await a.uploadSession("u1")?.holder == "b")
            try await b.releaseUploadSession("u1", holder: "b", received: 4096, now: 180)
            let released = try #require(try await a.uploadSession("u1"))
            #expect(released.holder == nil && released.received == 4096 && released.updated == 180)
            #expect(released.held(at: 180) == false)
            // Creating it again (a replica adopting it) keeps the record.
            try await b.createUploadSession(id: "u1", repository: "p/r", algorithm: "sha512", now: 190)
            #expect(try await a.uploadSession("u1")?.algorithm == "sha256")
            #expect(try await a.uploadSessions().map(\.id) == ["u1"])
            #expect(try await b.removeUploadSession("u1"))
            #expect(try await a.removeUploadSession("u1") == false)
            #expect(try await a.uploadSession("u1") == nil)
            for store in stores { await store.close() }
        }
    }

    @Test("concurrent requests from two processes: exactly one holds the session", arguments: Engine.allCases)
    func uploadLeaseRace(engine: Engine) async throws {
        try await withFixture(engine) { fixture in
            let stores = try await fixture.stores(2)
            for round in 0..<10 {
                try await stores[0].createUploadSession(id: "s\(round)", repository: "p/r", algorithm: "sha256", now: 1)
            }
            let taken = try await withThrowingTaskGroup(of: Int.self) { group in
                for (index, store) in stores.enumerated() {
                    for attempt in 0..<4 {
                        group.addTask {
                            var count = 0
                            for round in 0..<10 {
                                if case .taken = try await store.leaseUploadSession(
                                    "s\(round)", repository: "p/r", holder: "\(index)-\(attempt)", now: 10, until: 40)
                                {
                                    count += 1
                                }
                            }
                            return count
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(taken == 10)
            for store in stores { await store.close() }
        }
    }

    @Test(
        "a transaction whose task is cancelled part way commits all or nothing and leaves the database usable",
        arguments: Engine.allCases)
    func cancelledTransaction(engine: Engine) async throws {
        try await withFixture(engine) { fixture in
            let store = try await fixture.open()
            for round in 0..<3 {
                let task = Task {
                    try await store.database.transaction { connection in
                        try await connection.execute(
                            "INSERT INTO shared_values (name, value, created) VALUES (?, 'x', 0)", [.text("a\(round)")])
                        withUnsafeCurrentTask { $0?.cancel() }
                        try await connection.execute(
                            "INSERT INTO shared_values (name, value, created) VALUES (?, 'x', 0)", [.text("b\(round)")])
                    }
                }
                _ = await task.result
                let first = try await store.storedValue("a\(round)")
                let second = try await store.storedValue("b\(round)")
                #expect((first == nil) == (second == nil), "both or neither")
            }
            // The next transactions begin and commit as usual.
            #expect(try await store.sharedValue("after") { "made" } == "made")
            try await store.createUploadSession(id: "u", repository: "p/r", algorithm: "sha256", now: 1)
            #expect(try await store.uploadSession("u") != nil)
            await store.close()
        }
    }

    @Test("one collection runs at a time; a run whose holder died is closed as abandoned", arguments: Engine.allCases)
    func collections(engine: Engine) async throws {
        try await withFixture(engine) { fixture in
            let stores = try await fixture.stores(2)
            let (a, b) = (stores[0], stores[1])
            let first = try await a.beginCollection(
                id: "r1", holder: "host-a:1/gc", dryRun: false, now: 100, until: 160)
            #expect(first.running(at: 150))
            do {
                _ = try await b.beginCollection(id: "r2", holder: "host-b:2/gc", dryRun: true, now: 120, until: 180)
                Issue.record("a second collection began while one ran")
            } catch let refused as MetadataStore.CollectionRunning {
                #expect(refused.run.id == "r1")
                #expect(refused.description.contains("r1 by host-a:1/gc"))
            }
            // Marks from the run and from pushes while it runs; none once it has ended.
            try await a.markCollection("r1", digests: (0..<450).map { "sha256:\($0)" })
            try await b.markInUse(["sha256:pushed", "sha256:pushed", "sha256:1"], now: 130)
            #expect(try await a.markCount("r1") == 451)
            #expect(
                try await b.marked("r1", among: ["sha256:pushed", "sha256:449", "sha256:450", "sha256:other"])
                    == ["sha256:pushed", "sha256:449"])
            #expect(try await a.renewCollection("r1", holder: "host-a:1/gc", until: 200))
            #expect(try await b.renewCollection("r1", holder: "host-b:2/gc", until: 999) == false)
            // The holder stops renewing (killed): once its lease has run out, another run begins.
            try await b.markInUse(["sha256:late"], now: 201)
            #expect(try await b.marked("r1", among: ["sha256:late"]).isEmpty)
            _ = try await b.beginCollection(id: "r2", holder: "host-b:2/gc", dryRun: true, now: 201, until: 260)
            #expect(try await a.renewCollection("r1", holder: "host-a:1/gc", until: 300) == false)
            #expect(try await a.markCount("r1") == 0)
            try await b.markInUse(["sha256:x"], now: 210)
            try await b.finishCollection(
                "r2", now: 220, outcome: "completed", referenced: 3, removedBlobs: 1, removedBytes: 42)
            try await b.markInUse(["sha256:y"], now: 221)
            #expect(try await b.markCount("r2") == 0)
            let runs = try await a.collections(limit: 10)
            #expect(runs.map(\.id) == ["r2", "r1"])
            #expect(runs[0].outcome == "completed" && runs[0].removedBytes == 42 && runs[0].dryRun)
            #expect(runs[1].outcome == "abandoned" && runs[1].finished == 201)
            #expect(try await a.collections(limit: 1).count == 1)
            for store in stores { await store.close() }
        }
    }
}

import AsyncHTTPClient
import Foundation
import NIOCore
import OCI
import ObjectStoreTestSupport
import RegistryMetadata
import TestSupport
import Testing

@testable import Registry

/// Several `berth registry serve` processes on one object store (SeaweedFS) and one PostgreSQL,
/// each with a state root of its own: they must behave as one registry.
struct ReplicaSet {
    let executable: String
    /// `--storage`, `--database` and the credentials every replica gets.
    let arguments: [String]
    let environment: [String: String]
    let roots: [TemporaryRoot]
    /// The database of this set alone on the test server, dropped by `cleanup()`.
    let server: String
    let databaseName: String

    /// The set, or nil (a failure under CI) when SeaweedFS or PostgreSQL is missing.
    static func make(replicas: Int = 2) async throws -> ReplicaSet? {
        guard let executable = ServerProcess.required else { return nil }
        guard Tool.find("weed") != nil, let postgres = ProcessInfo.processInfo.environment["BERTH_TEST_POSTGRES"]
        else {
            if Environment.isCI { Issue.record("replica tests need weed and BERTH_TEST_POSTGRES under CI") }
            return nil
        }
        let (location, credentials) = try await SharedObjectStore.location()
        // A database of its own: users, projects and the audit log of one test are not another's.
        // Each push holds a pooled connection for its lock while it writes: room for a hundred at once.
        let (database, name) = try PostgresDatabases.create(
            on: postgres,
            query: [
                URLQueryItem(name: "max_connections", value: "40"), URLQueryItem(name: "lease_timeout", value: "120"),
            ])
        let roots = (0..<replicas).map { _ in TemporaryRoot() }
        return ReplicaSet(
            executable: executable, arguments: ["--storage", location, "--database", database],
            environment: credentials, roots: roots, server: postgres, databaseName: name)
    }

    func start(_ index: Int) async throws -> ServerProcess {
        try await ServerProcess(
            executable: executable, root: roots[index].path, extraArguments: arguments, environment: environment)
    }

    /// Runs `berth registry <arguments>` against replica `index`'s root and the shared storage.
    func command(_ index: Int, _ arguments: [String], timeout: Double = 300) async throws -> ProcessResult {
        try await run(
            executable, ["registry"] + arguments + ["--root", roots[index].path] + self.arguments,
            timeout: timeout, environment: environment)
    }

    func cleanup() {
        for root in roots { root.cleanup() }
        PostgresDatabases.drop(on: server, name: databaseName)
    }
}

@Suite(.serialized) struct ReplicaTests {
    /// Every acknowledged image from `base`: manifest by tag, every blob, byte for byte.
    func verify(_ base: String, _ acknowledged: [Acknowledged], _ label: String) async throws {
        let pusher = HTTPPusher(client: .shared, base: base)
        for image in acknowledged {
            let manifest = try await pusher.send(.GET, "/v2/\(image.repository)/manifests/\(image.tag)")
            #expect(
                manifest.status == 200 && manifest.body == image.manifest, "\(label): \(image.repository):\(image.tag)")
            for blob in image.blobs {
                let fetched = try await pusher.send(.GET, "/v2/\(image.repository)/blobs/\(Digest.of(blob))")
                #expect(fetched.status == 200 && fetched.body == blob, "\(label): blob of \(image.tag)")
            }
        }
    }

    /// The `kid` of a token `/token` issues.
    func tokenKeyID(_ base: String) async throws -> String? {
        let answer = try await HTTPPusher(client: .shared, base: base).send(.GET, "/token?service=berth-registry")
        guard let object = try JSONSerialization.jsonObject(with: answer.body) as? [String: Any],
            let token = object["token"] as? String, let header = token.split(separator: ".").first
        else { return nil }
        var base64 = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64),
            let fields = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return fields["kid"] as? String
    }

    @Test(.timeLimit(.minutes(3)), Tool.enabled("skopeo", "python3"))
    func skopeoPushToOneReplicaPullsIdenticalFromTheOther() async throws {
        guard let set = try await ReplicaSet.make(), let skopeo = requireTool("skopeo"),
            let python = requireTool("python3")
        else { return }
        defer { set.cleanup() }
        let work = TemporaryRoot()
        defer { work.cleanup() }
        try FileManager.default.createDirectory(atPath: work.path, withIntermediateDirectories: true)
        let layout = work.path + "/layout"
        let make = try await run(python, [Paths.repository + "/scripts/make-oci-layout.py", layout, "big", "12"])
        try #require(make.status == 0, "\(make.error)")
        let a = try await set.start(0)
        let b = try await set.start(1)
        let push = try await run(
            skopeo,
            [
                "copy", "--preserve-digests", "--dest-tls-verify=false", "oci:\(layout):big",
                "docker://127.0.0.1:\(a.port)/replicas/big:v1",
            ])
        try #require(push.status == 0, "\(push.error)")
        let pulled = work.path + "/pulled"
        let pull = try await run(
            skopeo,
            [
                "copy", "--preserve-digests", "--src-tls-verify=false", "docker://127.0.0.1:\(b.port)/replicas/big:v1",
                "oci:\(pulled):v1",
            ])
        #expect(pull.status == 0, "\(pull.error)")
        let layoutBlobs = try EndToEndTests().blobs(layout)
        #expect(try EndToEndTests().blobs(pulled) == layoutBlobs)
        #expect(try EndToEndTests().manifestDigests(pulled) == EndToEndTests().manifestDigests(layout))
        #expect(layoutBlobs.values.map(\.count).max() ?? 0 >= 12 << 20)
        // Both replicas sign tokens with the one key kept in PostgreSQL (the same key id), and
        // neither wrote a key file of its own.
        let kidA = try await tokenKeyID("http://127.0.0.1:\(a.port)")
        let kidB = try await tokenKeyID("http://127.0.0.1:\(b.port)")
        #expect(kidA != nil && kidA == kidB)
        #expect(!FileManager.default.fileExists(atPath: set.roots[0].path + "/state/token-key.pem"))
        a.kill9()
        b.kill9()
    }

    @Test(.timeLimit(.minutes(4)))
    func uploadSessionsAndCollectionsAreCoordinatedThroughTheDatabase() async throws {
        guard let set = try await ReplicaSet.make() else { return }
        defer { set.cleanup() }
        let a = try await set.start(0)
        let b = try await set.start(1)
        let (pusherA, pusherB) = (
            HTTPPusher(client: .shared, base: "http://127.0.0.1:\(a.port)"),
            HTTPPusher(client: .shared, base: "http://127.0.0.1:\(b.port)")
        )
        let store = try await MetadataStore.open(set.arguments[3])
        let blob = randomData(300_000)
        let octets = ("Content-Type", "application/octet-stream")
        // Begun on A, continued on B.
        let start = try await pusherA.send(.POST, "/v2/replicas/lease/blobs/uploads/")
        var location = try #require(start.headers.first(name: "Location"))
        let id = try #require(location.split(separator: "/").last.map(String.init))
        let first = try await pusherB.send(
            .PATCH, location, headers: [("Content-Range", "0-99999"), octets], body: blob.prefix(100_000))
        #expect(first.status == 202)
        location = try #require(first.headers.first(name: "Location"))
        let record = try #require(try await store.uploadSession(id))
        #expect(record.received == 100_000 && record.holder == nil && record.repository == "replicas/lease")
        // A request elsewhere is writing to the session: neither replica lets another in.
        let now = MetadataClock.now()
        #expect(
            try await store.leaseUploadSession(
                id, repository: "replicas/lease", holder: "writer-elsewhere", now: now, until: now + 60) != .unknown)
        for pusher in [pusherA, pusherB] {
            let busy = try await pusher.send(
                .PATCH, location, headers: [("Content-Range", "100000-199999"), octets], body: blob[100_000..<200_000])
            #expect(busy.status == 416, "\(String(decoding: busy.body, as: UTF8.self))")
            #expect(String(decoding: busy.body, as: UTF8.self).contains("busy"))
            #expect(busy.headers.first(name: "Range") == "0-99999")
        }
        try await store.releaseUploadSession(id, holder: "writer-elsewhere", received: nil, now: now)
        let second = try await pusherA.send(
            .PATCH, location, headers: [("Content-Range", "100000-199999"), octets], body: blob[100_000..<200_000])
        #expect(second.status == 202)
        location = try #require(second.headers.first(name: "Location"))
        let digest = Digest.of(blob)
        let finish = try await pusherB.send(
            .PUT, location + (location.contains("?") ? "&" : "?") + "digest=\(digest)",
            headers: [("Content-Range", "200000-299999"), octets], body: blob.suffix(from: 200_000))
        #expect(finish.status == 201)
        #expect(try await pusherA.send(.GET, "/v2/replicas/lease/blobs/\(digest)").body == blob)
        #expect(try await store.uploadSession(id) == nil, "a finished session's record goes")

        // A collection is running (from a replica that the test stands for): gc on B refuses.
        _ = try await store.beginCollection(
            id: "elsewhere", holder: "host-c:1/gc", dryRun: false, now: MetadataClock.now(),
            until: MetadataClock.now() + 60)
        let refused = try await set.command(1, ["gc"])
        #expect(refused.status == 2, "\(refused.output) \(refused.error)")
        #expect(refused.error.contains("elsewhere by host-c:1/gc") && refused.error.contains("one runs at a time"))
        try await store.finishCollection("elsewhere", now: MetadataClock.now(), outcome: "completed")
        let collected = try await set.command(1, ["gc"])
        #expect(collected.status == 0, "\(collected.error)")
        let runID = try #require(
            collected.output.split(separator: "\n").first { $0.hasPrefix("collection ") }?.split(separator: " ")[1])
        let run = try #require(try await store.collections(limit: 5).first { $0.id == String(runID) })
        #expect(run.outcome == "completed" && run.dryRun && run.holder.hasSuffix("/gc"))
        await store.close()
        a.kill9()
        b.kill9()
    }

    @Test(.timeLimit(.minutes(6)))
    func killNineOfOneReplicaAndGCOnItDuringPushesToTheOtherLoseNothing() async throws {
        guard let set = try await ReplicaSet.make() else { return }
        defer { set.cleanup() }
        var a = try await set.start(0)
        let b = try await set.start(1)
        let baseB = "http://127.0.0.1:\(b.port)"
        // Garbage for the collection: blobs linked into a repository that no manifest names.
        let orphanPusher = HTTPPusher(client: .shared, base: "http://127.0.0.1:\(a.port)")
        var orphans: [Digest] = []
        for index in 0..<5 {
            orphans.append(
                try await orphanPusher.pushBlob("replicas/orphans", randomData(10_000 + index), chunked: false))
        }
        let orphansWritten = ContinuousClock.now

        // 100 concurrent pushes, every other one to each replica; one replica dies by kill -9 once
        // a random number of pushes has been acknowledged.
        var generator = SystemRandomNumberGenerator()
        let threshold = Int.random(in: 10...50, using: &generator)
        let extraDelay = Int.random(in: 0...200, using: &generator)
        let counter = AcknowledgedCounter()
        let victim = a
        // A generous time limit per request: 100 pushes at once on a small machine are slow, and a
        // push to the survivor must fail only for a real reason.
        let pushers = [
            HTTPPusher(client: .shared, base: "http://127.0.0.1:\(a.port)"),
            HTTPPusher(client: .shared, base: baseB, timeout: .seconds(60)),
        ]
        let failuresOnB = Collected<String>()
        var acknowledged = await withTaskGroup(of: Acknowledged?.self) { group in
            for index in 0..<100 {
                group.addTask {
                    do {
                        let result = try await pushers[index % 2].pushImage(
                            repository: "replicas/r\(index % 3)", tag: "t\(index)", layerSize: 20_000 + index * 997,
                            chunked: index % 4 >= 2, strict: index % 2 == 1)
                        if result != nil { counter.increment() }
                        return result
                    } catch {
                        if index % 2 == 1 { failuresOnB.append("t\(index): \(error)") }
                        return nil
                    }
                }
            }
            group.addTask {
                let deadline = ContinuousClock.now + .seconds(60)
                while counter.value < threshold && ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(2))
                }
                try? await Task.sleep(for: .milliseconds(extraDelay))
                victim.kill9()
                return nil
            }
            var collected: [Acknowledged] = []
            for await result in group { if let result { collected.append(result) } }
            return collected
        }
        #expect(acknowledged.count >= threshold)
        let fromB = acknowledged.filter { Int($0.tag.dropFirst())! % 2 == 1 }.count
        #expect(fromB == 50, "every push to the surviving replica is acknowledged: \(failuresOnB.all)")
        try await verify(baseB, acknowledged, "the survivor after kill -9")
        a = try await set.start(0)
        try await verify("http://127.0.0.1:\(a.port)", acknowledged, "the restarted replica")

        // Garbage collection from replica A's side while 40 pushes go to B.
        let grace = 8
        let waited = ContinuousClock.now - orphansWritten
        if waited < .seconds(grace + 1) { try await Task.sleep(for: .seconds(grace + 1) - waited) }
        // Pushes wait while the collection's sweep holds the lock: give them longer than the usual 5 s.
        let pusherB = HTTPPusher(client: .shared, base: baseB, timeout: .seconds(120))
        let gcStarted = ContinuousClock.now
        async let gc = set.command(0, ["gc", "--delete", "--grace-period", String(grace)])
        let during = await withTaskGroup(of: (Acknowledged, ContinuousClock.Instant)?.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let image = try? await pusherB.pushImage(
                        repository: "replicas/gc", tag: "g\(index)", layerSize: 15_000 + index * 991,
                        chunked: index % 2 == 0)
                    return image.map { ($0, ContinuousClock.now) }
                }
            }
            var collected: [(Acknowledged, ContinuousClock.Instant)] = []
            for await result in group { if let result { collected.append(result) } }
            return collected
        }
        let collection = try await gc
        let gcFinished = ContinuousClock.now
        let overlapping = during.filter { $0.1 > gcStarted + .seconds(1) && $0.1 < gcFinished }.count
        #expect(collection.status == 0, "\(collection.error)")
        #expect(during.count == 40, "pushes during the collection are all acknowledged")
        acknowledged += during.map(\.0)
        for orphan in orphans {
            #expect(collection.output.contains("removed \(orphan)"), "the collection removed orphan \(orphan)")
        }
        try await verify(baseB, acknowledged, "B after the collection")
        try await verify("http://127.0.0.1:\(a.port)", acknowledged, "A after the collection")
        let scrub = try await set.command(1, ["scrub"])
        #expect(scrub.status == 0, "scrub: \(scrub.output) \(scrub.error)")
        print(
            "replica test: \(acknowledged.count) images acknowledged (kill -9 after \(threshold)+\(extraDelay) ms); gc took \(gcFinished - gcStarted), \(overlapping) pushes to B acknowledged while it ran: \(collection.output.split(separator: "\n").last ?? "")"
        )
        a.kill9()
        b.kill9()
    }

    @Test(.timeLimit(.minutes(4)))
    func immutableTagsAndQuotasHoldAcrossReplicas() async throws {
        guard let set = try await ReplicaSet.make() else { return }
        defer { set.cleanup() }
        // Projects live in the shared database: set once, through replica A's command line.
        for arguments in [
            ["project", "create", "fixed"], ["project", "create", "capped"],
            ["project", "policy", "fixed", "--immutable-tag", "v*"],
            ["project", "policy", "capped", "--quota", "100000"],
        ] {
            let result = try await set.command(0, arguments)
            #expect(result.status == 0, "\(arguments): \(result.error)")
        }
        let a = try await set.start(0)
        let b = try await set.start(1)
        let pushers = [a, b].map {
            HTTPPusher(client: .shared, base: "http://127.0.0.1:\($0.port)", timeout: .seconds(60))
        }

        // Twelve different images pushed at once to one immutable tag over both replicas: one wins.
        let images = await withTaskGroup(of: Acknowledged?.self) { group in
            for index in 0..<12 {
                group.addTask {
                    try? await pushers[index % 2].pushImage(
                        repository: "fixed/app", tag: "v1", layerSize: 1_000 + index, chunked: false)
                }
            }
            var acknowledged: [Acknowledged] = []
            for await image in group { if let image { acknowledged.append(image) } }
            return acknowledged
        }
        #expect(images.count == 1, "one push of the immutable tag is acknowledged, not \(images.count)")
        for pusher in pushers {
            let tagged = try await pusher.send(.GET, "/v2/fixed/app/manifests/v1")
            #expect(tagged.body == images.first?.manifest)
        }

        // Ten uploads of 25,000 bytes at once into a 100,000-byte quota over both replicas: four fit.
        let statuses = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<10 {
                group.addTask {
                    (try? await pushers[index % 2].pushBlob("capped/r\(index % 3)", randomData(25_000), chunked: false))
                        != nil
                }
            }
            var accepted = 0
            for await ok in group where ok { accepted += 1 }
            return accepted
        }
        #expect(statuses == 4, "uploads accepted within the quota: \(statuses)")
        print(
            "replica policy test: immutable tag pushes acknowledged \(images.count) of 12; uploads within the quota \(statuses) of 10"
        )
        a.kill9()
        b.kill9()
    }

    /// Users, projects, members and policies changed through one replica's admin API take effect on
    /// the other within the cache interval (1 s); concurrent changes through both are all kept;
    /// the audit log is one log whichever replica is asked.
    @Test(.timeLimit(.minutes(4)))
    func usersProjectsAndTheAuditLogAreSharedAcrossReplicas() async throws {
        guard let set = try await ReplicaSet.make() else { return }
        defer { set.cleanup() }
        let a = try await set.start(0)
        let b = try await set.start(1)
        let replicas = [a, b].map {
            HTTPPusher(client: .shared, base: "http://127.0.0.1:\($0.port)", timeout: .seconds(60))
        }
        func json(_ value: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: value) }
        let rootAuth = ("Authorization", basic("root", "password-root"))
        let devAuth = ("Authorization", basic("dev", "password-dev"))
        let jsonType = ("Content-Type", "application/json")

        // No users yet: the first administrator is made through A.
        let created = try await replicas[0].send(
            .POST, "/api/v1/users", headers: [jsonType],
            body: try json(["name": "root", "password": "password-root", "admin": true]))
        #expect(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
        for (path, body) in [
            ("/api/v1/users", ["name": "dev", "password": "password-dev"]),
            ("/api/v1/projects", ["name": "team", "public": false]),
        ] as [(String, [String: Any])] {
            let answer = try await replicas[0].send(.POST, path, headers: [rootAuth, jsonType], body: try json(body))
            #expect(answer.status == 201, "\(path): \(String(decoding: answer.body, as: UTF8.self))")
        }
        let member = try await replicas[0].send(
            .PUT, "/api/v1/projects/team/members/dev", headers: [rootAuth, jsonType],
            body: try json(["role": "developer"]))
        #expect(member.status == 200, "\(String(decoding: member.body, as: UTF8.self))")

        /// How long after now `replica` starts answering the developer's upload with `status`.
        func delay(until status: Int, on replica: HTTPPusher) async throws -> Duration? {
            let clock = ContinuousClock()
            let start = clock.now
            while clock.now - start < .seconds(10) {
                let answer = try await replica.send(.POST, "/v2/team/app/blobs/uploads/", headers: [devAuth])
                if answer.status == status { return clock.now - start }
                try await Task.sleep(for: .milliseconds(50))
            }
            return nil
        }

        // B lets the new developer push within about a second of the change on A.
        let membership = try #require(
            try await delay(until: 202, on: replicas[1]), "B never let the member A added push")
        // The cache interval is 1 s; the slack is for a machine busy with other work.
        #expect(membership < .seconds(5), "B saw A's change after \(membership)")

        // Forty projects created at once, half through each replica: all forty are kept.
        let statuses = await withTaskGroup(of: Int.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let body = try? json(["name": "p\(index)", "public": false])
                    return
                        (try? await replicas[index % 2].send(
                            .POST, "/api/v1/projects", headers: [rootAuth, jsonType], body: body))?.status ?? 0
                }
            }
            var all: [Int] = []
            for await status in group { all.append(status) }
            return all
        }
        #expect(statuses.allSatisfy { $0 == 201 }, "\(statuses.sorted())")
        for replica in replicas {
            let listed = try await replica.send(.GET, "/api/v1/projects", headers: [rootAuth])
            let names = try #require(try JSONSerialization.jsonObject(with: listed.body) as? [[String: Any]])
                .compactMap { $0["name"] as? String }
            #expect(Set(names).isSuperset(of: (0..<40).map { "p\($0)" }), "\(replica.base) lists \(names.count)")
        }

        // The user removed through B is refused by A within about a second.
        let removed = try await replicas[1].send(.DELETE, "/api/v1/users/dev", headers: [rootAuth])
        #expect(removed.status == 204)
        let removal = try #require(
            try await delay(until: 401, on: replicas[0]), "A still accepts the user B removed")
        #expect(removal < .seconds(5), "A refused the removed user after \(removal)")

        // One audit log: both replicas give the same events, made through either.
        var totals: [Int] = []
        for replica in replicas {
            let page = try await replica.send(.GET, "/api/v1/audit?action=api&page_size=500", headers: [rootAuth])
            #expect(page.status == 200, "\(String(decoding: page.body.prefix(500), as: UTF8.self))")
            let object = try #require(try JSONSerialization.jsonObject(with: page.body) as? [String: Any])
            let items = try #require(object["items"] as? [[String: Any]])
            let actions = Set(items.compactMap { $0["action"] as? String })
            #expect(
                actions.isSuperset(of: ["api.user.create", "api.project.create", "api.member.set", "api.user.delete"]))
            totals.append(object["total"] as? Int ?? -1)
        }
        #expect(totals[0] == totals[1] && totals[0] >= 44, "audit totals \(totals)")
        print(
            "replica state test: a member added on A could push to B after \(membership); a user removed on B was refused by A after \(removal); 40 concurrent project creations kept \(statuses.filter { $0 == 201 }.count); audit events \(totals)"
        )
        a.kill9()
        b.kill9()
    }

    /// A PostgreSQL cluster of the test's own (so restarting it disturbs no other test), started
    /// with the CI script; nil when PostgreSQL is not installed here.
    struct PrivatePostgres {
        let directory: TemporaryRoot
        let port: Int
        static let bin = "/usr/lib/postgresql/15/bin"

        static func start() async throws -> PrivatePostgres? {
            guard FileManager.default.isExecutableFile(atPath: bin + "/initdb") else { return nil }
            let cluster = PrivatePostgres(directory: TemporaryRoot(), port: try freePorts(1)[0])
            try await cluster.up()
            return cluster
        }

        var url: String { "postgres://berth:berth@127.0.0.1:\(port)/berth" }

        func up() async throws {
            let started = try await run(
                "/bin/bash", [Paths.repository + "/.ci/start-postgres.sh", directory.path, String(port)], timeout: 180)
            try #require(started.status == 0, "start-postgres.sh: \(started.error)")
        }

        /// Stops the server at once, as a crash would (connections are cut, nothing is flushed politely).
        func down() async throws {
            let control = [Self.bin + "/pg_ctl", "-D", directory.path, "stop", "-m", "immediate", "-w"]
            let stopped =
                getuid() == 0
                ? try await run("/usr/sbin/runuser", ["-u", "postgres", "--"] + control, timeout: 60)
                : try await run(control[0], Array(control.dropFirst()), timeout: 60)
            #expect(stopped.status == 0, "pg_ctl stop: \(stopped.error)")
        }

        func remove() async {
            try? await down()
            directory.cleanup()
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func postgresRestartDuringPushesAnswersRetryableErrorsAndLosesNothing() async throws {
        guard let executable = ServerProcess.required else { return }
        guard Tool.find("weed") != nil, let postgres = try await PrivatePostgres.start() else {
            if Environment.isCI { Issue.record("weed and PostgreSQL 15 are required under CI") }
            return
        }
        let root = TemporaryRoot()
        defer { root.cleanup() }
        let (location, credentials) = try await SharedObjectStore.location()
        let server = try await ServerProcess(
            executable: executable, root: root.path,
            extraArguments: [
                "--storage", location, "--database",
                postgres.url + "?lease_timeout=3&connect_timeout=2&max_connections=20",
            ],
            environment: credentials)
        // Real clients wait longer than the other tests' 5 s for an answer.
        let pusher = HTTPPusher(client: .shared, base: "http://127.0.0.1:\(server.port)", timeout: .seconds(60))
        /// Pushes until acknowledged, counting refusals by status and error code.
        let refusals = RefusalCounter()
        func push(_ tag: String, attempts: Int) async -> Acknowledged? {
            for _ in 0..<attempts {
                let started = ContinuousClock.now
                defer { refusals.took(ContinuousClock.now - started) }
                do {
                    if let image = try await pusher.pushImage(
                        repository: "pgrestart/app", tag: tag, layerSize: 9_000, chunked: false, strict: true)
                    {
                        return image
                    }
                } catch PushError.status(let status) {
                    refusals.add("\(status)")
                } catch {
                    refusals.add("transport: \(String(describing: error).prefix(120))")
                }
                try? await Task.sleep(for: .milliseconds(500))
            }
            return nil
        }
        var acknowledged: [Acknowledged] = []
        for index in 0..<10 { if let image = await push("a\(index)", attempts: 1) { acknowledged.append(image) } }
        #expect(acknowledged.count == 10)

        try await postgres.down()
        // With the database down, a blob upload that must take the content lock is refused with a
        // retryable 503 in the OCI body.
        let blob = randomData(4_000)
        let start = try await pusher.send(
            .POST, "/v2/pgrestart/app/blobs/uploads/?digest=\(Digest.of(blob))", body: blob)
        #expect(start.status == 503, "a push while PostgreSQL is down: \(start.status)")
        #expect(String(decoding: start.body, as: UTF8.self).contains("\"UNAVAILABLE\""))
        // Pushes keep trying while it is down and after it is back.
        async let during = withTaskGroup(of: Acknowledged?.self) { group in
            for index in 0..<10 { group.addTask { await push("b\(index)", attempts: 40) } }
            var collected: [Acknowledged] = []
            for await image in group { if let image { collected.append(image) } }
            return collected
        }
        try await Task.sleep(for: .seconds(4))
        try await postgres.up()
        acknowledged += await during
        #expect(acknowledged.count == 20, "every push went through once PostgreSQL was back")
        try await verify(pusher.base, acknowledged, "after the PostgreSQL restart")
        #expect(refusals.counts["503", default: 0] > 0, "refusals while it was down: \(refusals.counts)")
        #expect(refusals.counts.keys.allSatisfy { $0 == "503" }, "only retryable refusals: \(refusals.counts)")
        print(
            "postgres restart test: \(acknowledged.count) acknowledged; refusals \(refusals.counts); slowest push attempt \(refusals.slowest)"
        )
        server.kill9()
        await postgres.remove()
    }
}

final class RefusalCounter: @unchecked Sendable {
    private var stored: [String: Int] = [:]
    private let lock = NSLock()
    private var longest = Duration.zero
    func add(_ key: String) { lock.withLock { stored[key, default: 0] += 1 } }
    func took(_ duration: Duration) { lock.withLock { longest = max(longest, duration) } }
    var counts: [String: Int] { lock.withLock { stored } }
    var slowest: Duration { lock.withLock { longest } }
}

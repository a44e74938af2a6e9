import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OCI
import RegistryMetadata
import TestSupport
import Testing

@testable import Registry

/// Sets the time a manifest was pushed (its revision link's modification time), as if it had
/// been pushed `days` ago.
func setPushed(_ storage: RegistryStorage, _ repository: String, _ digest: Digest, daysAgo days: Double) {
    let time = Date().addingTimeInterval(-days * 86400).timeIntervalSince1970
    var times = [timeval](repeating: timeval(tv_sec: Int(time), tv_usec: 0), count: 2)
    _ = utimes(storage.root + "/" + storage.revisionPath(repository, digest), &times)
}

/// Creates `project` with `rules` (and `immutableTags`) in the root's security state.
func setRetention(
    root: String, project: String = "proj", rules: RetentionRules, immutableTags: [String] = []
) async throws {
    let admin = try RegistryAdmin(root: root)
    try await admin.createProject(project, public: false)
    try await admin.store.update { $0.projects[project]?.immutableTags = immutableTags }
    try await RegistryRetention.setRules(store: SecurityStore(root: root), project: project, rules: rules)
}

/// Every file under the root with its size and modification time, for "nothing changed" checks.
func snapshot(_ root: String) -> [String: String] {
    var result: [String: String] = [:]
    let enumerator = FileManager.default.enumerator(atPath: root)
    while let path = enumerator?.nextObject() as? String {
        guard !path.hasPrefix("state/"), !path.hasPrefix("tmp"),
            let attributes = try? FileManager.default.attributesOfItem(atPath: root + "/" + path)
        else { continue }
        result[path] = "\(attributes[.size] ?? 0) \(attributes[.modificationDate] ?? "")"
    }
    return result
}

extension API {
    /// Pushes an OCI index of `children` (each already pushed) under `reference`.
    @discardableResult
    func pushIndex(_ repository: String, reference: String, children: [(Data, Digest)]) async throws -> Digest {
        let index: [String: Any] = [
            "schemaVersion": 2, "mediaType": MediaType.ociIndex,
            "manifests": children.enumerated().map { number, child in
                [
                    "mediaType": MediaType.ociManifest, "digest": child.1.description, "size": child.0.count,
                    "platform": ["os": "linux", "architecture": number == 0 ? "amd64" : "arm64"],
                ] as [String: Any]
            },
        ]
        let data = try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys])
        let response = try await request(
            .put, "/v2/\(repository)/manifests/\(reference)", headers: ["Content-Type": MediaType.ociIndex],
            body: data)
        #expect(response.status == .created, "\(response.text)")
        return Digest.of(data)
    }
}

// On the file system only: the tests date pushes by setting the revision files' times.
@Suite struct RetentionTests {
    @Test func keepLastKeepsTheNewestPushesOfEachRepository() async throws {
        try await withRegistry(storages: [.fileSystem]) { client, services in
            let api = API(client: client)
            let storage = services.storage
            var app: [Digest] = []
            for number in 1...5 {
                let (_, digest) = try await api.pushImage(
                    "proj/app", reference: "b\(number)", layers: [randomData(100)])
                setPushed(storage, "proj/app", digest, daysAgo: Double(10 - number))
                app.append(digest)
            }
            var other: [Digest] = []
            for number in 1...3 {
                let (_, digest) = try await api.pushImage(
                    "proj/other", reference: "o\(number)", layers: [randomData(100)])
                setPushed(storage, "proj/other", digest, daysAgo: Double(10 - number))
                other.append(digest)
            }
            try await setRetention(root: storage.root, rules: RetentionRules(keepLast: 2))
            let plan = try await RegistryRetention.plan(root: storage.root, project: "proj")
            #expect(Set(plan.delete.map(\.digest)) == Set((app.prefix(3) + other.prefix(1)).map(\.description)))
            #expect(Set(plan.keep.map(\.digest)) == Set((app.suffix(2) + other.suffix(2)).map(\.description)))
            #expect(Set(plan.untag.map(\.tag)) == ["b1", "b2", "b3", "o1"])
            #expect(plan.keep.allSatisfy { $0.reasons.first?.hasPrefix("keepLast") == true })
        }
    }

    @Test func keepTagsKeepsMatchingGlobsAndRepositoriesScopeTheRules() async throws {
        try await withRegistry(storages: [.fileSystem]) { client, services in
            let api = API(client: client)
            var digests: [String: Digest] = [:]
            for tag in ["v1.0", "v1.1", "dev-1", "dev-2"] {
                digests[tag] = try await api.pushImage("proj/app", reference: tag, layers: [randomData(64)]).digest
            }
            let untouched = try await api.pushImage("proj/tools/ci", reference: "dev-9", layers: [randomData(64)])
            try await setRetention(
                root: services.storage.root, rules: RetentionRules(repositories: ["app"], keepTags: ["v*"]))
            let plan = try await RegistryRetention.plan(root: services.storage.root, project: "proj")
            #expect(Set(plan.delete.flatMap(\.tags)) == ["dev-1", "dev-2"])
            #expect(Set(plan.keep.flatMap(\.tags)) == ["v1.0", "v1.1"])
            #expect(
                !plan.delete.contains { $0.digest == untouched.digest.description }, "proj/tools/ci is out of scope")
            #expect(plan.keep.allSatisfy { $0.reasons.contains { $0.contains("matches 'v*'") } })
        }
    }

    @Test func keepPulledDaysKeepsWhatWasPulledRecently() async throws {
        try await withRegistry(storages: [.fileSystem]) { client, services in
            let api = API(client: client)
            let pulled = try await api.pushImage("proj/app", reference: "pulled", layers: [randomData(64)]).digest
            let stale = try await api.pushImage("proj/app", reference: "stale", layers: [randomData(64)]).digest
            let never = try await api.pushImage("proj/app", reference: "never", layers: [randomData(64)]).digest
            // A real pull records the time; an old one is recorded as of ten days ago.
            let get = try await api.request(.get, "/v2/proj/app/manifests/pulled")
            #expect(get.status == .ok)
            let recorder = PullRecorder(storage: services.storage)
            await recorder.record(stale, now: Date().addingTimeInterval(-10 * 86400))
            #expect(try await recorder.lastPull(pulled) != nil)
            // An index counts as pulled when one of its platform manifests was (clients pull those by digest).
            let child = try await api.pushImage("proj/multi", reference: "child", layers: [randomData(64)])
            _ = try await api.request(.delete, "/v2/proj/multi/manifests/child")
            let index = try await api.pushIndex("proj/multi", reference: "v1", children: [child])
            let viaChild = try await api.request(.get, "/v2/proj/multi/manifests/\(child.digest)")
            #expect(viaChild.status == .ok)
            try await setRetention(root: services.storage.root, rules: RetentionRules(keepPulledDays: 7))
            let plan = try await RegistryRetention.plan(root: services.storage.root, project: "proj")
            #expect(Set(plan.keep.map(\.digest)) == [pulled.description, index.description])
            #expect(Set(plan.delete.map(\.digest)) == [stale.description, never.description])
        }
    }

    @Test func pullsAreRecordedAtMostOncePerInterval() async throws {
        let root = TemporaryRoot()
        defer { root.cleanup() }
        let recorder = PullRecorder(root: root.path, interval: 3600)
        let digest = Digest.of(Data("manifest".utf8))
        let start = Date().addingTimeInterval(-7200)
        func seconds(_ recorder: PullRecorder) async throws -> Int? {
            try await recorder.lastPull(digest).map { Int($0.timeIntervalSince1970) }
        }
        await recorder.record(digest, now: start)
        #expect(try await seconds(recorder) == Int(start.timeIntervalSince1970))
        // Within the interval, nothing is written: the marker keeps the first time.
        await recorder.record(digest, now: start.addingTimeInterval(1800))
        #expect(try await seconds(recorder) == Int(start.timeIntervalSince1970))
        // A new recorder (a restart) reads the marker instead of writing.
        let restarted = PullRecorder(root: root.path, interval: 3600)
        await restarted.record(digest, now: start.addingTimeInterval(3000))
        #expect(try await seconds(restarted) == Int(start.timeIntervalSince1970))
        await restarted.record(digest, now: start.addingTimeInterval(3700))
        #expect(try await seconds(restarted) == Int(start.timeIntervalSince1970) + 3700)
    }

    /// With a metadata database every replica's pulls land in one table; a replica's earlier time
    /// never replaces another's later one.
    @Test func pullsInTheDatabaseAreSharedAndNeverMoveBack() async throws {
        let root = TemporaryRoot()
        defer { root.cleanup() }
        try FileManager.default.createDirectory(atPath: root.path, withIntermediateDirectories: true)
        let metadata = try await MetadataStore.open("sqlite:\(root.path)/metadata.db?busy_timeout=120")
        let storage = RegistryStorage(
            root: root.path, driver: try FileSystemDriver(root: root.path), metadata: metadata)
        let replicas = [PullRecorder(storage: storage, interval: 3600), PullRecorder(storage: storage, interval: 3600)]
        let digest = Digest.of(Data("manifest".utf8))
        let start = Date(timeIntervalSince1970: Date().addingTimeInterval(-7200).timeIntervalSince1970.rounded(.down))
        #expect(try await replicas[1].lastPull(digest) == nil)
        await replicas[0].record(digest, now: start.addingTimeInterval(600))
        #expect(try await replicas[1].lastPull(digest) == start.addingTimeInterval(600))
        await replicas[1].record(digest, now: start)
        #expect(try await replicas[0].lastPull(digest) == start.addingTimeInterval(600), "an earlier time is ignored")
        await replicas[1].record(digest, now: start.addingTimeInterval(1200))
        #expect(try await replicas[0].lastPull(digest) == start.addingTimeInterval(600), "within the interval")
        await replicas[1].record(digest, now: start.addingTimeInterval(4000))
        #expect(try await replicas[0].lastPull(digest) == start.addingTimeInterval(4000))
        #expect(!FileManager.default.fileExists(atPath: root.path + "/state/pulls"), "no markers beside the database")
        await metadata.close()
    }

    @Test func dryRunChangesNothing() async throws {
        try await withRegistry(storages: [.fileSystem]) { client, services in
            let api = API(client: client)
            for number in 1...4 {
                try await api.pushImage("proj/app", reference: "t\(number)", layers: [randomData(1000)])
            }
            try await setRetention(root: services.storage.root, rules: RetentionRules(keepLast: 1))
            let before = snapshot(services.storage.root)
            let plan = try await RegistryRetention.plan(root: services.storage.root, project: "proj")
            #expect(plan.delete.count == 3)
            #expect(snapshot(services.storage.root) == before)
            #expect(try await services.storage.tags("proj/app").count == 4)
        }
    }

    @Test func noRulesDeleteNothing() async throws {
        try await withRegistry(storages: [.fileSystem]) { client, services in
            let api = API(client: client)
            try await api.pushImage("proj/app", reference: "t1", layers: [randomData(100)])
            try await setRetention(root: services.storage.root, rules: RetentionRules(keepSigned: true))
            let result = try await RegistryRetention.apply(root: services.storage.root, project: "proj", gracePeriod: 0)
            #expect(result.deletedManifests == 0)
            #expect(try await services.storage.tags("proj/app") == ["t1"])
        }
    }

    @Test func applyThenGarbageCollectionFreesTheBlobsAndKeepsSharedLayers() async throws {
        try await withRegistry(storages: [.fileSystem]) { client, services in
            let api = API(client: client)
            let storage = services.storage
            let shared = randomData(50_000)
            let oldLayers = (1...3).map { _ in randomData(100_000) }
            var old: [Digest] = []
            for (number, layer) in oldLayers.enumerated() {
                let digest = try await api.pushImage("proj/app", reference: "old\(number)", layers: [shared, layer])
                    .digest
                setPushed(storage, "proj/app", digest, daysAgo: Double(30 - number))
                old.append(digest)
            }
            let freshLayer = randomData(100_000)
            let fresh = try await api.pushImage("proj/app", reference: "fresh", layers: [shared, freshLayer]).digest
            try await setRetention(root: storage.root, rules: RetentionRules(keepLast: 1))
            let audit = storage.root + "/audit.log"
            let result = try await RegistryRetention.apply(root: storage.root, project: "proj", gracePeriod: 0)
            #expect(result.deletedManifests == 3)
            #expect(result.untagged == 3)
            for digest in old { #expect(try await storage.manifest("proj/app", digest: digest) == nil) }
            for layer in oldLayers {
                #expect(try await storage.blobSize(Digest.of(layer)) == nil, "unique layers are freed")
            }
            #expect(try await storage.manifest("proj/app", digest: fresh) != nil)
            #expect(
                try await storage.blobSize(Digest.of(shared)) == 50_000, "the layer shared with the kept image stays")
            #expect(try await storage.blobSize(Digest.of(freshLayer)) == 100_000)
            #expect(result.removedBytes >= 300_000)
            #expect(result.bytesBefore - result.bytesAfter == result.removedBytes)
            let pulled = try await api.request(.get, "/v2/proj/app/blobs/\(Digest.of(shared))")
            #expect(pulled.data == shared)
            #expect(try await Scrubber(storage: storage).run().problems.isEmpty)
            // Every deletion is audited.
            let lines = String(decoding: FileManager.default.contents(atPath: audit) ?? Data(), as: UTF8.self)
                .split(separator: "\n")
            #expect(lines.filter { $0.contains(#""action":"retention.delete""#) }.count == 3)
            #expect(lines.filter { $0.contains(#""action":"retention.untag""#) }.count == 3)
            print(
                "retention apply: deleted \(result.deletedManifests) manifests, gc removed \(result.removedBlobs) blobs, \(result.removedBytes) bytes; content \(result.bytesBefore) -> \(result.bytesAfter) bytes"
            )
        }
    }

    @Test func signedAndImmutableImagesSurvive() async throws {
        try await withRegistry(storages: [.fileSystem]) { client, services in
            let api = API(client: client)
            let storage = services.storage
            let tagSigned = try await api.pushImage("proj/app", reference: "a", layers: [randomData(64)])
            let signature = try await api.pushImage(
                "proj/app", reference: tagSigned.digest.tagForm + ".sig", layers: [randomData(32)])
            let referrerSigned = try await api.pushImage("proj/app", reference: "b", layers: [randomData(64)])
            let bundle = try await api.pushImage(
                "proj/app", reference: "bundle",
                layers: [randomData(32)], subject: (referrerSigned.digest, referrerSigned.data.count),
                artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json")
            let immutable = try await api.pushImage("proj/app", reference: "release-1", layers: [randomData(64)])
            let plain = try await api.pushImage("proj/app", reference: "c", layers: [randomData(64)])
            try await setRetention(
                root: storage.root, rules: RetentionRules(keepTags: ["none"]), immutableTags: ["release-*"])
            let result = try await RegistryRetention.apply(root: storage.root, project: "proj", gracePeriod: 0)
            #expect(result.plan.delete.map(\.digest) == [plain.digest.description])
            for kept in [tagSigned.digest, signature.digest, referrerSigned.digest, bundle.digest, immutable.digest] {
                #expect(try await storage.manifest("proj/app", digest: kept) != nil)
            }
            #expect(try await storage.resolveTag("proj/app", "release-1") == immutable.digest)
            let reasons = Dictionary(uniqueKeysWithValues: result.plan.keep.map { ($0.digest, $0.reasons) })
            #expect(reasons[tagSigned.digest.description]?.first?.hasPrefix("keepSigned") == true)
            #expect(reasons[referrerSigned.digest.description]?.first?.hasPrefix("keepSigned") == true)
            #expect(reasons[immutable.digest.description]?.first?.hasPrefix("immutableTags") == true)
            #expect(try await Scrubber(storage: storage).run().problems.isEmpty)

            // With keepSigned off, the signed images go, and their signatures with them.
            try await RegistryRetention.setRules(
                store: SecurityStore(root: storage.root), project: "proj",
                rules: RetentionRules(keepTags: ["none"], keepSigned: false))
            let second = try await RegistryRetention.apply(root: storage.root, project: "proj", gracePeriod: 0)
            #expect(
                Set(second.plan.delete.map(\.digest))
                    == Set(
                        [tagSigned.digest, signature.digest, referrerSigned.digest, bundle.digest].map(\.description)))
            #expect(try await storage.revisions("proj/app") == [immutable.digest])
            #expect(try await Scrubber(storage: storage).run().problems.isEmpty)
        }
    }

    @Test func childrenAndReferrersOfKeptManifestsSurvive() async throws {
        try await withRegistry(storages: [.fileSystem]) { client, services in
            let api = API(client: client)
            let storage = services.storage
            let shared = randomData(20_000)
            let amd = try await api.pushImage("proj/app", reference: "amd64-build", layers: [shared, randomData(500)])
            let arm = try await api.pushImage("proj/app", reference: "arm64-build", layers: [shared, randomData(500)])
            // The tags of the children go: only the index keeps them.
            _ = try await api.request(.delete, "/v2/proj/app/manifests/amd64-build")
            _ = try await api.request(.delete, "/v2/proj/app/manifests/arm64-build")
            let index = try await api.pushIndex("proj/app", reference: "v1", children: [amd, arm])
            let sbom = try await api.pushImage(
                "proj/app", reference: "sbom-of-v1", layers: [randomData(300)], subject: (index, 0),
                artifactType: "application/vnd.cyclonedx+json")
            _ = try await api.request(.delete, "/v2/proj/app/manifests/sbom-of-v1")
            // An old image with an SBOM of its own and the shared layer.
            let old = try await api.pushImage("proj/app", reference: "old", layers: [shared, randomData(700)])
            let oldSBOM = try await api.pushImage(
                "proj/app", reference: "sbom-of-old", layers: [randomData(300)], subject: (old.digest, old.data.count),
                artifactType: "application/vnd.cyclonedx+json")
            _ = try await api.request(.delete, "/v2/proj/app/manifests/sbom-of-old")
            // An old index whose child is also a child of the kept index.
            let oldIndex = try await api.pushIndex("proj/app", reference: "v0", children: [amd])
            try await setRetention(root: storage.root, rules: RetentionRules(keepTags: ["v1"]))
            let result = try await RegistryRetention.apply(root: storage.root, project: "proj", gracePeriod: 0)
            #expect(
                Set(result.plan.delete.map(\.digest))
                    == Set([old.digest, oldSBOM.digest, oldIndex].map(\.description)))
            // The SBOM goes before its subject, the old index before anything it names.
            let order = result.plan.delete.map(\.digest)
            #expect(
                (order.firstIndex(of: oldSBOM.digest.description) ?? 9)
                    < (order.firstIndex(of: old.digest.description) ?? 0))
            for kept in [index, amd.digest, arm.digest, sbom.digest] {
                #expect(try await storage.manifest("proj/app", digest: kept) != nil)
            }
            #expect(try await storage.referrers("proj/app", subject: index).map(\.digest) == [sbom.digest])
            #expect(try await storage.blobSize(Digest.of(shared)) != nil)
            #expect(try await Scrubber(storage: storage).run().problems.isEmpty)
            // Everything the kept index names is still served.
            for child in [amd, arm] {
                let get = try await api.request(.get, "/v2/proj/app/manifests/\(child.digest)")
                #expect(get.data == child.data)
            }
        }
    }

    @Test func commandLineSetsTheRulesPrintsThePlanAndApplies() async throws {
        guard let executable = ServerProcess.required else { return }
        try await withRegistry(storages: [.fileSystem]) { client, services in
            let api = API(client: client)
            let root = services.storage.root
            var digests: [String: Digest] = [:]
            for (number, tag) in ["t1", "t2", "t3"].enumerated() {
                let digest = try await api.pushImage("proj/app", reference: tag, layers: [randomData(100)]).digest
                setPushed(services.storage, "proj/app", digest, daysAgo: Double(10 - number))
                digests[tag] = digest
            }
            try await RegistryAdmin(root: root).createProject("proj", public: false)
            let set = try await run(
                executable,
                ["registry", "retention", "rules", "proj", "--keep-last", "1", "--keep-tags", "t1", "--root", root])
            #expect(set.status == 0, "\(set.error)")
            #expect(
                try await RegistryRetention.rules(store: SecurityStore(root: root), project: "proj")
                    == RetentionRules(keepLast: 1, keepTags: ["t1"]))
            let json = try await run(executable, ["registry", "retention", "proj", "--format", "json", "--root", root])
            #expect(json.status == 0, "\(json.error)")
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let plan = try decoder.decode(RetentionPlan.self, from: Data(json.output.utf8))
            #expect(plan.delete.map(\.digest) == [digests["t2"]?.description])
            let text = try await run(executable, ["registry", "retention", "proj", "--root", root])
            let t2 = digests["t2"]?.description ?? ""
            #expect(text.output.contains("would delete proj/app@\(t2) (t2): no rule keeps it"))
            #expect(try await services.storage.tags("proj/app") == ["t1", "t2", "t3"], "a dry run deletes nothing")
            let applied = try await run(
                executable, ["registry", "retention", "proj", "--apply", "--grace-period", "0", "--root", root])
            #expect(applied.status == 0, "\(applied.error)")
            #expect(applied.output.contains("deleted 1 manifests and 1 tags"))
            #expect(try await services.storage.tags("proj/app") == ["t1", "t3"])
        }
    }

    @Test func rulesAreValidatedAndNeedAProject() async throws {
        let root = TemporaryRoot()
        defer { root.cleanup() }
        await #expect(throws: RegistryAdmin.AdminError.self) {
            try await RegistryRetention.setRules(
                store: SecurityStore(root: root.path), project: "nope", rules: RetentionRules(keepLast: 1))
        }
        try await RegistryAdmin(root: root.path).createProject("proj", public: false)
        await #expect(throws: RegistryAdmin.AdminError.self) {
            try await RegistryRetention.setRules(
                store: SecurityStore(root: root.path), project: "proj", rules: RetentionRules(keepLast: -1))
        }
        try await RegistryRetention.setRules(
            store: SecurityStore(root: root.path), project: "proj", rules: RetentionRules(keepLast: 3, keepTags: ["v*"])
        )
        #expect(
            try await RegistryRetention.rules(store: SecurityStore(root: root.path), project: "proj")
                == RetentionRules(keepLast: 3, keepTags: ["v*"]))
    }
}

/// Kills `berth registry retention --apply` and `berth registry gc --delete` mid-run with SIGKILL:
/// whatever the kill interrupts, scrub stays clean and every manifest the plan keeps stays whole.
@Suite(.serialized) struct RetentionCrashTests {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Starts `berth` with `arguments`, waits until `count` (what it removes) starts to fall, then
    /// kills it after `delay`; returns whether it was still running when killed.
    func killDuring(
        _ executable: String, _ arguments: [String], after delay: Duration, count: () async throws -> Int
    ) async throws -> Bool {
        let initial = try await count()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning, try await count() == initial, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        try await Task.sleep(for: delay)
        let running = process.isRunning
        if running { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return running
    }

    func manifestCount(_ storage: RegistryStorage) async throws -> Int {
        var count = 0
        for repository in try await storage.repositories() { count += try await storage.revisions(repository).count }
        return count
    }

    /// Every manifest in `kept` is stored with all it names, and the whole store scrubs clean.
    func verify(_ storage: RegistryStorage, kept: [(String, Digest)], _ label: String) async throws {
        let scrub = try await Scrubber(storage: storage).run()
        #expect(scrub.problems.isEmpty, "\(label): \(scrub.problems)")
        for (repository, digest) in kept {
            let stored = try await storage.manifest(repository, digest: digest)
            #expect(stored != nil, "\(label): \(repository)@\(digest) is kept")
        }
    }

    @Test(.timeLimit(.minutes(5))) func killNineDuringApplyAndGCLosesNothingKept() async throws {
        guard let executable = ServerProcess.required else { return }
        let seed = TestSeed.value(for: "retention crash", default: 0x5EED_0015)
        var generator = Generator(state: seed)
        let root = TemporaryRoot()
        defer { root.cleanup() }
        // 150 images in three repositories sharing one layer, every fifth with an SBOM referrer,
        // every tenth signed; the newest 10 per repository and tags keep-* are kept.
        try await withRegistry(root: root) { client, services in
            let api = API(client: client)
            let shared = randomData(30_000)
            for repository in ["proj/a", "proj/b", "proj/c/d"] {
                for number in 0..<50 {
                    let tag = number % 17 == 0 ? "keep-\(number)" : "t\(number)"
                    let image = try await api.pushImage(
                        repository, reference: tag, layers: [shared, randomData(8_000)])
                    setPushed(services.storage, repository, image.digest, daysAgo: Double(100 - number))
                    if number % 5 == 0 {
                        try await api.pushImage(
                            repository, reference: "sbom-\(number)", layers: [randomData(500)],
                            subject: (image.digest, image.data.count), artifactType: "application/vnd.cyclonedx+json")
                        _ = try await api.request(.delete, "/v2/\(repository)/manifests/sbom-\(number)")
                    }
                    if number % 10 == 3 {
                        try await api.pushImage(
                            repository, reference: image.digest.tagForm + ".sig", layers: [randomData(200)])
                    }
                }
            }
        }
        try await setRetention(root: root.path, rules: RetentionRules(keepLast: 10, keepTags: ["keep-*"]))
        let storage = try RegistryStorage(root: root.path)
        let plan = try await RegistryRetention.plan(root: root.path, project: "proj")
        let doomed = Set(plan.delete.map { "\($0.repository)@\($0.digest)" })
        var kept: [(String, Digest)] = []
        for repository in try await storage.repositories() {
            for digest in try await storage.revisions(repository) where !doomed.contains("\(repository)@\(digest)") {
                kept.append((repository, digest))
            }
        }
        #expect(plan.delete.count > 100)
        let bytesBefore = try await RegistryRetention.contentBytes(root: root.path)
        var interrupted = 0
        let retention = ["registry", "retention", "proj", "--apply", "--root", root.path, "--grace-period", "0"]
        for cycle in 0..<3 {
            let remaining = try await manifestCount(storage)
            let delay = Duration.milliseconds(Int.random(in: 0...20, using: &generator))
            let manifests = { try await self.manifestCount(storage) }
            if try await killDuring(executable, retention, after: delay, count: manifests) { interrupted += 1 }
            let after = try await manifestCount(storage)
            print("retention crash cycle \(cycle): killed after \(delay), manifests \(remaining) -> \(after)")
            try await verify(storage, kept: kept, "after killing retention (cycle \(cycle))")
        }
        for cycle in 0..<2 {
            let delay = Duration.milliseconds(Int.random(in: 0...5, using: &generator))
            let gc = ["registry", "gc", "--delete", "--grace-period", "0", "--root", root.path]
            let blobs = { try await storage.allBlobs().count }
            if try await killDuring(executable, gc, after: delay, count: blobs) { interrupted += 1 }
            try await verify(storage, kept: kept, "after killing gc (cycle \(cycle))")
        }
        // Run to the end: everything the plan named is gone, everything else whole and served.
        let finished = try await run(executable, retention, timeout: 120)
        #expect(finished.status == 0, "\(finished.error)")
        try await verify(storage, kept: kept, "after the full run")
        for deletion in plan.delete {
            #expect(
                try await storage.manifest(deletion.repository, digest: try Digest(parsing: deletion.digest)) == nil)
        }
        let bytesAfter = try await RegistryRetention.contentBytes(root: root.path)
        #expect(bytesAfter < bytesBefore)
        let keptManifests = kept
        try await withRegistry(root: root) { client, _ in
            let api = API(client: client)
            for (repository, digest) in keptManifests {
                let manifest = try await api.request(.get, "/v2/\(repository)/manifests/\(digest)")
                #expect(manifest.status == .ok)
                let summary = try ManifestParser.parse(manifest.data, contentType: manifest.header("Content-Type"))
                for blob in summary.requiredBlobs {
                    let fetched = try await api.request(.get, "/v2/\(repository)/blobs/\(blob.digest)")
                    #expect(Digest.of(fetched.data) == blob.digest)
                }
            }
        }
        print(
            "retention crash test: \(plan.delete.count) manifests planned for deletion, \(kept.count) kept, \(interrupted) of 5 runs killed mid-run; content \(bytesBefore) -> \(bytesAfter) bytes"
        )
    }
}

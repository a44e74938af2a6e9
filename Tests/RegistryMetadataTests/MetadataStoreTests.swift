import Foundation
import RegistryMetadata
import Synchronization
import TestSupport
import Testing

/// One engine's fresh database, opened as several independent stores (separate connections, as
/// separate registry processes would have).
struct Fixture {
    let engine: Engine
    let location: String
    let cleanup: @Sendable () async -> Void

    func open() async throws -> MetadataStore { try await MetadataStore.open(location) }

    func stores(_ count: Int) async throws -> [MetadataStore] {
        var stores: [MetadataStore] = []
        for _ in 0..<count { stores.append(try await open()) }
        return stores
    }
}

enum Engine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// The server `.ci/start-postgres.sh` starts; without it PostgreSQL cases are skipped (failed under CI).
    static var postgresURL: String? { ProcessInfo.processInfo.environment["BERTH_TEST_POSTGRES"] }

    /// A fresh database of this engine, or nil (after recording a failure under CI) when unavailable.
    /// With `languageOrder`, a PostgreSQL database collates text by an English locale (ICU), as
    /// clusters made with `en_US.UTF-8` do, rather than byte by byte.
    func fixture(languageOrder: Bool = false) async throws -> Fixture? {
        switch self {
        case .sqlite:
            let directory = NSTemporaryDirectory() + "berth-metadata-\(UUID().uuidString.lowercased())"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return Fixture(engine: self, location: "sqlite:\(directory)/metadata.db?busy_timeout=120") {
                try? FileManager.default.removeItem(atPath: directory)
            }
        case .postgres:
            guard let url = Self.postgresURL else {
                if Environment.isCI { Issue.record("BERTH_TEST_POSTGRES is required under CI (.ci/run sets it)") }
                return nil
            }
            // Tests run in parallel, each with several stores: keep within the server's connections.
            // A busy pool queues leases: give them time under a loaded parallel run.
            let (location, name) = try PostgresDatabases.create(
                on: url,
                query: [
                    URLQueryItem(name: "max_connections", value: "3"),
                    URLQueryItem(name: "connect_timeout", value: "120"),
                    URLQueryItem(name: "lease_timeout", value: "120"),
                ],
                options: languageOrder
                    ? "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.utf8'" : "")
            return Fixture(engine: self, location: location) { PostgresDatabases.drop(on: url, name: name) }
        }
    }
}

/// Set once, read from any task.
final class AnsweredFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
    /// Returns once set, or after `seconds`.
    func wait(seconds: Int) async throws {
        for _ in 0..<(seconds * 100) where !isSet { try await Task.sleep(nanoseconds: 10_000_000) }
    }
}

/// Runs `body` with a fresh database of `engine`, then removes it.
func withFixture(_ engine: Engine, languageOrder: Bool = false, _ body: (Fixture) async throws -> Void) async throws {
    guard let fixture = try await engine.fixture(languageOrder: languageOrder) else { return }
    do {
        try await body(fixture)
    } catch {
        await fixture.cleanup()
        throw error
    }
    await fixture.cleanup()
}

@Suite("Registry metadata on SQLite and PostgreSQL")
struct MetadataStoreTests {
    @Test("migrations apply once, even when several processes start together", arguments: Engine.allCases)
    func migrations(engine: Engine) async throws {
        try await withFixture(engine) { fixture in
            let location = fixture.location
            let applied = try await withThrowingTaskGroup(of: (MetadataStore, [Int]).self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let store: MetadataStore
                        if location.hasPrefix("sqlite:") {
                            store = MetadataStore(
                                database: try SQLiteDatabase(settings: try SQLiteSettings(location: location)))
                        } else {
                            store = MetadataStore(
                                database: PostgresDatabase(settings: try PostgresSettings(url: location)))
                        }
                        return (store, try await store.migrate())
                    }
                }
                var all: [(MetadataStore, [Int])] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(applied.flatMap(\.1).sorted() == [1, 2, 3, 4, 5, 6, 7, 8, 9])
            for (store, _) in applied {
                #expect(try await store.schemaVersion() == 9)
                #expect(try await store.migrate() == [])
                await store.close()
            }
        }
    }

    @Test("users, robots, projects and members", arguments: Engine.allCases)
    func security(engine: Engine) async throws {
        try await withFixture(engine) { fixture in
            let store = try await fixture.open()
            defer { Task { await store.close() } }
            try await store.putUser(.init(name: "alice", passwordHash: "$2b$10$x", admin: false))
            try await store.putUser(.init(name: "root", passwordHash: "$2b$10$y", admin: true))
            try await store.putUser(.init(name: "alice", passwordHash: "$2b$10$z", admin: false))
            #expect(try await store.user("alice")?.passwordHash == "$2b$10$z")
            #expect(try await store.users().map(\.name) == ["alice", "root"])
            await #expect(throws: MetadataError.notFound("no project 'wso2'")) {
                try await store.setMember(project: "wso2", user: "alice", role: "developer")
            }
            try await store.putProject(.init(name: "wso2", isPublic: true, quotaBytes: 10, policy: #"{"a":1}"#))
            #expect(
                try await store.project("wso2")
                    == .init(name: "wso2", isPublic: true, quotaBytes: 10, policy: #"{"a":1}"#))
            await #expect(throws: MetadataError.notFound("no user 'bob'")) {
                try await store.setMember(project: "wso2", user: "bob", role: "guest")
            }
            try await store.setMember(project: "wso2", user: "alice", role: "developer")
            try await store.setMember(project: "wso2", user: "alice", role: "maintainer")
            #expect(try await store.members(project: "wso2") == ["alice": "maintainer"])
            try await store.putRobot(
                .init(name: "robot$wso2+ci", secretHash: "ab", project: "wso2", role: "developer", expires: 99))
            #expect(try await store.robots(project: "wso2").map(\.name) == ["robot$wso2+ci"])
            #expect(try await store.robots(project: "other").isEmpty)
            #expect(try await store.deleteUser("alice"))
            #expect(try await store.deleteUser("alice") == false)
            #expect(try await store.members(project: "wso2").isEmpty)
            #expect(try await store.deleteRobot("robot$wso2+ci"))
            #expect(try await store.deleteProject("wso2"))
            #expect(try await store.project("wso2") == nil)
        }
    }

    @Test(
        "a tag moves only from the value the mover saw, with no lost update across stores", arguments: Engine.allCases)
    func tagCompareAndSet(engine: Engine) async throws {
        try await withFixture(engine) { fixture in
            let stores = try await fixture.stores(4)
            // 16 creators race to create one tag: exactly one wins.
            let created = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<16 {
                    group.addTask {
                        do {
                            try await stores[index % 4].moveTag(
                                repository: "wso2/apim", name: "4.5.0", to: "sha256:\(index)", expected: .absent)
                            return true
                        } catch MetadataError.conflict {
                            return false
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(created == 1)

            // 8 writers each move the tag 5 times, always from what they last read: every move's
            // previous value is distinct, so no update overwrote another unseen.
            let previous = try await withThrowingTaskGroup(of: [String].self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        let store = stores[writer % 4]
                        var seen: [String] = []
                        var moves = 0
                        while moves < 5 {
                            let current = try await store.tag(repository: "wso2/apim", name: "4.5.0")!
                            do {
                                try await store.moveTag(
                                    repository: "wso2/apim", name: "4.5.0", to: "sha256:w\(writer)-\(moves)",
                                    expected: .digest(current))
                                seen.append(current)
                                moves += 1
                            } catch MetadataError.conflict {
                                continue
                            }
                        }
                        return seen
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(previous.count == 40)
            #expect(Set(previous).count == 40)
            for store in stores { await store.close() }
        }
    }

    @Test("an immutable tag never moves and is never deleted", arguments: Engine.allCases)
    func immutableTags(engine: Engine) async throws {
        try await withFixture(engine) { fixture in
            let stores = try await fixture.stores(2)
            try await stores[0].moveTag(repository: "wso2/is", name: "7.1.0", to: "sha256:a", immutable: true)
            try await stores[1].moveTag(repository: "wso2/is", name: "7.1.0", to: "sha256:a", immutable: true)
            await #expect(throws: MetadataError.immutableTag(repository: "wso2/is", tag: "7.1.0", digest: "sha256:a")) {
                try await stores[1].moveTag(repository: "wso2/is", name: "7.1.0", to: "sha256:b", immutable: true)
            }
            await #expect(throws: MetadataError.immutableTag(repository: "wso2/is", tag: "7.1.0", digest: "sha256:a")) {
                try await stores[0].deleteTag(repository: "wso2/is", name: "7.1.0", immutable: true)
            }
            #expect(try await stores[0].tag(repository: "wso2/is", name: "7.1.0") == "sha256:a")
            #expect(try await stores[0].deleteTag(repository: "wso2/is", name: "7.1.0"))
            #expect(try await stores[0].tags(repository: "wso2/is").isEmpty)
            for index in 0..<5 {
                try await stores[0].moveTag(repository: "wso2/is", name: "t\(index)", to: "sha256:\(index)")
            }
            #expect(try await stores[1].tags(repository: "wso2/is", after: "t1", limit: 2).map(\.name) == ["t2", "t3"])
            for store in stores { await store.close() }
        }
    }

    @Test("tags list and page in byte order, whatever the database's locale", arguments: Engine.allCases)
    func tagOrder(engine: Engine) async throws {
        try await withFixture(engine, languageOrder: true) { fixture in
            let store = try await fixture.open()
            _ = try await store.migrate()
            let names = ["b", "a.1", "B", "a", "A", "a-1", "1.0", "Z_z"]
            for name in names { try await store.moveTag(repository: "wso2/is", name: name, to: "sha256:a") }
            let bytewise = names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            #expect(try await store.tags(repository: "wso2/is").map(\.name) == bytewise)
            // Paging from each name gives exactly the names after it, as the distribution API's `last` does.
            for (index, name) in bytewise.enumerated() {
                #expect(
                    try await store.tags(repository: "wso2/is", after: name, limit: 100).map(\.name)
                        == Array(bytewise[(index + 1)...]))
            }
            await store.close()
        }
    }

    @Test(
        "a lookup sees what was committed and does not wait for another process's transaction",
        arguments: Engine.allCases)
    func lookupsDoNotWait(engine: Engine) async throws {
        try await withFixture(engine) { fixture in
            let writer = try await fixture.open()
            _ = try await writer.migrate()
            let reader = try await fixture.open()
            try await writer.moveTag(repository: "wso2/is", name: "7.1.0", to: "sha256:a")
            let (updated, answered) = (AnsweredFlag(), AnsweredFlag())
            async let transaction: Void = writer.database.transaction { connection in
                try await connection.execute(
                    "UPDATE tags SET digest = ? WHERE repository = ? AND name = ?",
                    [.text("sha256:b"), .text("wso2/is"), .text("7.1.0")])
                updated.set()
                // Held open until the lookup has answered (or 20 s, when it waits for this).
                try await answered.wait(seconds: 20)
            }
            try await updated.wait(seconds: 20)
            #expect(updated.isSet)
            let seen = try await reader.tag(repository: "wso2/is", name: "7.1.0")
            answered.set()
            try await transaction
            #expect(seen == "sha256:a", "the lookup answered only after the transaction committed")
            #expect(try await reader.tag(repository: "wso2/is", name: "7.1.0") == "sha256:b")
            await writer.close()
            await reader.close()
        }
    }

    @Test(
        "the content index counts a digest once per project, however many repositories hold it",
        arguments: Engine.allCases)
    func contentIndex(engine: Engine) async throws {
        try await withFixture(engine) { fixture in
            let stores = try await fixture.stores(2)
            typealias Entry = MetadataStore.ContentEntry
            try await stores[0].addContent([
                Entry(repository: "wso2/is", project: "wso2", digest: "sha256:l1", kind: .blob, size: 1000),
                Entry(repository: "wso2/is", project: "wso2", digest: "sha256:m1", kind: .manifest, size: 10),
                Entry(repository: "wso2/am", project: "wso2", digest: "sha256:l1", kind: .blob, size: 1000),
                Entry(repository: "wso2/am", project: "wso2", digest: "sha256:l2", kind: .blob, size: 500),
                Entry(repository: "other/x", project: "other", digest: "sha256:l1", kind: .blob, size: 1000),
            ])
            // Recording again changes nothing.
            try await stores[1].addContent([
                Entry(repository: "wso2/is", project: "wso2", digest: "sha256:l1", kind: .blob, size: 1000)
            ])
            #expect(try await stores[1].projectUsage(project: "wso2") == 1510)
            #expect(try await stores[1].projectUsage(project: "other") == 1000)
            #expect(try await stores[1].projectUsage(project: "none") == 0)
            #expect(try await stores[0].projectHolds(project: "wso2", digest: "sha256:l2"))
            #expect(try await !stores[0].projectHolds(project: "other", digest: "sha256:l2"))
            // One repository letting go of a shared layer leaves the project charged for it once.
            #expect(try await stores[0].removeContent(repository: "wso2/is", digest: "sha256:l1", kind: .blob))
            #expect(try await !stores[0].removeContent(repository: "wso2/is", digest: "sha256:l1", kind: .blob))
            #expect(try await stores[1].projectUsage(project: "wso2") == 1510)
            #expect(try await stores[0].removeContent(repository: "wso2/am", digest: "sha256:l1", kind: .blob))
            #expect(try await stores[1].projectUsage(project: "wso2") == 510)
            #expect(try await stores[1].content(repository: "wso2/is").map(\.digest) == ["sha256:m1"])
            #expect(try await stores[1].indexedRepositories() == ["other/x", "wso2/am", "wso2/is"])

            try await stores[0].moveTag(repository: "wso2/is", name: "a", to: "sha256:m1")
            try await stores[0].putTags(
                repository: "wso2/is", [.init(name: "b", digest: "sha256:m1"), .init(name: "c", digest: "sha256:m2")])
            #expect(try await stores[1].deleteTags(repository: "wso2/is", pointingAt: "sha256:m1") == ["a", "b"])
            #expect(try await stores[1].tags(repository: "wso2/is").map(\.name) == ["c"])

            #expect(try await stores[0].storedValue("marker") == nil)
            try await stores[0].storeValue("marker", "one")
            try await stores[1].storeValue("marker", "two")
            #expect(try await stores[0].storedValue("marker") == "two")
            for store in stores { await store.close() }
        }
    }

    @Test("a shared value is made once: every process racing for it gets the same one", arguments: Engine.allCases)
    func sharedValue(engine: Engine) async throws {
        try await withFixture(engine) { fixture in
            let stores = try await fixture.stores(4)
            let values = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        try await stores[index % 4].sharedValue("token-signing-key") { "candidate-\(index)" }
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(Set(values).count == 1)
            #expect(values.first?.hasPrefix("candidate-") == true)
            #expect(try await stores[0].sharedValue("token-signing-key") { "late" } == values.first)
        }
    }

    @Test("audit log pages newest first with filters", arguments: Engine.allCases)
    func audit(engine: Engine) async throws {
        try await withFixture(engine) { fixture in
            let store = try await fixture.open()
            for index in 0..<120 {
                try await store.appendAudit(
                    .init(
                        at: 1_000 + Int64(index), actor: index % 2 == 0 ? "alice" : "ci", action: "push",
                        project: index % 3 == 0 ? "is" : "apim", repository: "apim/gw", outcome: "allowed",
                        detail: nil))
            }
            var pages: [[Int64]] = []
            var cursor: Int64?
            repeat {
                let page = try await store.audit(.init(before: cursor, limit: 50))
                pages.append(page.events.map(\.at))
                cursor = page.next
            } while cursor != nil
            #expect(pages.map(\.count) == [50, 50, 20])
            let times: [Int64] = pages.flatMap { $0 }
            let expected: [Int64] = (0..<120).reversed().map { 1_000 + Int64($0) }
            #expect(times == expected)
            let filtered = try await store.audit(.init(project: "is", actor: "alice", since: 1_010, until: 1_050))
            let filteredTimes: [Int64] = filtered.events.map(\.at)
            #expect(filteredTimes == [1_048, 1_042, 1_036, 1_030, 1_024, 1_018, 1_012])
            #expect(filtered.next == nil)
            await store.close()
        }
    }

    @Test("audit pages by number count every match; an action matches its dotted children", arguments: Engine.allCases)
    func auditPages(engine: Engine) async throws {
        try await withFixture(engine) { fixture in
            let store = try await fixture.open()
            let actions = ["api.user.create", "api", "apix", "pull", "api.member.set"]
            for index in 0..<25 {
                try await store.appendAudit(
                    .init(
                        at: 2_000 + Int64(index), actor: "root", action: actions[index % actions.count],
                        project: index < 10 ? "team" : nil, repository: nil, outcome: "allow", detail: nil))
            }
            let api = try await store.auditPage(.init(action: "api"), offset: 0, limit: 4)
            #expect(api.total == 15, "api, api.user.create and api.member.set; not apix")
            #expect(api.events.map(\.at) == [2_024, 2_021, 2_020, 2_019])
            let second = try await store.auditPage(.init(action: "api"), offset: 12, limit: 4)
            #expect(second.events.map(\.at) == [2_004, 2_001, 2_000])
            let window = try await store.auditPage(
                .init(project: "team", since: 2_002, until: 2_005), offset: 0, limit: 50)
            #expect(window.total == 3 && window.events.map(\.at) == [2_004, 2_003, 2_002])
            let none = try await store.auditPage(.init(actor: "nobody"), offset: 0, limit: 50)
            #expect(none.total == 0 && none.events.isEmpty)
            await store.close()
        }
    }

    @Test("security records change only from the revision the writer read", arguments: Engine.allCases)
    func securityCompareAndSet(engine: Engine) async throws {
        try await withFixture(engine) { fixture in
            let stores = try await fixture.stores(2)
            #expect(try await stores[0].securityRevision() == 0)
            var records = MetadataStore.SecurityRecords()
            records.users["root"] = .init(name: "root", passwordHash: "$2b$h", admin: true)
            records.users["dev"] = .init(name: "dev", passwordHash: "$2b$d", admin: false)
            records.projects["team"] = .init(name: "team", isPublic: false, quotaBytes: 10, policy: #"{"a":1}"#)
            records.members["team"] = ["dev": "developer"]
            records.robots["robot$team+ci"] = .init(
                name: "robot$team+ci", secretHash: "x", project: "team", role: "guest", expires: 99)
            let first = try await stores[0].replaceSecurity(from: .init(), to: records, expected: 0)
            #expect(first == 1)
            let (read, revision) = try await stores[1].securityRecords()
            #expect(read == records && revision == 1)
            // A writer that read revision 0 is refused and writes nothing.
            var stale = MetadataStore.SecurityRecords()
            stale.users["other"] = .init(name: "other", passwordHash: "$2b$o", admin: false)
            #expect(try await stores[1].replaceSecurity(from: .init(), to: stale, expected: 0) == nil)
            #expect(try await stores[0].securityRecords().records == records)
            // Removing a user, a membership and a project, and changing a policy, in one write.
            var next = read
            next.users["dev"] = nil
            next.members["team"] = nil
            next.projects["team"]?.policy = #"{"a":2}"#
            next.robots = [:]
            #expect(try await stores[1].replaceSecurity(from: read, to: next, expected: 1) == 2)
            let (after, latest) = try await stores[0].securityRecords()
            #expect(after == next && latest == 2)
            var gone = next
            gone.projects["team"] = nil
            #expect(try await stores[0].replaceSecurity(from: next, to: gone, expected: 2) == 3)
            #expect(try await stores[1].securityRecords().records == gone)
            for store in stores { await store.close() }
        }
    }

    @Test("scan results are stored with the database version", arguments: Engine.allCases)
    func scans(engine: Engine) async throws {
        try await withFixture(engine) { fixture in
            let store = try await fixture.open()
            let result = MetadataStore.ScanResult(
                digest: "sha256:a", status: "completed", databaseVersion: "v1", updated: 5, report: #"{"n":1}"#)
            try await store.putScan(result)
            #expect(try await store.scan(digest: "sha256:a") == result)
            var failed = result
            failed.status = "failed"
            failed.report = nil
            try await store.putScan(failed)
            #expect(try await store.scan(digest: "sha256:a") == failed)
            #expect(try await store.scan(digest: "sha256:b") == nil)
            await store.close()
        }
    }
}

@Suite("PostgreSQL connection settings")
struct PostgresSettingsTests {
    @Test("the URL, with libpq's environment variables filling the rest")
    func parse() throws {
        let full = try PostgresSettings(url: "postgres://reg:s%40cret@db.example:6543/registry", environment: [:])
        #expect(
            full
                == PostgresSettings(
                    host: "db.example", port: 6543, user: "reg", password: "s@cret", database: "registry"))
        let environment = [
            "PGHOST": "10.0.0.5", "PGPORT": "5433", "PGUSER": "berth", "PGPASSWORD": "pw", "PGDATABASE": "meta",
        ]
        let fromEnvironment = try PostgresSettings(url: "postgres://", environment: environment)
        #expect(
            fromEnvironment
                == PostgresSettings(host: "10.0.0.5", port: 5433, user: "berth", password: "pw", database: "meta"))
        let tuned = try PostgresSettings(
            url: "postgres://u@h/d?max_connections=3&connect_timeout=2&lease_timeout=45", environment: [:])
        #expect(tuned.maximumConnections == 3 && tuned.connectTimeoutSeconds == 2 && tuned.leaseTimeoutSeconds == 45)
        #expect(try PostgresSettings(url: "postgres://u@h/d", environment: [:]).leaseTimeoutSeconds == 30)
        #expect(PostgresSettings.redacted("postgres://u:secret@h/d") == "postgres://u:***@h/d")
    }

    @Test("a SQLite location takes a path and how long to wait for another process's transaction")
    func sqliteLocations() throws {
        #expect(try SQLiteSettings(location: "sqlite:state/m.db") == SQLiteSettings(path: "state/m.db"))
        #expect(try SQLiteSettings(location: "/var/m.db") == SQLiteSettings(path: "/var/m.db"))
        #expect(
            try SQLiteSettings(location: "sqlite:/var/m.db?busy_timeout=90")
                == SQLiteSettings(path: "/var/m.db", busyTimeout: 90))
        for (bad, reason) in [
            ("sqlite:", "needs a file path"), ("sqlite:dir/", "needs a file path"),
            ("sqlite:m.db?busy_timeout=0", "1 to 3600"), ("sqlite:m.db?busy_timeout=x", "1 to 3600"),
            ("sqlite:m.db?mode=ro", "unknown SQLite parameter 'mode=ro'"),
        ] {
            #expect {
                try SQLiteSettings(location: bad)
            } throws: { error in
                "\(error)".contains(reason)
            }
        }
    }

    @Test("unusable URLs are refused with the reason, never echoing a password")
    func refuse() {
        #expect(throws: MetadataError.invalidConfiguration("database URL names no user (nor is PGUSER set)")) {
            try PostgresSettings(url: "postgres://h/d", environment: [:])
        }
        #expect(throws: MetadataError.invalidConfiguration("PGPORT 'x' is not a port")) {
            try PostgresSettings(url: "postgres://u@h/d", environment: ["PGPORT": "x"])
        }
        #expect(throws: MetadataError.invalidConfiguration("database URL parameter 'sslmode' is not supported")) {
            try PostgresSettings(url: "postgres://u@h/d?sslmode=require", environment: [:])
        }
        do {
            _ = try PostgresSettings(url: "mysql://u:hunter2@h/d", environment: [:])
            Issue.record("accepted a mysql URL")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
    }

    @Test("an unreachable server is reported as unavailable, not a crash or a hang")
    func unreachable() async throws {
        var settings = PostgresSettings(host: "127.0.0.1", port: 1, user: "u", password: nil, database: "d")
        settings.connectTimeoutSeconds = 2
        settings.leaseTimeoutSeconds = 2
        let store = MetadataStore(database: PostgresDatabase(settings: settings))
        do {
            try await store.migrate()
            Issue.record("migrated against nothing")
        } catch let error as MetadataError {
            guard case .unavailable = error else {
                Issue.record("expected unavailable, got \(error)")
                return
            }
        }
        await store.close()
    }
}

import Foundation
import RegistryMetadata
import TestSupport
import Testing

/// PostgreSQL restarted while writers push: writers get `unavailable` (retryable) errors during the
/// outage, nothing acknowledged is lost, and writing resumes on the same stores afterwards.
@Suite("Registry metadata across a PostgreSQL restart", .serialized)
struct PostgresRestartTests {
    static let pgCtl = "/usr/lib/postgresql/15/bin/pg_ctl"

    /// A cluster of its own (the shared one serves the other tests), started by the CI script.
    static func startCluster() throws -> (url: String, data: String)? {
        guard Engine.postgresURL != nil, FileManager.default.isExecutableFile(atPath: pgCtl) else {
            if Environment.isCI { Issue.record("PostgreSQL is required under CI (.ci/run starts it)") }
            return nil
        }
        let data = NSTemporaryDirectory() + "berth-pg-restart-\(UUID().uuidString.prefix(8))"
        let port = Int.random(in: 56000...56999)
        let result = try ChildProcess.runSync(
            "bash", [Repository.url(".ci/start-postgres.sh").path, data, String(port)], timeout: 180)
        guard result.status == 0,
            let line = result.output.split(separator: "\n").first(where: { $0.contains("BERTH_TEST_POSTGRES=") })
        else {
            Issue.record("could not start a PostgreSQL cluster: \(result.error)")
            return nil
        }
        return (String(line.split(separator: "=", maxSplits: 1)[1]), data)
    }

    /// pg_ctl with every standard stream away from the test's pipes: a server it starts keeps
    /// what it inherits open, and the test would wait for those pipes to close.
    static func pgctl(_ data: String, _ arguments: [String]) throws -> ProcessResult {
        let owner = getuid() == 0 ? "runuser -u postgres -- " : ""
        let command = "\(owner)\(pgCtl) -D '\(data)' \(arguments.joined(separator: " ")) -l '\(data)/server.log'"
        let closeInherited =
            "for fd in /proc/$$/fd/*; do fd=${fd##*/}; if ((fd > 2)); then eval \"exec $fd>&-\" 2>/dev/null || true; fi; done; "
        return try ChildProcess.runSync(
            "bash", ["-c", closeInherited + command + " </dev/null >/dev/null 2>&1"], timeout: 120)
    }

    @Test func writesSurviveARestart() async throws {
        guard let cluster = try Self.startCluster() else { return }
        defer {
            _ = try? Self.pgctl(cluster.data, ["-m", "immediate", "stop"])
            try? FileManager.default.removeItem(atPath: cluster.data)
        }
        var settings = try PostgresSettings(url: cluster.url)
        // Generous: under a loaded test run a new connection (SCRAM authentication) can take seconds.
        settings.connectTimeoutSeconds = 15
        let stores = (0..<2).map { _ in MetadataStore(database: PostgresDatabase(settings: settings)) }
        try await stores[0].migrate()
        try await stores[0].putProject(.init(name: "wso2", quotaBytes: nil))

        let restart = Task.detached {
            try await Task.sleep(nanoseconds: 300_000_000)
            return try Self.pgctl(cluster.data, ["-m", "fast", "-w", "restart"])
        }
        // 4 writers push tags and manifests for about 3 seconds, across the restart.
        let deadline = Date().addingTimeInterval(3)
        let outcomes = try await withThrowingTaskGroup(of: (acknowledged: [Int], unavailable: Int).self) { group in
            for writer in 0..<4 {
                group.addTask {
                    var acknowledged: [Int] = []
                    var unavailable = 0
                    var index = writer * 100_000
                    while Date() < deadline {
                        index += 1
                        do {
                            try await stores[writer % 2].recordManifest(
                                project: "wso2", repository: "wso2/apim", digest: "sha256:\(index)", mediaType: "m",
                                size: 1, references: [])
                            try await stores[writer % 2].moveTag(
                                repository: "wso2/apim", name: "t\(index)", to: "sha256:\(index)")
                            acknowledged.append(index)
                        } catch let error as MetadataError {
                            guard case .unavailable = error else { throw error }
                            unavailable += 1
                            try await Task.sleep(nanoseconds: 50_000_000)
                        }
                    }
                    return (acknowledged, unavailable)
                }
            }
            return try await group.reduce(into: [(acknowledged: [Int], unavailable: Int)]()) { $0.append($1) }
        }
        let restarted = try await restart.value
        #expect(restarted.status == 0, "\(restarted.error)")
        let acknowledged = outcomes.flatMap(\.acknowledged)
        #expect(!acknowledged.isEmpty)
        // Every acknowledged write is there, read through either store.
        for (offset, index) in acknowledged.enumerated() {
            let digest = try await stores[offset % 2].tag(repository: "wso2/apim", name: "t\(index)")
            #expect(digest == "sha256:\(index)")
        }
        // And the stores write again after the restart.
        try await stores[1].moveTag(repository: "wso2/apim", name: "after", to: "sha256:after")
        #expect(try await stores[0].tag(repository: "wso2/apim", name: "after") == "sha256:after")
        print(
            "restart: \(acknowledged.count) acknowledged, \(outcomes.map(\.unavailable).reduce(0, +)) unavailable during the outage"
        )
        for store in stores { await store.close() }
    }
}

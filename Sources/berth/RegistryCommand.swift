import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Registry
import RegistryMetadata

/// `berth registry ...`: the private OCI registry and its administration.
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Run and administer Berth's private OCI registry.",
        subcommands: [
            RegistryServeCommand.self, RegistryGCCommand.self, RegistryScrubCommand.self,
            RegistryUserCommand.self, RegistryRobotCommand.self, RegistryProjectCommand.self,
            RegistryScanCommand.self, RegistryRetentionCommand.self, RegistryWebhooksCommand.self,
        ]
    )
}

/// Options shared by every command that works on a storage root.
struct RegistryRootOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (registry.yaml).")
    var config: String?

    @Option(name: .long, help: "Storage root directory (overrides the configuration).")
    var root: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Keep content on an S3-compatible object store (overrides the configuration).",
            discussion:
                "s3://BUCKET[/PREFIX]?endpoint=URL&region=R&path-style=true; credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) or the shared credentials file. Users, audit log and scan records stay under --root unless --database names a database.",
            valueName: "url"))
    var storage: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The metadata database: PostgreSQL that replicas share, or SQLite for one node (overrides the configuration).",
            discussion:
                "postgres://USER@HOST:PORT/DB, the password from PGPASSWORD (libpq's PGHOST, PGPORT, PGUSER and PGDATABASE fill what the URL leaves out); or sqlite:PATH[?busy_timeout=SECONDS] (relative to the root). It holds users, robots, projects, members, policies, tags, an index of what each repository holds (quota use), the audit log, scan records and the token signing key; a security.json and tags already under the root are imported into an empty database. Several serve processes on one object store need PostgreSQL: garbage collection takes its lock there too.",
            valueName: "url"))
    var database: String?

    @Flag(
        name: .customLong("storage-redirect"),
        help: "Answer blob downloads from the object store with a redirect to a presigned URL.")
    var storageRedirect = false

    /// The configuration after applying the file and the flags.
    func load() throws -> RegistryConfiguration {
        var configuration = RegistryConfiguration()
        if let config {
            do {
                configuration = try RegistryConfiguration.load(path: config)
            } catch {
                throw CommandFailure("\(error)")
            }
        }
        if let root { configuration.root = root }
        if let storage { configuration.storage = storage }
        if let database { configuration.database = database }
        if storageRedirect { configuration.storageRedirect = true }
        do {
            try configuration.validate()
        } catch {
            throw CommandFailure("\(error)")
        }
        return configuration
    }

    /// The users, robots and projects the configuration names: its metadata database, else the
    /// file under its root.
    func admin() async throws -> RegistryAdmin {
        try await RegistryAdmin.open(try load())
    }

    /// The storage the configuration names, its metadata database migrated.
    func openStorage(_ configuration: RegistryConfiguration) async throws -> RegistryStorage {
        do {
            let storage = try RegistryStorage.open(configuration)
            try await storage.prepareMetadata()
            return storage
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}

struct RegistryServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the OCI distribution API (v1.1) with tokens, policies and metrics.")

    @OptionGroup var options: RegistryRootOptions

    @Option(name: .long, help: "Listen address host:port (default 127.0.0.1:5000).")
    var addr: String?

    @Option(name: .customLong("tls-cert"), help: "TLS certificate chain (PEM).")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "TLS private key (PEM).")
    var tlsKey: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(
        name: .customLong("scan-db"),
        help: "Scan pushed images against this vulnerability database (berth db import writes it).")
    var scanDB: String?

    @Option(name: .customLong("scan-workers"), help: "Scans run at the same time (default 2).")
    var scanWorkers: Int?

    func validate() throws {
        if let scanWorkers, !(1...64).contains(scanWorkers) {
            throw ValidationError("--scan-workers must be between 1 and 64")
        }
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError(
                "unknown log level '\(logLevel)': use trace, debug, info, notice, warning, error or critical")
        }
    }

    func run() async throws {
        var configuration = try options.load()
        if let addr { configuration.address = addr }
        if let tlsCert { configuration.tlsCertificate = tlsCert }
        if let tlsKey { configuration.tlsKey = tlsKey }
        if let scanDB { configuration.scanning.database = scanDB }
        if let scanWorkers { configuration.scanning.workers = scanWorkers }
        do {
            try configuration.validate()
        } catch {
            throw CommandFailure("\(error)")
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "berth.registry")
        tuneAllocatorForStreaming()
        let services = try await RegistryServices(configuration: configuration)
        if try await !services.security.current().authenticationEnabled && !configuration.isLoopback {
            throw CommandFailure(
                "refusing to serve without authentication on '\(configuration.address)': add a user (berth registry user add) or listen on a loopback address"
            )
        }
        if configuration.tlsCertificate == nil && !configuration.isLoopback {
            logger.warning("serving without TLS on a non-loopback address; credentials travel in clear text")
        }
        let app = try buildApplication(services: services, logger: logger) { channel in
            let address = channel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
            logger.info(
                "listening",
                metadata: [
                    "address": .string(address), "root": .string(services.storage.root),
                    "storage": .string(services.storage.driver.description),
                ])
            FileHandle.standardOutput.write(Data("listening on \(address)\n".utf8))
        }
        try await app.runService()
    }
}

struct RegistryGCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc", abstract: "Remove blobs no manifest references (dry run unless --delete).")

    @OptionGroup var options: RegistryRootOptions

    @Flag(name: .long, help: "Really delete; without it only report.")
    var delete = false

    @Option(
        name: .customLong("grace-period"),
        help: "Keep unreferenced blobs younger than this many seconds (default 3600).")
    var gracePeriod: Double = 3600

    func validate() throws {
        guard gracePeriod >= 0 else { throw ValidationError("--grace-period must not be negative") }
    }

    func run() async throws {
        let configuration = try options.load()
        let storage = try await options.openStorage(configuration)
        let collector = GarbageCollector(
            storage: storage, gracePeriod: gracePeriod, uploadExpiry: TimeInterval(configuration.uploadExpirySeconds))
        let report: GarbageCollector.Report
        do {
            report = try await collector.run(dryRun: !delete)
        } catch let running as MetadataStore.CollectionRunning {
            throw CommandFailure("\(running); run gc again when it has finished")
        }
        let verb = delete ? "removed" : "would remove"
        if let run = report.run { print("collection \(run) (recorded in the metadata database)") }
        for digest in report.removedBlobs { print("\(verb) \(digest)") }
        print(
            "\(report.referenced) referenced, \(verb) \(report.removedBlobs.count) blobs (\(report.removedBytes) bytes) and \(report.removedUploads) stale uploads; kept \(report.keptRecent) recent"
                + (storage.metadata == nil
                    ? "" : "; \(delete ? "corrected" : "would correct") \(report.indexCorrected) index entries")
        )
    }
}

struct RegistryScrubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scrub", abstract: "Verify every blob's digest and every manifest's references.")

    @OptionGroup var options: RegistryRootOptions

    @Flag(
        help: ArgumentHelp(
            "With a metadata database: make its index of what each repository holds (quota use) say what the store holds.",
            discussion: "Takes the content lock exclusively while it rewrites a repository's entries."))
    var reindex = false

    func run() async throws {
        let configuration = try options.load()
        let progress = Terminal.standardErrorIsTerminal ? ScrubProgress.line : nil
        let report = try await Scrubber(storage: try await options.openStorage(configuration), reindex: reindex).run(
            progress: progress)
        for problem in report.problems { print("affected \(problem)") }
        if reindex { print("reindexed \(report.indexDrift) entries") }
        print(
            "checked \(report.blobsChecked) blobs and \(report.manifestsChecked) manifests: \(report.problems.isEmpty ? "ok" : "\(report.problems.count) problems")"
        )
        if !report.problems.isEmpty { throw ExitCode(1) }
    }
}

/// The scrub progress line on a terminal: rewritten in place on standard error, at most ten times a
/// second. The scrubber calls it under its lock, never concurrently.
enum ScrubProgress {
    nonisolated(unsafe) static var last: UInt64 = 0

    static let line: Scrubber.Progress = { done, total, bytes in
        let now = DispatchTime.now().uptimeNanoseconds
        guard done == total || now &- last >= 100_000_000 else { return }
        last = now
        let size = ByteCountFormatter.string(fromByteCount: bytes, countStyle: .binary)
        let text = "\rscrubbing blobs: \(done)/\(total), \(size)" + (done == total ? "\n" : "")
        FileHandle.standardError.write(Data(text.utf8))
    }
}

import ArgumentParser
import Foundation
import OCI
import Registry

/// `berth registry scan`: scans stored images on request, beside a running server or without one.
struct RegistryScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan stored images now (all, one repository or one digest) and print their records.",
        discussion: """
            Writes the same records and SBOM and vulnerability report referrers as scan on push; a running \
            server reads them at the next pull. Without --force only images with no current record (none, \
            failed, or from another database version) are scanned. With --url the running registry queues \
            the scans on its own workers (the admin API's requestScan) and the command prints how many.
            """
    )

    @OptionGroup var options: RegistryRootOptions
    @OptionGroup var remoteOptions: RegistryRemoteOptions

    @Option(name: .long, help: "The vulnerability database (default: scanning.database of the configuration).")
    var db: String?

    @Option(name: .long, help: "Scans run at the same time (default: scanning.workers).")
    var workers: Int?

    @Flag(name: .long, help: "Scan even images whose record is current.")
    var force = false

    @Argument(help: "REPOSITORY or REPOSITORY@DIGEST; all repositories when omitted.")
    var target: String?

    func validate() throws {
        if let workers, !(1...64).contains(workers) { throw ValidationError("--workers must be between 1 and 64") }
        if let target, let at = target.firstIndex(of: "@"),
            (try? Digest(parsing: String(target[target.index(after: at)...]))) == nil
        {
            throw ValidationError("'\(target)' is not REPOSITORY@DIGEST")
        }
    }

    func run() async throws {
        if let client = try remoteOptions.client() {
            // The running registry queues the scans on its own workers.
            guard let target else { throw CommandFailure("with --url, name a REPOSITORY or REPOSITORY@DIGEST") }
            let name = target.split(separator: "@", maxSplits: 1).first.map(String.init) ?? target
            let project = String(name.split(separator: "/", maxSplits: 1).first ?? Substring(name))
            let digest = target.contains("@") ? target.split(separator: "@", maxSplits: 1).last.map(String.init) : nil
            let answer = try await remote {
                try await client.requestScan(
                    project: project, APIScanRequest(repository: name, digest: digest, force: self.force))
            }
            print("queued \(answer.queued) images in \(project)")
            return
        }
        let configuration = try options.load()
        guard let database = db ?? configuration.scanning.database else {
            throw CommandFailure("name the vulnerability database with --db or scanning.database")
        }
        let storage = try await options.openStorage(configuration)
        let scanner = ImageScanner(storage: storage, databasePath: database)
        let version: String
        do {
            version = try ScanDatabase.version(path: database)
        } catch {
            throw CommandFailure("\(error)")
        }
        var repository = target
        var digest: Digest?
        if let target, let at = target.firstIndex(of: "@") {
            repository = String(target[..<at])
            digest = try? Digest(parsing: String(target[target.index(after: at)...]))
        }
        let queue = ScanQueue(
            scanner: scanner, workers: workers ?? configuration.scanning.workers, capacity: 100_000)
        queue.start()
        let force = force
        let queued = try await queue.rescan(repository: repository, digest: digest) { record in
            force || record == nil || record?.status == .failed || record?.databaseVersion != version
        }
        await queue.waitUntilIdle()
        queue.stop()
        var failed = 0
        for name in try await storage.repositories() where repository == nil || repository == name {
            for revision in try await storage.revisions(name) where digest == nil || digest == revision {
                guard let record = try await scanner.results.record(revision), record.repository == name else {
                    continue
                }
                if record.status == .failed {
                    failed += 1
                    print("\(name)@\(revision)  failed: \(record.error ?? "unknown error")")
                    continue
                }
                let counts = record.counts
                let summary = ["critical", "high", "medium", "low", "negligible", "unknown"].compactMap { level in
                    counts[level].map { "\($0) \(level)" }
                }
                print(
                    "\(name)@\(revision)  \(record.packages) packages, \(record.findings.count) vulnerabilities"
                        + (summary.isEmpty ? "" : " (\(summary.joined(separator: ", ")))")
                        + "  database \(record.databaseVersion ?? "?")")
            }
        }
        print("scanned \(queued) images with database \(version)")
        if failed > 0 { throw ExitCode(1) }
    }
}

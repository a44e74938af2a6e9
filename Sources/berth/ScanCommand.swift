import ArgumentParser
import BerthCore
import Foundation
import Image
import Scan

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract:
            "Report the known vulnerabilities of an image's packages, offline, from a database berth db import made.",
        discussion: """
            Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 the image or the \
            database could not be read.
            """
    )

    @OptionGroup var imageOptions: ImageOptions

    @Option(help: "The vulnerability database (default: $BERTH_DB, else the user's cache directory).")
    var db: String?

    @Option(help: "Output format: table, json, sarif or cyclonedx-json.")
    var format: String = "table"

    @Option(help: "Exit 1 when a finding is at or above: negligible, low, medium, high, critical or none.")
    var failOn: String = "none"

    @Flag(help: "Leave out findings no version fixes yet.")
    var ignoreUnfixed = false

    @Option(help: "Write to this file (atomically) instead of standard output.")
    var output: String?

    @Flag(help: "Do not print warnings met while reading the image.")
    var quiet = false

    func validate() throws {
        guard ScanFormat(rawValue: format) != nil else {
            throw ValidationError(
                "unknown format '\(format)': use \(ScanFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard failOn == "none" || VulnerabilitySeverity(rawValue: failOn) != nil else {
            throw ValidationError("--fail-on must be negligible, low, medium, high, critical or none")
        }
    }

    func run() async throws {
        let result: ScanResult
        do {
            let database = try VulnerabilityDatabase.open(path: db ?? VulnerabilityDatabase.defaultPath())
            let catalog = try await imageOptions.withImage { image throws(ScanError) in try Cataloger.catalog(image) }
            var findings = try Matcher.match(catalog, database: database)
            if ignoreUnfixed { findings.removeAll { $0.fixedVersion == nil } }
            result = ScanResult(catalog: catalog, findings: findings, sources: try database.sources())
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        if !quiet {
            for warning in result.catalog.warnings { Terminal.error("warning: \(warning)") }
        }
        try writeOutput(result.render(ScanFormat(rawValue: format) ?? .table), to: output)
        if let threshold = VulnerabilitySeverity(rawValue: failOn),
            result.findings.contains(where: { $0.severity >= threshold })
        {
            throw ExitCode(1)
        }
    }
}

struct DBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Build and inspect the offline vulnerability database berth scan reads.",
        subcommands: [DBImportCommand.self, DBStatusCommand.self]
    )
}

struct DBImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import OSV records (a folder, a zip or one file) and the Debian security tracker's JSON.",
        discussion: """
            The import is atomic: it is written to a copy that replaces the database only when complete, \
            so a failed import leaves the old database as it was. Records already imported from the same \
            source are replaced by id.
            """
    )

    @Option(help: "The database to write (default: $BERTH_DB, else the user's cache directory).")
    var db: String?

    @Argument(help: "OSV folders, zips or JSON files, and Debian tracker JSON files.")
    var sources: [String] = []

    func validate() throws {
        if sources.isEmpty { throw ValidationError("name at least one source to import") }
    }

    func run() throws {
        let path = db ?? VulnerabilityDatabase.defaultPath()
        do {
            var batches: [(source: String, kind: String, records: [VulnerabilityRecord])] = []
            for source in sources {
                for batch in try SourceLoader.load(source) { batches.append((batch.source, batch.kind, batch.records)) }
            }
            try VulnerabilityDatabase.importRecords(batches, into: path)
            let total = batches.reduce(0) { $0 + $1.records.count }
            Terminal.write("imported \(total) records from \(batches.count) sources into \(path)\n")
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
    }
}

struct DBStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the database's sources, record counts and age."
    )

    @Option(help: "The database to read (default: $BERTH_DB, else the user's cache directory).")
    var db: String?

    func run() throws {
        let path = db ?? VulnerabilityDatabase.defaultPath()
        do {
            let database = try VulnerabilityDatabase.open(path: path)
            var out = "database: \(path)\n"
            let now = Date()
            for source in try database.sources() {
                let hours = Int(now.timeIntervalSince(source.importedAt) / 3600)
                out += "\(source.name)  \(source.kind)  \(source.records) records  imported \(hours)h ago\n"
            }
            Terminal.write(out)
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
    }
}

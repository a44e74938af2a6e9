import ArgumentParser
import Audit
import BerthCore
import Foundation
import Image
import Rules
import Scan

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract:
            "Report the known vulnerabilities of an image's packages, offline, from a database berth db import made.",
        discussion: """
            IMAGE may also be sbom:PATH, an SBOM berth sbom --format json wrote, to match it without \
            reading the image again. Vulnerabilities listed under scan.ignore in .berth.yaml (id, reason, \
            optional expires YYYY-MM-DD and package) are left out and reported as ignored; an expired \
            ignore is reported and its findings count again. Exit codes: 0 no finding at or above \
            --fail-on, 1 findings at or above it, 2 the image, the database or the configuration could \
            not be read.
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

    @Option(help: "Configuration file with scan.ignore (default: the nearest .berth.yaml at or above this directory).")
    var config: String?

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
        let ignores: [VulnerabilityIgnore]
        do {
            ignores = try loadIgnores()
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }
        let result: ScanResult
        let outcome: IgnoreOutcome
        do {
            let database = try VulnerabilityDatabase.open(path: db ?? VulnerabilityDatabase.defaultPath())
            let catalog: Catalog
            if let sbomPath = imageOptions.sbomPath {
                catalog = try SBOMReader.read(path: sbomPath)
            } else {
                let options = imageOptions.catalogOptions
                catalog = try await imageOptions.withImage { image throws(ScanError) in
                    try Cataloger.catalog(image, options: options)
                }
            }
            var findings = try Matcher.match(catalog, database: database)
            if ignoreUnfixed { findings.removeAll { $0.fixedVersion == nil } }
            outcome = IgnoreOutcome.apply(ignores, to: findings, on: Date())
            result = ScanResult(
                catalog: catalog, findings: outcome.findings, sources: try database.sources(),
                ignored: outcome.ignored, expiredIgnores: outcome.expired)
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        for warning in outcome.warnings { Terminal.error("warning: \(warning)") }
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

extension ScanCommand {
    /// The `scan.ignore` entries of `--config`, else of the nearest `.berth.yaml`.
    func loadIgnores() throws -> [VulnerabilityIgnore] {
        let path =
            config
            ?? NearestFile.find(CheckConfiguration.fileNames, from: FileManager.default.currentDirectoryPath)
        guard let path else { return [] }
        let configuration = try CheckConfiguration.load(
            path: path, knownRules: Set(BuiltInRules.descriptions.map(\.id) + AuditRules.descriptions.map(\.id)))
        return configuration.scanIgnores.map {
            VulnerabilityIgnore(
                id: $0.id, reason: $0.reason, expires: $0.expires, package: $0.package, origin: "\(path):\($0.line)")
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
            source are replaced by id. JSON files are read record by record, so memory stays bounded \
            whatever their size.
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
            let imported = try VulnerabilityDatabase.importRecords(into: path) { add throws(ScanError) in
                for source in sources { try SourceLoader.stream(source, into: add) }
            }
            let total = imported.reduce(0) { $0 + $1.imported }
            Terminal.write("imported \(total) records from \(imported.count) sources into \(path)\n")
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

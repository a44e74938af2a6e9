import BerthCore
import Foundation

/// The formats `berth scan` writes.
public enum ScanFormat: String, Sendable, CaseIterable {
    case table
    case json
    case sarif
    case cyclonedxJSON = "cyclonedx-json"
}

/// A scan's result: the catalogue and the findings in it.
public struct ScanResult: Sendable {
    public var catalog: Catalog
    public var findings: [VulnerabilityFinding]
    /// Database sources the findings were matched against.
    public var sources: [SourceStatus]
    /// Findings left out by `scan.ignore`, with the ignore that left each out.
    public var ignored: [IgnoredFinding]
    /// `scan.ignore` entries past their expiry: their findings are in `findings` again.
    public var expiredIgnores: [VulnerabilityIgnore]

    public init(
        catalog: Catalog, findings: [VulnerabilityFinding], sources: [SourceStatus], ignored: [IgnoredFinding] = [],
        expiredIgnores: [VulnerabilityIgnore] = []
    ) {
        self.catalog = catalog
        self.findings = findings
        self.sources = sources
        self.ignored = ignored
        self.expiredIgnores = expiredIgnores
    }

    public func render(_ format: ScanFormat, timestamp: Date = Date(), serial: UUID = UUID()) -> String {
        switch format {
        case .table: return table()
        case .json: return json()
        case .sarif: return sarif()
        case .cyclonedxJSON:
            var byID: [String: SBOMWriter.CycloneDXVulnerability] = [:]
            var order: [String] = []
            for finding in findings {
                if byID[finding.id] == nil {
                    order.append(finding.id)
                    byID[finding.id] = SBOMWriter.CycloneDXVulnerability(
                        id: finding.id, aliases: finding.aliases, severity: finding.severity.rawValue,
                        score: finding.score, vector: finding.vector, description: finding.summary,
                        fixedVersion: finding.fixedVersion, affects: [])
                }
                byID[finding.id]?.affects.append(finding.packageIndex)
            }
            return SBOMWriter.cycloneDX(
                catalog, timestamp: timestamp, serial: serial, vulnerabilities: order.compactMap { byID[$0] })
        }
    }

    func table() -> String {
        let header = ["SEVERITY", "ID", "PACKAGE", "INSTALLED", "FIXED", "ALIASES"]
        let rows =
            [header]
            + findings.map {
                [
                    $0.severity.rawValue, $0.id, $0.packageName, $0.installedVersion, $0.fixedVersion ?? "(none)",
                    $0.aliases.joined(separator: ","),
                ]
            }
        var widths = Array(repeating: 0, count: header.count)
        for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
        var out = ""
        for row in rows {
            for (column, cell) in row.enumerated() {
                out +=
                    column == row.count - 1
                    ? cell : cell.padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0)
            }
            out += "\n"
        }
        var counts: [VulnerabilitySeverity: Int] = [:]
        for finding in findings { counts[finding.severity, default: 0] += 1 }
        let summary = VulnerabilitySeverity.allCases.reversed().compactMap { severity in
            counts[severity].map { "\($0) \(severity.rawValue)" }
        }
        out += "\n\(findings.count) vulnerabilities in \(catalog.packages.count) packages"
        out += summary.isEmpty ? "\n" : " (" + summary.joined(separator: ", ") + ")\n"
        if !ignored.isEmpty {
            out += "\(ignored.count) ignored (scan.ignore):\n"
            for entry in ignored {
                out += "  \(entry.finding.id) in \(entry.finding.packageName): \(entry.ignore.reason)"
                out += entry.ignore.expires.map { " (until \($0))" } ?? ""
                out += "\n"
            }
        }
        for ignore in expiredIgnores {
            out += "expired ignore: \(ignore.id) (\(ignore.origin), expired \(ignore.expires ?? "?")): reported again\n"
        }
        return out
    }

    /// Berth's scan JSON (docs/output.md): the SBOM JSON's fields plus `findings` and `database`.
    func json() -> String {
        var out = JSONWriter()
        out.raw("{")
        out.key("schemaVersion", first: true)
        out.number(SBOMWriter.jsonSchemaVersion)
        out.key("image")
        SBOMWriter.writeImage(&out, catalog)
        out.key("distribution")
        if let distribution = catalog.distribution {
            SBOMWriter.writeDistribution(&out, distribution)
        } else {
            out.raw("null")
        }
        out.key("findings")
        out.array(findings) { out, finding in
            out.raw("{")
            out.key("id", first: true)
            out.string(finding.id)
            out.key("aliases")
            out.stringArray(finding.aliases)
            out.key("severity")
            out.string(finding.severity.rawValue)
            out.key("score")
            if let score = finding.score { out.raw(String(format: "%.1f", score)) } else { out.raw("null") }
            out.key("vector")
            out.stringOrNull(finding.vector)
            out.key("package")
            SBOMWriter.writePackage(&out, catalog.packages[finding.packageIndex])
            out.key("installedVersion")
            out.string(finding.installedVersion)
            out.key("fixedVersion")
            out.stringOrNull(finding.fixedVersion)
            out.key("ecosystem")
            out.string(finding.ecosystem)
            out.key("summary")
            out.stringOrNull(finding.summary)
            out.raw("}")
        }
        out.key("ignored")
        out.array(ignored) { out, entry in
            out.raw("{")
            out.key("id", first: true)
            out.string(entry.finding.id)
            out.key("aliases")
            out.stringArray(entry.finding.aliases)
            out.key("severity")
            out.string(entry.finding.severity.rawValue)
            out.key("package")
            out.string(entry.finding.packageName)
            out.key("installedVersion")
            out.string(entry.finding.installedVersion)
            out.key("ignore")
            Self.writeIgnore(&out, entry.ignore)
            out.raw("}")
        }
        out.key("expiredIgnores")
        out.array(expiredIgnores) { out, ignore in Self.writeIgnore(&out, ignore) }
        out.key("database")
        out.array(sources) { out, source in
            out.raw("{")
            out.key("name", first: true)
            out.string(source.name)
            out.key("kind")
            out.string(source.kind)
            out.key("records")
            out.number(source.records)
            out.key("importedAt")
            out.string(SBOMWriter.iso8601(source.importedAt))
            out.raw("}")
        }
        out.key("warnings")
        out.stringArray(catalog.warnings)
        out.raw("}\n")
        return out.output
    }

    static func writeIgnore(_ out: inout JSONWriter, _ ignore: VulnerabilityIgnore) {
        out.raw("{")
        out.key("id", first: true)
        out.string(ignore.id)
        out.key("reason")
        out.string(ignore.reason)
        out.key("expires")
        out.stringOrNull(ignore.expires)
        out.key("package")
        out.stringOrNull(ignore.package)
        out.key("origin")
        out.string(ignore.origin)
        out.raw("}")
    }

    /// SARIF 2.1.0: one rule per vulnerability id, one result per vulnerable package, located at the
    /// file that declares the package.
    func sarif() -> String {
        var out = JSONWriter()
        out.raw("{")
        out.key("version", first: true)
        out.string("2.1.0")
        out.key("$schema")
        out.string("https://json.schemastore.org/sarif-2.1.0.json")
        out.key("runs")
        out.raw("[{")
        out.key("tool", first: true)
        out.raw("{")
        out.key("driver", first: true)
        out.raw("{")
        out.key("name", first: true)
        out.string("berth")
        out.key("version")
        out.string(BerthVersion.current)
        out.key("rules")
        var seen = Set<String>()
        let rules = findings.filter { seen.insert($0.id).inserted }
        out.array(rules) { out, finding in
            out.raw("{")
            out.key("id", first: true)
            out.string(finding.id)
            out.key("shortDescription")
            out.raw("{\"text\":")
            out.string(finding.summary ?? finding.id)
            out.raw("}")
            out.key("defaultConfiguration")
            out.raw("{\"level\":")
            out.string(Self.level(finding.severity))
            out.raw("}")
            out.key("properties")
            out.raw("{\"security-severity\":")
            out.string(String(format: "%.1f", finding.score ?? Self.nominalScore(finding.severity)))
            out.raw(",\"tags\":[\"security\",\"vulnerability\"]}")
            out.raw("}")
        }
        out.raw("}}")
        out.key("results")
        out.array(findings) { out, finding in
            let package = catalog.packages[finding.packageIndex]
            out.raw("{")
            out.key("ruleId", first: true)
            out.string(finding.id)
            out.key("level")
            out.string(Self.level(finding.severity))
            out.key("message")
            out.raw("{\"text\":")
            var text =
                "\(package.name) \(finding.installedVersion) is affected by \(finding.id) (\(finding.severity.rawValue))"
            if let fixed = finding.fixedVersion { text += "; fixed in \(fixed)" }
            out.string(text)
            out.raw("}")
            out.key("locations")
            out.array(package.locations.prefix(1)) { out, location in
                let path = location.split(separator: "!").first.map(String.init) ?? location
                out.raw("{\"physicalLocation\":{\"artifactLocation\":{\"uri\":")
                out.string(Self.uri(path))
                out.raw("}}}")
            }
            out.raw("}")
        }
        out.raw("}]}\n")
        return out.output
    }

    static func level(_ severity: VulnerabilitySeverity) -> String {
        switch severity {
        case .critical, .high: return "error"
        case .medium: return "warning"
        default: return "note"
        }
    }

    static func nominalScore(_ severity: VulnerabilitySeverity) -> Double {
        switch severity {
        case .critical: return 9.0
        case .high: return 7.0
        case .medium: return 4.0
        case .low: return 0.1
        default: return 0.0
        }
    }

    /// A relative URI for a path inside the image, percent-encoded.
    static func uri(_ path: String) -> String {
        let relative = path.hasPrefix("/") ? String(path.dropFirst()) : path
        return relative.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? relative
    }
}

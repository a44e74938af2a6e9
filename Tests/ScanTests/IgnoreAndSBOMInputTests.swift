import Foundation
import ImageTestSupport
import Testing

@testable import Image
@testable import Scan

/// `scan.ignore` in `.berth.yaml`, and `berth scan sbom:PATH` over an SBOM written earlier.
@Suite struct IgnoreAndSBOMInputTests {
    static func finding(_ id: String, aliases: [String] = [], package: String = "openssl") -> VulnerabilityFinding {
        VulnerabilityFinding(
            id: id, aliases: aliases, packageIndex: 0, packageName: package, installedVersion: "1.0",
            fixedVersion: nil, severity: .high, score: nil, vector: nil, summary: nil, ecosystem: "Debian:12")
    }

    static func day(_ text: String) throws -> Date {
        let formatter = ISO8601DateFormatter()
        return try #require(formatter.date(from: text))
    }

    @Test func anIgnoreHoldsThroughItsExpiryDayInUTCAndNotAfter() throws {
        let ignore = VulnerabilityIgnore(
            id: "CVE-2024-1", reason: "not reachable", expires: "2026-03-31", package: nil, origin: ".berth.yaml:3")
        #expect(!ignore.isExpired(on: try Self.day("2026-03-31T23:59:59Z")))
        #expect(ignore.isExpired(on: try Self.day("2026-04-01T00:00:00Z")))
        let none = VulnerabilityIgnore(id: "CVE-2024-1", reason: "r", expires: nil, package: nil, origin: "x")
        #expect(!none.isExpired(on: try Self.day("2999-01-01T00:00:00Z")))
    }

    @Test func ignoresMatchIdsAliasesAndOnlyTheNamedPackage() throws {
        let findings = [
            Self.finding("CVE-2021-44228", aliases: ["GHSA-jfh8-c2jp-5v3q"], package: "log4j-core"),
            Self.finding("CVE-2024-2", package: "openssl"),
            Self.finding("CVE-2024-2", package: "libssl3"),
            Self.finding("CVE-2024-3", package: "zlib"),
        ]
        let ignores = [
            VulnerabilityIgnore(
                id: "GHSA-jfh8-c2jp-5v3q", reason: "JNDI lookups off", expires: nil, package: nil, origin: "a:1"),
            VulnerabilityIgnore(
                id: "CVE-2024-2", reason: "libssl3 only", expires: nil, package: "libssl3", origin: "a:2"),
            VulnerabilityIgnore(id: "CVE-2024-3", reason: "old", expires: "2020-01-01", package: nil, origin: "a:3"),
            VulnerabilityIgnore(id: "CVE-2024-9", reason: "gone", expires: nil, package: nil, origin: "a:4"),
        ]
        let outcome = IgnoreOutcome.apply(ignores, to: findings, on: try Self.day("2026-06-01T12:00:00Z"))
        #expect(outcome.findings.map { "\($0.id) \($0.packageName)" } == ["CVE-2024-2 openssl", "CVE-2024-3 zlib"])
        #expect(
            outcome.ignored.map { "\($0.finding.id) \($0.ignore.origin)" } == ["CVE-2021-44228 a:1", "CVE-2024-2 a:2"])
        #expect(outcome.expired.map(\.id) == ["CVE-2024-3"])
        #expect(outcome.unused.map(\.id) == ["CVE-2024-9"])
        #expect(outcome.warnings.contains { $0.contains("CVE-2024-3 expired on 2020-01-01") })
    }

    @Test func anSBOMReadsBackToTheSameCatalogue() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let rootfs = try Fixtures.wso2RootFS(builder)
        let layout = try builder.ociLayout("layout", layers: try builder.layers([rootfs]))
        let catalog = try Cataloger.catalog(try Image.open(.ociLayout(path: layout.path, reference: nil)))
        let read = try SBOMReader.parse(Data(SBOMWriter.json(catalog).utf8), path: "sbom.json")
        #expect(read.packages == catalog.packages)
        #expect(read.layers == catalog.layers)
        #expect(read.distribution?.purlQualifier == catalog.distribution?.purlQualifier)
        #expect(read.distribution?.codename == catalog.distribution?.codename)
        #expect(SBOMWriter.json(read) == SBOMWriter.json(catalog))
    }

    @Test(arguments: [
        ("{", "not JSON"),
        (#"{"schemaVersion":2,"image":{},"packages":[],"warnings":[]}"#, "field 'image.source' is missing"),
        (#"{"schemaVersion":9}"#, "field 'image' is missing"),
    ])
    func aBrokenSBOMIsAClearError(text: String, reason: String) {
        #expect(throws: ScanError.invalidSBOM(path: "x.json", reason: reason)) {
            try SBOMReader.parse(Data(text.utf8), path: "x.json")
        }
    }

    @Test func scanOverAnSBOMFindsWhatScanOverTheImageFindsAndHonoursIgnores() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let rootfs = try Fixtures.wso2RootFS(builder)
        let layout = try builder.ociLayout("layout", layers: try builder.layers([rootfs]))
        let image = "oci:\(layout.path):latest"
        let database = builder.root + "/db.sqlite"
        let imported = try CommandTests.berth([
            "db", "import", "--db", database, Fixtures.root + "/osv", Fixtures.root + "/debian-tracker.json",
        ])
        try #require(imported.status == 0, "\(imported.errors)")

        func findings(_ output: String) throws -> [String] {
            let document = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
            return (document?["findings"] as? [[String: Any]] ?? []).map {
                "\($0["id"] ?? "") \(($0["package"] as? [String: Any])?["purl"] ?? "") \($0["fixedVersion"] ?? "")"
            }
        }
        let overImage = try CommandTests.berth(["scan", image, "--db", database, "--format", "json"])
        try #require(overImage.status == 0, "\(overImage.errors)")
        let sbom = builder.root + "/sbom.json"
        let written = try CommandTests.berth(["sbom", image, "--format", "json", "--output", sbom])
        try #require(written.status == 0, "\(written.errors)")
        let overSBOM = try CommandTests.berth(["scan", "sbom:\(sbom)", "--db", database, "--format", "json"])
        try #require(overSBOM.status == 0, "\(overSBOM.errors)")
        let all = try findings(overImage.output)
        #expect(!all.isEmpty)
        #expect(try findings(overSBOM.output) == all)

        let log4j = all.filter { $0.hasPrefix("CVE-2021-44228 ") }
        try #require(!log4j.isEmpty)
        let config = builder.root + "/berth.yaml"
        try """
        scan:
          ignore:
            - id: GHSA-jfh8-c2jp-5v3q
              reason: lookups are disabled by log4j2.formatMsgNoLookups
              expires: 2999-12-31
            - {id: CVE-2099-1002, reason: reviewed, expires: 2020-01-01}
            - {id: CVE-2099-1001, reason: other package, package: not-installed}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let ignoring = try CommandTests.berth([
            "scan", "sbom:\(sbom)", "--db", database, "--format", "json", "--config", config, "--fail-on", "none",
        ])
        try #require(ignoring.status == 0, "\(ignoring.errors)")
        #expect(try findings(ignoring.output) == all.filter { !$0.hasPrefix("CVE-2021-44228 ") })
        let document = try JSONSerialization.jsonObject(with: Data(ignoring.output.utf8)) as? [String: Any]
        let ignored = document?["ignored"] as? [[String: Any]] ?? []
        #expect(ignored.count == log4j.count)
        #expect(
            (ignored.first?["ignore"] as? [String: Any])?["reason"] as? String
                == "lookups are disabled by log4j2.formatMsgNoLookups")
        #expect((document?["expiredIgnores"] as? [[String: Any]])?.map { $0["id"] as? String } == ["CVE-2099-1002"])
        #expect(ignoring.errors.contains("the ignore of CVE-2099-1002 expired on 2020-01-01"))
        #expect(ignoring.errors.contains("the ignore of CVE-2099-1001 matches no finding"))
        #expect(all.contains { $0.hasPrefix("CVE-2099-1002 ") })

        let table = try CommandTests.berth(["scan", "sbom:\(sbom)", "--db", database, "--config", config])
        #expect(table.output.contains("\(log4j.count) ignored (scan.ignore)"))
        #expect(table.output.contains("expired ignore: CVE-2099-1002"))
    }

    @Test(arguments: [
        (
            "scan:\n  ignore:\n    - {id: CVE-1, reason: r, expires: 2026-02-30}\n", ":3:",
            "must be a date written YYYY-MM-DD"
        ),
        ("scan:\n  ignore:\n    - {id: CVE-1}\n", ":3:", "needs a 'reason'"),
        ("scan:\n  ignores: []\n", ":2:", "unknown key 'scan.ignores'"),
    ])
    func aBadIgnoreIsAConfigurationErrorWithItsLine(text: String, line: String, message: String) throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let config = builder.root + "/berth.yaml"
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try CommandTests.berth([
            "scan", "sbom:/nonexistent.json", "--db", "/nonexistent", "--config", config,
        ])
        #expect(result.status == 2)
        #expect(result.errors.contains(config + line))
        #expect(result.errors.contains(message))
    }

    @Test func sbomRefusesAnSBOMAsItsInput() throws {
        let result = try CommandTests.berth(["sbom", "sbom:/tmp/x.json"])
        #expect(result.status == 2)
        #expect(result.errors.contains("sbom:PATH is an input of berth scan"))
    }
}

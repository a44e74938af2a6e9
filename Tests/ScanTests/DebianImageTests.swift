import Foundation
import ImageTestSupport
import TestSupport
import Testing

@testable import Image
@testable import Scan

/// A real Debian root file system made by debootstrap, catalogued as a directory and as an OCI
/// image, against dpkg's own reading of its status database (and syft where installed).
///
/// Make one (root, network to the Debian mirror, a few minutes), then point the test at it:
///
///     debootstrap --variant=minbase bookworm /tmp/bookworm http://deb.debian.org/debian
///     BERTH_DEBIAN_ROOTFS=/tmp/bookworm swift test --filter DebianImageTests
@Suite struct DebianImageTests {
    static let rootfs = ProcessInfo.processInfo.environment["BERTH_DEBIAN_ROOTFS"].flatMap { $0.isEmpty ? nil : $0 }

    /// What `dpkg-query` lists as installed in the root file system: "name version arch".
    static func dpkgQuery(_ root: String) throws -> Set<String> {
        let query = try TestImageBuilder.capture(
            "/usr/bin/dpkg-query",
            [
                "--admindir=\(root)/var/lib/dpkg", "-W",
                "-f=${db:Status-Status} ${Package} ${Version} ${Architecture}\\n",
            ])
        try #require(query.status == 0, "\(query.errors)")
        return Set(
            query.output.split(separator: "\n").filter { $0.hasPrefix("installed ") }.map {
                String($0.dropFirst("installed ".count))
            })
    }

    @Test(
        .enabled(
            if: DebianImageTests.rootfs != nil || Environment.isCI,
            "set BERTH_DEBIAN_ROOTFS to a root made with: debootstrap --variant=minbase bookworm DIR http://deb.debian.org/debian"
        ), Tool.enabled("dpkg-query"))
    func debootstrapBookwormMatchesDpkgQuery() throws {
        // Under CI a missing root is a failure, as for a missing tool or corpus.
        let root = try #require(Self.rootfs, "BERTH_DEBIAN_ROOTFS is not set")
        let oracle = try Self.dpkgQuery(root)
        #expect(oracle.count > 50, "a minbase bookworm has about 90 packages")

        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let layout = try builder.ociLayout("debian", layers: try builder.layers([root], gzip: true))
        let fromDirectory = try Cataloger.catalog(try Image.open(.directory(path: root)))
        let fromImage = try Cataloger.catalog(try Image.open(.ociLayout(path: layout.path, reference: nil)))
        for catalog in [fromDirectory, fromImage] {
            let debs = catalog.packages.filter { $0.type == .deb }
            let ours = Set(debs.map { "\($0.name) \($0.version) \($0.architecture ?? "")" })
            #expect(
                ours == oracle,
                "berth only: \(ours.subtracting(oracle).sorted()), dpkg only: \(oracle.subtracting(ours).sorted())")
            #expect(debs.count == oracle.count, "one package per name, version and architecture")
            #expect(catalog.distribution?.purlQualifier == "debian-12")
            for package in debs {
                // The purl as the purl specification writes a deb: epoch as a qualifier, not in the version.
                var version = package.version
                var qualifiers = ["arch=\(package.architecture ?? "")", "distro=debian-12"]
                if let colon = version.firstIndex(of: ":") {
                    qualifiers.append("epoch=\(version[..<colon])")
                    version = String(version[version.index(after: colon)...])
                }
                let expected =
                    "pkg:deb/debian/\(PackageURL.encode(package.name))@\(PackageURL.encode(version))?"
                    + qualifiers.sorted().joined(separator: "&")
                #expect(package.purl == expected)
            }
        }
        #expect(
            fromImage.packages.filter { $0.type == .deb }.map(\.purl)
                == fromDirectory.packages.filter { $0.type == .deb }.map(\.purl))
    }

    @Test(
        .enabled(
            if: DebianImageTests.rootfs != nil || Environment.isCI, "set BERTH_DEBIAN_ROOTFS (see DebianImageTests)"),
        Tool.enabled("syft"))
    func debootstrapBookwormMatchesSyft() throws {
        // Under CI a missing root is a failure, as for a missing tool or corpus.
        let root = try #require(Self.rootfs, "BERTH_DEBIAN_ROOTFS is not set")
        let catalog = try Cataloger.catalog(try Image.open(.directory(path: root)))
        guard let artifacts = try SyftOracleTests.syft("dir:\(root)") else { return }
        let theirs = Set(artifacts.filter { $0.type == "deb" }.map { "\($0.name) \($0.version)" })
        let ours = Set(catalog.packages.filter { $0.type == .deb }.map { "\($0.name) \($0.version)" })
        // A fresh debootstrap has no half-removed packages, so syft, dpkg and berth list the same set.
        #expect(
            ours == theirs,
            "berth only: \(ours.subtracting(theirs).sorted()), syft only: \(theirs.subtracting(ours).sorted())")
    }
}

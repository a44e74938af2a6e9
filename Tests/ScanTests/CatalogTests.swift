import Foundation
import ImageTestSupport
import TestSupport
import Testing

@testable import Image
@testable import Scan

@Suite struct CatalogTests {
    @Test func dpkgStatusKeepsInstalledPackagesWithSourceAndPurl() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let rootfs = try Fixtures.wso2RootFS(builder)
        let catalog = try Cataloger.catalog(try Image.open(.directory(path: rootfs)))
        #expect(catalog.distribution?.id == "debian")
        #expect(catalog.distribution?.versionID == "12")
        let debs = catalog.packages.filter { $0.type == .deb }
        #expect(debs.count == 12)
        #expect(catalog.package("removed-tool") == nil)
        let zlib = try #require(catalog.package("zlib1g"))
        #expect(zlib.version == "1:1.2.13.dfsg-1")
        #expect(zlib.sourceName == "zlib")
        #expect(zlib.purl == "pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&distro=debian-12&epoch=1")
        let bash = try #require(catalog.package("bash"))
        #expect(bash.sourceVersion == "5.2.15-2")
        #expect(bash.purl == "pkg:deb/debian/bash@5.2.15-2%2Bb8?arch=amd64&distro=debian-12")
        #expect(bash.locations == ["/var/lib/dpkg/status"])
    }

    @Test func javaArchivesBundlesJDKAndTheWSO2Product() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let catalog = try Cataloger.catalog(try Image.open(.directory(path: try Fixtures.wso2RootFS(builder))))
        let core = try #require(catalog.package("org.wso2.carbon.core"))
        #expect(core.type == .osgi)
        #expect(core.version == "4.9.26")
        #expect(core.licenses == ["http://www.apache.org/licenses/LICENSE-2.0.txt"])
        // A bundle with neither pom.properties nor manifest, named the WSO2 way.
        let renamed = catalog.packages.first { $0.name == "log4j-core" && $0.type == .osgi }
        #expect(renamed?.version == "2.19.0")
        let maven = catalog.packages.first { $0.name == "log4j-core" && $0.type == .maven }
        #expect(maven?.purl == "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")
        let nested = try #require(catalog.package("commons-io"))
        #expect(nested.locations.first?.hasSuffix("api.war!/WEB-INF/lib/commons-io-2.11.0.jar") == true)
        let jdk = try #require(catalog.packages.first { $0.type == .jdk })
        #expect(jdk.version == "17.0.15+6")
        let product = try #require(catalog.packages.first { $0.type == .wso2 })
        #expect(product.name == "wso2am")
        #expect(product.version == "4.2.0")
    }

    @Test func whiteoutsRemovePackagesOfLowerLayers() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let base = try Fixtures.wso2RootFS(builder, name: "base")
        let top = try builder.tree(
            "top",
            [
                "home/wso2carbon/wso2am-4.2.0/repository/components/lib/.wh.log4j-core-2.14.1.jar": "",
                "home/wso2carbon/wso2am-4.2.0/repository/deployment/server/webapps/.wh..wh..opq": "",
            ])
        let layout = try builder.ociLayout("layout", layers: try builder.layers([base, top]))
        let catalog = try Cataloger.catalog(try Image.open(.ociLayout(path: layout.path, reference: nil)))
        #expect(!catalog.packages.contains { $0.type == .maven && $0.name == "log4j-core" })
        #expect(catalog.package("commons-io") == nil)
        #expect(catalog.package("org.wso2.carbon.core") != nil)
        // Every package names the layer that added it.
        #expect(catalog.packages.allSatisfy { $0.layer == catalog.layers[0].identifier })
        #expect(catalog.layers[0].identifier.hasPrefix("sha256:"))
    }

    @Test func laterLayerReplacesTheDatabaseAndNamesItsLayer() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let base = try builder.tree(
            "base",
            ["etc/os-release": Fixtures.debianOSRelease, "var/lib/dpkg/status": try Fixtures.text("dpkg-status")])
        let status =
            try Fixtures.text("dpkg-status")
            + "\nPackage: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 7.88.1-10+deb12u5\n"
        let top = try builder.tree("top", ["var/lib/dpkg/status": status])
        let layout = try builder.ociLayout("layout", layers: try builder.layers([base, top]))
        let catalog = try Cataloger.catalog(try Image.open(.ociLayout(path: layout.path, reference: nil)))
        let curl = try #require(catalog.package("curl"))
        #expect(curl.layer == catalog.layers[1].identifier)
        #expect(catalog.packages.filter { $0.type == .deb }.count == 13)
    }

    @Test func apkDatabaseAndAlpinePurls() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let installed = """
            C:Q1abc=
            P:busybox
            V:1.36.1-r5
            A:x86_64
            L:GPL-2.0-only
            o:busybox
            F:bin
            R:busybox

            P:libcrypto3
            V:3.1.4-r1
            A:x86_64
            L:Apache-2.0
            o:openssl

            """
        let rootfs = try builder.tree(
            "alpine", ["etc/os-release": "ID=alpine\nVERSION_ID=3.18.4\n", "lib/apk/db/installed": installed])
        let catalog = try Cataloger.catalog(try Image.open(.directory(path: rootfs)))
        let crypto = try #require(catalog.package("libcrypto3"))
        #expect(crypto.sourceName == "openssl")
        #expect(crypto.licenses == ["Apache-2.0"])
        #expect(crypto.purl == "pkg:apk/alpine/libcrypto3@3.1.4-r1?arch=x86_64&distro=alpine-3.18.4")
        #expect(catalog.packages.count == 2)
    }

    @Test func olderRPMDatabasesAreReportedAsUnsupported() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let rootfs = try builder.tree(
            "rocky",
            [
                "etc/os-release": "ID=rocky\nVERSION_ID=9.3\n", "var/lib/rpm/Packages": "bdb",
                "usr/lib/sysimage/rpm/Packages.db": "ndb", "usr/share/rpm/rpmdb.sqlite": "not sqlite",
            ])
        let catalog = try Cataloger.catalog(try Image.open(.directory(path: rootfs)))
        #expect(
            catalog.warnings.contains {
                $0.contains("/var/lib/rpm/Packages: rpm database format Berkeley DB is not supported")
            })
        #expect(catalog.warnings.contains { $0.contains("NDB is not supported") })
        #expect(catalog.warnings.contains { $0.contains("/usr/share/rpm/rpmdb.sqlite: cannot read the rpm database") })
        #expect(catalog.packages.isEmpty)
    }

    /// A real rpmdb.sqlite written by rpm itself from a package rpmbuild made.
    @Test(Tool.enabled("rpm", "rpmbuild")) func rpmSQLiteDatabase() throws {
        guard let rpm = Tool.require("rpm"), let rpmbuild = Tool.require("rpmbuild") else { return }
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let rootfs = try builder.tree("rocky", ["etc/os-release": "ID=rocky\nVERSION_ID=9.3\n"])
        let top = try builder.tree(
            "rpmbuild",
            [
                "SPECS/demo.spec": """
                Name: demo-tool
                Version: 1.2.3
                Release: 4.el9
                Epoch: 2
                Summary: demo
                License: Apache-2.0
                BuildArch: noarch
                %description
                demo
                %files

                """
            ])
        try TestImageBuilder.run(rpmbuild, ["--define", "_topdir \(top)", "-bb", top + "/SPECS/demo.spec"])
        try TestImageBuilder.run(rpm, ["--root", rootfs, "--dbpath", "/var/lib/rpm", "--initdb"])
        try TestImageBuilder.run(
            rpm,
            [
                "--root", rootfs, "--dbpath", "/var/lib/rpm", "-i", "--nodeps", "--justdb", "--noscripts",
                top + "/RPMS/noarch/demo-tool-1.2.3-4.el9.noarch.rpm",
            ])
        // Fold the write-ahead log into the database file, as a finished image build leaves it.
        try TestImageBuilder.run(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('PRAGMA wal_checkpoint(TRUNCATE)')",
                rootfs + "/var/lib/rpm/rpmdb.sqlite",
            ])
        let catalog = try Cataloger.catalog(try Image.open(.directory(path: rootfs)))
        let demo = try #require(catalog.package("demo-tool"))
        #expect(demo.type == .rpm)
        #expect(demo.version == "2:1.2.3-4.el9")
        #expect(demo.sourceName == "demo-tool")
        #expect(demo.licenses == ["Apache-2.0"])
        #expect(demo.purl == "pkg:rpm/rocky/demo-tool@1.2.3-4.el9?arch=noarch&distro=rocky-9.3&epoch=2")
        #expect(Ecosystems.lookup(demo, distribution: catalog.distribution)?.ecosystem == "Rocky Linux:9")
    }

    @Test func zipBombsAndDeepNestingAreBounded() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let zeros = builder.root + "/zeros.bin"
        try TestImageBuilder.run("/usr/bin/truncate", ["-s", "64M", zeros])
        let rootfs = try builder.tree("bomb", ["etc/os-release": "ID=debian\nVERSION_ID=12\n"])
        // 64 MiB of zeros inflate from about 64 KiB; the limit here is 4 MiB.
        try builder.jar(
            rootfs + "/app/bomb.jar",
            entries: ["META-INF/maven/g/bomb/pom.properties": "groupId=g\nartifactId=bomb\nversion=1\n"],
            binaryEntries: ["lib/payload.jar": zeros, "META-INF/MANIFEST.MF": zeros])
        var options = CatalogOptions()
        options.archiveLimits.maximumNestedSize = 4 << 20
        let started = Date()
        let catalog = try Cataloger.catalog(try Image.open(.directory(path: rootfs)), options: options)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(catalog.package("bomb")?.version == "1")
        #expect(catalog.warnings.contains { $0.contains("payload.jar") && $0.contains("expands beyond") })
        #expect(catalog.warnings.contains { $0.contains("MANIFEST.MF") && $0.contains("expands beyond") })
    }

    /// A pom.properties of a shaded artifact does not hide the archive's own identity.
    @Test func shadedPomPropertiesAndTheArchiveItself() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let rootfs = try builder.tree("shaded", ["etc/os-release": "ID=debian\nVERSION_ID=12\n"])
        try builder.jar(
            rootfs + "/usr/share/java/guice.jar",
            entries: [
                "META-INF/MANIFEST.MF":
                    "Manifest-Version: 1.0\nBundle-SymbolicName: com.google.inject\nBundle-Version: 4.2.3\n\n",
                "META-INF/maven/cglib/cglib/pom.properties": "groupId=cglib\nartifactId=cglib\nversion=3.3.0\n",
            ])
        let catalog = try Cataloger.catalog(try Image.open(.directory(path: rootfs)))
        #expect(catalog.package("cglib")?.purl == "pkg:maven/cglib/cglib@3.3.0")
        #expect(catalog.package("com.google.inject")?.version == "4.2.3")
        #expect(catalog.packages.count == 2)
    }

    /// More than 65,535 entries need the zip64 end records (osv.dev's per-ecosystem zips have them).
    @Test func zip64Archives() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let path = builder.root + "/many.zip"
        try TestImageBuilder.run(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    for i in range(66000): z.writestr(f'{i}.txt', str(i))",
                path,
            ])
        let zip = try ZipReader([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), subject: path)
        #expect(zip.entries.count == 66000)
        let last = try #require(zip.entries.last)
        #expect(String(decoding: try zip.read(last, limit: 100), as: UTF8.self) == "65999")
    }

    @Test func corruptJarIsAWarningNotAFailure() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let rootfs = try builder.tree("corrupt", ["app/broken.jar": "PK\u{3}\u{4} this is not really a zip"])
        let catalog = try Cataloger.catalog(try Image.open(.directory(path: rootfs)))
        #expect(catalog.warnings.contains { $0.contains("broken.jar") })
    }

    @Test func osReleaseParsing() {
        let distribution = Distribution(osRelease: Fixtures.debianOSRelease)
        #expect(distribution?.codename == "bookworm")
        #expect(distribution?.prettyName == "Debian GNU/Linux 12 (bookworm)")
        #expect(Distribution(osRelease: "NAME=nothing\n") == nil)
    }

    @Test func manifestContinuationLines() {
        let manifest = JavaCataloger.parseManifest(
            "Manifest-Version: 1.0\r\nBundle-SymbolicName: org.example.a.very.long.na\r\n me.indeed\r\nBundle-Version: 1.0\r\n\r\nName: x\r\nBundle-Version: 9\r\n"
        )
        #expect(manifest["Bundle-SymbolicName"] == "org.example.a.very.long.name.indeed")
        #expect(manifest["Bundle-Version"] == "1.0")
    }

    @Test(arguments: [
        (
            "org.wso2.carbon.core_4.9.26.jar", "/x/repository/components/plugins/org.wso2.carbon.core_4.9.26.jar",
            "org.wso2.carbon.core", "4.9.26", PackageType.osgi
        ),
        ("commons-lang3-3.12.0.jar", "/app/commons-lang3-3.12.0.jar", "commons-lang3", "3.12.0", PackageType.maven),
        (
            "axis2_1.6.1.wso2v85.jar", "/p/repository/components/plugins/axis2_1.6.1.wso2v85.jar", "axis2",
            "1.6.1.wso2v85", PackageType.osgi
        ),
    ])
    func fileNames(fileName: String, location: String, name: String, version: String, type: PackageType) {
        let package = JavaCataloger.fromFileName(fileName, location: location, layer: "l", licenses: [])
        #expect(package?.name == name)
        #expect(package?.version == version)
        #expect(package?.type == type)
    }
}

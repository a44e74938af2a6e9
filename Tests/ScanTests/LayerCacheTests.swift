import Foundation
import ImageTestSupport
import Testing

@testable import Image
@testable import Scan

/// Per-layer results kept by diff-id: shared layers are read once, and results do not change.
@Suite struct LayerCacheTests {
    @Test func sharedLayersAreReadOnceAndGiveTheSameCatalogue() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let base = try Fixtures.wso2RootFS(builder)
        let plugins = "home/wso2carbon/wso2am-4.2.0/repository/components/plugins"
        let top = try builder.tree("top", ["\(plugins)/.wh.log4j-core_2.19.0.jar": ""])
        try builder.jar(
            top + "/opt/app/lib/commons-lang3-3.12.0.jar",
            entries: [
                "META-INF/maven/org.apache.commons/commons-lang3/pom.properties":
                    "groupId=org.apache.commons\nartifactId=commons-lang3\nversion=3.12.0\n"
            ])
        let baseLayers = try builder.layers([base])
        let imageA = try builder.ociLayout("a", layers: baseLayers)
        let imageB = try builder.ociLayout("b", layers: baseLayers + (try builder.layers([top])))
        func open(_ layout: String) throws -> Image { try Image.open(.ociLayout(path: layout, reference: nil)) }

        let plainA = try Cataloger.catalog(try open(imageA.path))
        let plainB = try Cataloger.catalog(try open(imageB.path))
        #expect(plainB.package("commons-lang3") != nil)
        #expect(!plainB.packages.contains { $0.locations.contains { $0.hasSuffix("log4j-core_2.19.0.jar") } })
        #expect(plainA.packages.contains { $0.locations.contains { $0.hasSuffix("log4j-core_2.19.0.jar") } })
        #expect(plainB.layersRead == 2 && plainB.layersFromCache == 0)

        let options = CatalogOptions(layerCache: LayerCache(directory: builder.root + "/cache"))
        let firstA = try Cataloger.catalog(try open(imageA.path), options: options)
        #expect(firstA.layersRead == 1 && firstA.layersFromCache == 0)
        #expect(SBOMWriter.json(firstA) == SBOMWriter.json(plainA))

        // B shares A's base layer: only its own top layer is read.
        let firstB = try Cataloger.catalog(try open(imageB.path), options: options)
        #expect(firstB.layersRead == 1 && firstB.layersFromCache == 1)
        #expect(SBOMWriter.json(firstB) == SBOMWriter.json(plainB))

        let again = try Cataloger.catalog(try open(imageB.path), options: options)
        #expect(again.layersRead == 0 && again.layersFromCache == 2)
        #expect(SBOMWriter.json(again) == SBOMWriter.json(plainB))

        // The cached base layer's blob is not even opened: without it, the cache still answers.
        let baseDigest = try #require(firstB.layers.first?.digest)
        let baseBlob = imageB.path + "/blobs/sha256/" + String(baseDigest.dropFirst("sha256:".count))
        try FileManager.default.removeItem(atPath: baseBlob)
        #expect(throws: ScanError.self) { try Cataloger.catalog(try open(imageB.path)) }
        let withoutBlob = try Cataloger.catalog(try open(imageB.path), options: options)
        #expect(withoutBlob.layersRead == 0)
        #expect(SBOMWriter.json(withoutBlob) == SBOMWriter.json(plainB))
    }

    @Test func otherLimitsAndDamagedEntriesMiss() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let base = try Fixtures.wso2RootFS(builder)
        let image = try builder.ociLayout("a", layers: try builder.layers([base]))
        let directory = builder.root + "/cache"
        let plain = try Cataloger.catalog(try Image.open(.ociLayout(path: image.path, reference: nil)))
        var options = CatalogOptions(layerCache: LayerCache(directory: directory))
        _ = try Cataloger.catalog(try Image.open(.ociLayout(path: image.path, reference: nil)), options: options)

        options.maximumFileSize = 1 << 20
        let otherLimits = try Cataloger.catalog(
            try Image.open(.ociLayout(path: image.path, reference: nil)), options: options)
        #expect(otherLimits.layersRead == 1)

        for entry in try FileManager.default.contentsOfDirectory(atPath: directory) {
            try Data("{\"diffID\":".utf8).write(to: URL(fileURLWithPath: directory + "/" + entry))
        }
        options.maximumFileSize = CatalogOptions().maximumFileSize
        let damaged = try Cataloger.catalog(
            try Image.open(.ociLayout(path: image.path, reference: nil)), options: options)
        #expect(damaged.layersRead == 1 && damaged.layersFromCache == 0)
        #expect(SBOMWriter.json(damaged) == SBOMWriter.json(plain))
        let repaired = try Cataloger.catalog(
            try Image.open(.ociLayout(path: image.path, reference: nil)), options: options)
        #expect(repaired.layersFromCache == 1)
    }

    /// An image whose configuration claims another layer's diff-id for its own blob is read, not
    /// served the other layer's results, and does not replace them.
    @Test func aLyingDiffIDNeitherHitsNorPoisons() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let base = try Fixtures.wso2RootFS(builder)
        let other = try builder.tree("other", ["etc/os-release": "ID=alpine\nVERSION_ID=3.20.0\n"])
        let baseLayer = try builder.layers([base])
        var lie = try builder.layers([other])
        lie[0].diffID = baseLayer[0].diffID
        let honest = try builder.ociLayout("honest", layers: baseLayer)
        let liar = try builder.ociLayout("liar", layers: lie)
        let options = CatalogOptions(layerCache: LayerCache(directory: builder.root + "/cache"))
        func catalog(_ layout: String) throws -> Catalog {
            try Cataloger.catalog(try Image.open(.ociLayout(path: layout, reference: nil)), options: options)
        }
        let first = try catalog(honest.path)
        let lied = try catalog(liar.path)
        #expect(lied.layersRead == 1)
        #expect(lied.distribution?.id == "alpine")
        let honestAgain = try catalog(honest.path)
        #expect(honestAgain.layersFromCache == 1)
        #expect(SBOMWriter.json(honestAgain) == SBOMWriter.json(first))
    }

    @Test func aRootFileSystemHasNoDiffIDAndIsAlwaysRead() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let base = try Fixtures.wso2RootFS(builder)
        let options = CatalogOptions(layerCache: LayerCache(directory: builder.root + "/cache"))
        for _ in 0..<2 {
            let catalog = try Cataloger.catalog(try Image.open(.directory(path: base)), options: options)
            #expect(catalog.layersRead == 1 && catalog.layersFromCache == 0)
        }
    }
}

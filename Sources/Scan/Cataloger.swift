import Foundation
import Image

/// What an image contains: its distribution and packages, with the warnings met while reading it.
public struct Catalog: Sendable {
    /// The image as the user named it.
    public var source: String
    public var manifestDigest: String?
    public var configDigest: String?
    public var platform: String?
    public var tags: [String]
    public var layers: [LayerInfo]
    public var distribution: Distribution?
    /// Packages sorted by type, name, version and first location.
    public var packages: [SoftwarePackage]
    public var warnings: [String]
    /// Layers read this run, and layers whose results came from the layer cache.
    public var layersRead = 0
    public var layersFromCache = 0
}

/// Options of a cataloguing run.
public struct CatalogOptions: Sendable {
    /// Largest file read whole (package databases, archives).
    public var maximumFileSize: Int64 = 512 << 20
    public var archiveLimits = ArchiveLimits()
    /// Where per-layer results are kept by diff-id; nil reads every layer.
    public var layerCache: LayerCache?

    public init(layerCache: LayerCache? = nil) {
        self.layerCache = layerCache
    }
}

/// Catalogues an image: streams its layers once, applies whiteouts, and names what it finds.
public enum Cataloger {
    static let osReleasePaths: Set<String> = ["/etc/os-release", "/usr/lib/os-release"]
    static let apkPaths: Set<String> = ["/lib/apk/db/installed", "/usr/lib/apk/db/installed"]
    static let rpmDatabases: [String: String] = [
        "Packages": "Berkeley DB", "Packages.db": "NDB", "rpmdb.sqlite": "SQLite",
    ]
    static let rpmDirectories: Set<String> = ["/var/lib/rpm", "/usr/lib/sysimage/rpm", "/usr/share/rpm"]

    /// Whether the cataloguers want the content of `path`.
    static func wants(_ path: String) -> Bool {
        if osReleasePaths.contains(path) || apkPaths.contains(path) || path == "/var/lib/dpkg/status" { return true }
        if path.hasPrefix("/var/lib/dpkg/status.d/") { return !path.hasSuffix(".md5sums") }
        let name = path.split(separator: "/").last.map(String.init) ?? ""
        if name == "release" { return true }
        if let database = rpmDatabases[name], database.isEmpty == false {
            let directory = String(path.dropLast(name.count + 1))
            if rpmDirectories.contains(directory) { return true }
        }
        return JavaCataloger.isArchive(name)
    }

    /// Bump when a cataloguer's results change, so layer caches written before miss.
    public static let resultsVersion = 1

    /// Reads `image` and returns its catalogue. With `options.layerCache`, a layer whose diff-id
    /// is in the cache is not read: its stored results are replayed, and layers read are stored.
    public static func catalog(_ image: Image, options: CatalogOptions = CatalogOptions()) throws(ScanError) -> Catalog
    {
        var overlay = Overlay()
        var warnings: [String] = []
        var imageWarnings: [String] = []
        var layersRead = 0
        var layersFromCache = 0
        for (index, layer) in image.layers.enumerated() {
            var pending = LayerChanges()
            func apply(_ event: CachedEvent) {
                switch event {
                case .file(let path, let result):
                    warnings += result.warnings
                    pending.files[path] = result
                case .oversized(let path, let size):
                    warnings.append("\(path): skipped, \(size) bytes exceed the limit of \(options.maximumFileSize)")
                case .symbolicLink(let path, let target):
                    pending.links[path] = target
                case .hardLink(let path, let target):
                    if var result = pending.files[target] ?? overlay.files[target] {
                        result.packages = result.packages.map { package in
                            var copy = package
                            copy.locations = copy.locations.map { $0 == target ? path : $0 }
                            return copy
                        }
                        pending.files[path] = result
                    }
                case .whiteout(let path):
                    pending.whiteouts.append(path)
                case .opaque(let directory):
                    pending.opaques.append(directory)
                }
            }
            let cache = layer.diffID.flatMap { diffID in
                options.layerCache.map { ($0, LayerKey(diffID: diffID, blobDigest: layer.digest)) }
            }
            if let cache, let entry = cache.0.load(cache.1, options: options) {
                imageWarnings += entry.warnings
                for event in entry.events { apply(event) }
                layersFromCache += 1
            } else {
                var events: [CachedEvent] = []
                let layerWarnings: [ImageWarning]
                do {
                    layerWarnings = try image.walk(
                        layer: index, selecting: wants, maximumFileSize: options.maximumFileSize
                    ) { event in
                        let analysed: CachedEvent
                        switch event {
                        case .file(let path, let content):
                            analysed = .file(
                                path: path,
                                result: analyse(path: path, content: content, layer: layer.identifier, options: options)
                            )
                        case .oversized(let path, let size): analysed = .oversized(path: path, size: size)
                        case .symbolicLink(let path, let target): analysed = .symbolicLink(path: path, target: target)
                        case .hardLink(let path, let target): analysed = .hardLink(path: path, target: target)
                        case .whiteout(let path): analysed = .whiteout(path: path)
                        case .opaque(let directory): analysed = .opaque(directory: directory)
                        }
                        if cache != nil { events.append(analysed) }
                        apply(analysed)
                    }
                } catch {
                    throw .image(error)
                }
                imageWarnings += layerWarnings.map(\.description)
                layersRead += 1
                if let cache {
                    cache.0.store(
                        CachedLayer(key: cache.1, events: events, warnings: layerWarnings.map(\.description)),
                        options: options)
                }
            }
            overlay.apply(pending)
        }
        var catalog = finish(image: image, overlay: overlay, warnings: imageWarnings + warnings)
        catalog.layersRead = layersRead
        catalog.layersFromCache = layersFromCache
        return catalog
    }

    /// What one file contributes.
    struct FileResult: Sendable, Codable {
        var packages: [SoftwarePackage] = []
        var records: [OSPackageRecord] = []
        var recordLayer = ""
        var distribution: Distribution?
        var warnings: [String] = []
    }

    static func analyse(path: String, content: [UInt8], layer: String, options: CatalogOptions) -> FileResult {
        var result = FileResult()
        result.recordLayer = layer
        let name = path.split(separator: "/").last.map(String.init) ?? ""
        if osReleasePaths.contains(path) {
            result.distribution = Distribution(osRelease: String(decoding: content, as: UTF8.self))
        } else if path == "/var/lib/dpkg/status" {
            result.records = DpkgCataloger.parse(String(decoding: content, as: UTF8.self))
        } else if path.hasPrefix("/var/lib/dpkg/status.d/") {
            result.records = DpkgCataloger.parse(String(decoding: content, as: UTF8.self), requireInstalled: false)
        } else if apkPaths.contains(path) {
            result.records = ApkCataloger.parse(String(decoding: content, as: UTF8.self))
        } else if let database = rpmDatabases[name], rpmDirectories.contains(String(path.dropLast(name.count + 1))) {
            if name == "rpmdb.sqlite" {
                do {
                    result.records = try RPMCataloger.parse(sqlite: content, path: path)
                } catch {
                    result.warnings.append(error.description)
                }
            } else {
                result.warnings.append(
                    "\(path): rpm database format \(database) is not supported; rpm packages are not listed")
            }
        } else if name == "release" {
            if let package = JDKCataloger.parse(
                String(decoding: content.prefix(64 << 10), as: UTF8.self), path: path, layer: layer)
            {
                result.packages = [package]
            }
        } else if JavaCataloger.isArchive(name) {
            let found = JavaCataloger.catalog(content, location: path, layer: layer, limits: options.archiveLimits)
            result.packages = found.packages
            result.warnings = found.warnings
        }
        return result
    }

    static func finish(image: Image, overlay: Overlay, warnings: [String]) -> Catalog {
        var distribution: Distribution?
        for path in ["/etc/os-release", "/usr/lib/os-release"] {
            if let found = overlay.resolve(path)?.distribution {
                distribution = found
                break
            }
        }
        var packages: [SoftwarePackage] = []
        for (path, result) in overlay.files {
            packages += result.packages
            for record in result.records {
                packages.append(
                    osPackage(record, distribution: distribution, location: path, layer: result.recordLayer))
            }
        }
        packages += WSO2Cataloger.products(in: packages)
        packages.sort {
            ($0.type, $0.name, $0.version, $0.locations.first ?? "") < (
                $1.type, $1.name, $1.version, $1.locations.first ?? ""
            )
        }
        return Catalog(
            source: image.source.description, manifestDigest: image.manifestDigest, configDigest: image.configDigest,
            platform: image.platform?.description, tags: image.tags, layers: image.layers, distribution: distribution,
            packages: packages, warnings: warnings)
    }

    static func osPackage(_ record: OSPackageRecord, distribution: Distribution?, location: String, layer: String)
        -> SoftwarePackage
    {
        var version = record.version
        var qualifiers: [String: String] = [:]
        if record.type == .deb || record.type == .rpm, let colon = version.firstIndex(of: ":"),
            version[..<colon].allSatisfy(\.isNumber)
        {
            qualifiers["epoch"] = String(version[..<colon])
            version = String(version[version.index(after: colon)...])
        }
        if let architecture = record.architecture { qualifiers["arch"] = architecture }
        if let distribution { qualifiers["distro"] = distribution.purlQualifier }
        let fallback: [PackageType: String] = [.deb: "debian", .apk: "alpine", .rpm: "redhat"]
        let namespace = distribution?.id ?? fallback[record.type] ?? "unknown"
        let name = record.type == .apk ? record.name.lowercased() : record.name
        return SoftwarePackage(
            type: record.type, name: record.name, version: record.version,
            purl: PackageURL.make(
                type: record.type.rawValue, namespace: namespace, name: name, version: version, qualifiers: qualifiers),
            sourceName: record.sourceName, sourceVersion: record.sourceVersion, architecture: record.architecture,
            licenses: record.licenses, locations: [location], layer: layer)
    }
}

/// The union of the layers read so far: per path, what the file there contributes.
struct Overlay {
    var files: [String: Cataloger.FileResult] = [:]
    var links: [String: String] = [:]

    mutating func apply(_ changes: LayerChanges) {
        for path in changes.whiteouts { remove(under: path, includingSelf: true) }
        for directory in changes.opaques { remove(under: directory, includingSelf: false) }
        for (path, result) in changes.files {
            files[path] = result
            links[path] = nil
        }
        for (path, target) in changes.links {
            links[path] = target
            files[path] = nil
        }
    }

    private mutating func remove(under path: String, includingSelf: Bool) {
        let prefix = path == "/" ? "/" : path + "/"
        files = files.filter { !(($0.key == path && includingSelf) || $0.key.hasPrefix(prefix)) }
        links = links.filter { !(($0.key == path && includingSelf) || $0.key.hasPrefix(prefix)) }
    }

    /// The file at `path`, following up to eight symbolic links.
    func resolve(_ path: String) -> Cataloger.FileResult? {
        var current = path
        for _ in 0..<8 {
            if let result = files[current] { return result }
            guard let target = links[current] else { return nil }
            if target.hasPrefix("/") {
                current = target
            } else {
                let directory = current.split(separator: "/").dropLast().joined(separator: "/")
                current = normalise("/" + directory + "/" + target)
            }
        }
        return nil
    }

    private func normalise(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}

/// What one layer adds and removes.
struct LayerChanges {
    var files: [String: Cataloger.FileResult] = [:]
    var links: [String: String] = [:]
    var whiteouts: [String] = []
    var opaques: [String] = []
}

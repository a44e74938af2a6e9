import Foundation

/// Limits that keep archive reading bounded whatever the archive claims.
public struct ArchiveLimits: Sendable {
    /// Deepest nesting of archives read (an ear holding a war holding a jar is depth 2).
    public var maximumDepth = 6
    /// Largest nested archive inflated into memory.
    public var maximumNestedSize = 128 << 20
    /// Largest metadata entry (MANIFEST.MF, pom.properties).
    public var maximumMetadataSize = 1 << 20
    /// Bytes inflated in all, per top-level archive.
    public var maximumTotalInflated = 512 << 20

    public init() {}
}

/// Finds Java packages in jar, war, ear and par archives, nested to any permitted depth.
///
/// Evidence in order: every `META-INF/maven/G/A/pom.properties`; else the manifest's
/// `Implementation-Vendor-Id`/`Implementation-Title`/`Implementation-Version`; else an OSGi bundle by
/// `Bundle-SymbolicName`/`Bundle-Version`; else the file name (`NAME_VERSION.jar` as a bundle,
/// `NAME-VERSION.jar` as an artifact). No group id is ever guessed.
enum JavaCataloger {
    struct Found {
        var packages: [SoftwarePackage] = []
        var warnings: [String] = []
    }

    static let archiveExtensions: Set<String> = ["jar", "war", "ear", "par", "sar", "jpi", "hpi", "kar", "rar"]

    static func isArchive(_ path: String) -> Bool {
        guard let dot = path.lastIndex(of: ".") else { return false }
        return archiveExtensions.contains(path[path.index(after: dot)...].lowercased())
    }

    static func catalog(_ bytes: [UInt8], location: String, layer: String, limits: ArchiveLimits) -> Found {
        var found = Found()
        var budget = limits.maximumTotalInflated
        visit(bytes, location: location, depth: 0, layer: layer, limits: limits, budget: &budget, found: &found)
        return found
    }

    private static func visit(
        _ bytes: [UInt8], location: String, depth: Int, layer: String, limits: ArchiveLimits, budget: inout Int,
        found: inout Found
    ) {
        let zip: ZipReader
        do {
            zip = try ZipReader(bytes, subject: location)
        } catch {
            found.warnings.append("skipped \(error.description)")
            return
        }
        var manifest: [String: String] = [:]
        var poms: [[String: String]] = []
        var nested: [ZipReader.Entry] = []
        for entry in zip.entries {
            let upper = entry.name.uppercased()
            if upper == "META-INF/MANIFEST.MF"
                || (entry.name.hasPrefix("META-INF/maven/") && entry.name.hasSuffix("/pom.properties"))
            {
                do {
                    let content = try zip.read(entry, limit: limits.maximumMetadataSize)
                    budget -= content.count
                    let text = String(decoding: content, as: UTF8.self)
                    if upper == "META-INF/MANIFEST.MF" {
                        manifest = parseManifest(text)
                    } else {
                        poms.append(parseProperties(text))
                    }
                } catch {
                    found.warnings.append("skipped \(error.description)")
                }
            } else if isArchive(entry.name) && !entry.name.hasSuffix("/") {
                nested.append(entry)
            }
        }
        let fileName = location.split(separator: "/").last.map(String.init) ?? location
        // A pom.properties describes the archive itself when its artifact id starts the file name
        // (or it is the only evidence); others are artifacts shaded into it, and the archive is
        // still identified by its manifest or name (guice.jar carries cglib's pom.properties).
        let stem = (fileName.split(separator: ".").dropLast().joined(separator: ".")).lowercased()
        let hasManifestIdentity =
            manifest["Bundle-SymbolicName"] != nil || manifest["Implementation-Version"] != nil
        var identified = false
        for pom in poms {
            guard let group = pom["groupId"], let artifact = pom["artifactId"], let version = pom["version"],
                !group.isEmpty, !artifact.isEmpty, !version.isEmpty
            else { continue }
            if stem.hasPrefix(artifact.lowercased()) || (poms.count == 1 && !hasManifestIdentity) {
                identified = true
            }
            found.packages.append(
                maven(
                    group: group, artifact: artifact, version: version, manifest: manifest, location: location,
                    layer: layer))
        }
        if !identified {
            if let package = fromManifest(manifest, fileName: fileName, location: location, layer: layer) {
                found.packages.append(package)
            } else if let package = fromFileName(fileName, location: location, layer: layer, licenses: []) {
                found.packages.append(package)
            }
        }
        guard depth < limits.maximumDepth else {
            if !nested.isEmpty {
                found.warnings.append("\(location): archives nested deeper than \(limits.maximumDepth) skipped")
            }
            return
        }
        for entry in nested {
            let inner = "\(location)!/\(entry.name)"
            let limit = min(limits.maximumNestedSize, budget)
            guard limit > 0 else {
                found.warnings.append("\(inner): skipped, the archive's inflation budget is spent")
                continue
            }
            do {
                let content = try zip.read(entry, limit: limit)
                budget -= content.count
                visit(
                    content, location: inner, depth: depth + 1, layer: layer, limits: limits, budget: &budget,
                    found: &found)
            } catch {
                found.warnings.append("skipped \(error.description)")
            }
        }
    }

    private static func maven(
        group: String, artifact: String, version: String, manifest: [String: String], location: String, layer: String
    ) -> SoftwarePackage {
        SoftwarePackage(
            type: .maven, name: artifact, version: version,
            purl: PackageURL.make(type: "maven", namespace: group, name: artifact, version: version),
            groupID: group, artifactID: artifact, licenses: licenses(manifest), locations: [location], layer: layer)
    }

    private static func fromManifest(
        _ manifest: [String: String], fileName: String, location: String, layer: String
    ) -> SoftwarePackage? {
        if let group = manifest["Implementation-Vendor-Id"], let title = manifest["Implementation-Title"],
            let version = manifest["Implementation-Version"], !group.isEmpty, !title.isEmpty, !version.isEmpty,
            !title.contains(" ")
        {
            return maven(
                group: group, artifact: title, version: version, manifest: manifest, location: location, layer: layer)
        }
        if let symbolic = manifest["Bundle-SymbolicName"], let version = manifest["Bundle-Version"] {
            let name = symbolic.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if !name.isEmpty && !version.isEmpty {
                return bundle(
                    name: name, version: version, location: location, layer: layer, licenses: licenses(manifest))
            }
        }
        if let version = manifest["Implementation-Version"], !version.isEmpty,
            let package = fromFileName(fileName, location: location, layer: layer, licenses: licenses(manifest)),
            package.version == version
        {
            return package
        }
        return nil
    }

    private static func bundle(name: String, version: String, location: String, layer: String, licenses: [String])
        -> SoftwarePackage
    {
        SoftwarePackage(
            type: .osgi, name: name, version: version,
            purl: PackageURL.make(type: "generic", name: name, version: version, qualifiers: ["type": "osgi-bundle"]),
            licenses: licenses, locations: [location], layer: layer)
    }

    /// `NAME_VERSION.jar` (WSO2 plugins) or `NAME-VERSION.jar`; the version starts with a digit.
    static func fromFileName(_ fileName: String, location: String, layer: String, licenses: [String])
        -> SoftwarePackage?
    {
        guard let dot = fileName.lastIndex(of: ".") else { return nil }
        let stem = fileName[..<dot]
        let characters = Array(stem)
        for index in characters.indices.dropFirst() where characters[index].isNumber {
            let separator = characters[index - 1]
            guard separator == "_" || separator == "-", index >= 2 else { continue }
            let name = String(characters[0..<(index - 1)])
            let version = String(characters[index...])
            if separator == "_" && location.contains("/repository/components/")
                || separator == "_" && name.contains(".")
            {
                return bundle(name: name, version: version, location: location, layer: layer, licenses: licenses)
            }
            if separator == "-" {
                return SoftwarePackage(
                    type: .maven, name: name, version: version,
                    purl: PackageURL.make(type: "generic", name: name, version: version),
                    artifactID: name, licenses: licenses, locations: [location], layer: layer)
            }
        }
        return nil
    }

    private static func licenses(_ manifest: [String: String]) -> [String] {
        guard let license = manifest["Bundle-License"], !license.isEmpty else { return [] }
        return [license]
    }

    /// The main section of a manifest: `Key: value` with 72-byte continuation lines starting with a space.
    static func parseManifest(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        var lastKey: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.isEmpty { break }
            if line.first == " " {
                if let lastKey { result[lastKey, default: ""] += line.dropFirst() }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            result[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            lastKey = key
        }
        return result
    }

    static func parseProperties(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), !trimmed.hasPrefix("!"),
                let equals = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" })
            else { continue }
            result[trimmed[..<equals].trimmingCharacters(in: .whitespaces)] =
                trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return result
    }
}

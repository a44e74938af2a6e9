import BerthCore
import Foundation

/// The formats `berth sbom` writes.
public enum SBOMFormat: String, Sendable, CaseIterable {
    case cyclonedxJSON = "cyclonedx-json"
    case spdxJSON = "spdx-json"
    case json
    case table
}

/// Writes a catalogue as an SBOM document.
public enum SBOMWriter {
    /// The version of Berth's own JSON format (docs/output.md).
    public static let jsonSchemaVersion = 1

    /// Renders `catalog`; `timestamp` and `serial` are parameters so output can be reproduced in tests.
    public static func render(
        _ catalog: Catalog, format: SBOMFormat, timestamp: Date = Date(), serial: UUID = UUID()
    ) -> String {
        switch format {
        case .json: return json(catalog)
        case .table: return table(catalog)
        case .cyclonedxJSON: return cycloneDX(catalog, timestamp: timestamp, serial: serial, vulnerabilities: nil)
        case .spdxJSON: return spdx(catalog, timestamp: timestamp, serial: serial)
        }
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    // MARK: Berth JSON

    public static func json(_ catalog: Catalog) -> String {
        var out = JSONWriter()
        out.raw("{")
        out.key("schemaVersion", first: true)
        out.number(jsonSchemaVersion)
        out.key("image")
        writeImage(&out, catalog)
        out.key("distribution")
        if let distribution = catalog.distribution {
            writeDistribution(&out, distribution)
        } else {
            out.raw("null")
        }
        out.key("packages")
        out.array(catalog.packages) { out, package in writePackage(&out, package) }
        out.key("warnings")
        out.stringArray(catalog.warnings)
        out.raw("}\n")
        return out.output
    }

    static func writeImage(_ out: inout JSONWriter, _ catalog: Catalog) {
        out.raw("{")
        out.key("source", first: true)
        out.string(catalog.source)
        out.key("manifestDigest")
        out.stringOrNull(catalog.manifestDigest)
        out.key("configDigest")
        out.stringOrNull(catalog.configDigest)
        out.key("platform")
        out.stringOrNull(catalog.platform)
        out.key("tags")
        out.stringArray(catalog.tags)
        out.key("layers")
        out.array(catalog.layers) { out, layer in
            out.raw("{")
            out.key("index", first: true)
            out.number(layer.index)
            out.key("digest")
            out.stringOrNull(layer.digest)
            out.key("diffID")
            out.stringOrNull(layer.diffID)
            out.key("mediaType")
            out.string(layer.mediaType)
            out.key("size")
            if let size = layer.size { out.number(size) } else { out.raw("null") }
            out.raw("}")
        }
        out.raw("}")
    }

    static func writeDistribution(_ out: inout JSONWriter, _ distribution: Distribution) {
        out.raw("{")
        out.key("id", first: true)
        out.string(distribution.id)
        out.key("versionID")
        out.stringOrNull(distribution.versionID)
        out.key("codename")
        out.stringOrNull(distribution.codename)
        out.key("prettyName")
        out.stringOrNull(distribution.prettyName)
        out.raw("}")
    }

    static func writePackage(_ out: inout JSONWriter, _ package: SoftwarePackage) {
        out.raw("{")
        out.key("type", first: true)
        out.string(package.type.rawValue)
        out.key("name")
        out.string(package.name)
        out.key("version")
        out.string(package.version)
        out.key("purl")
        out.string(package.purl)
        out.key("sourceName")
        out.stringOrNull(package.sourceName)
        out.key("sourceVersion")
        out.stringOrNull(package.sourceVersion)
        out.key("architecture")
        out.stringOrNull(package.architecture)
        out.key("groupID")
        out.stringOrNull(package.groupID)
        out.key("artifactID")
        out.stringOrNull(package.artifactID)
        out.key("licenses")
        out.stringArray(package.licenses)
        out.key("locations")
        out.stringArray(package.locations)
        out.key("layer")
        out.string(package.layer)
        out.raw("}")
    }

    // MARK: Table

    public static func table(_ catalog: Catalog) -> String {
        let rows =
            [["NAME", "VERSION", "TYPE", "LOCATION"]]
            + catalog.packages.map { [$0.name, $0.version, $0.type.rawValue, $0.locations.first ?? ""] }
        var widths = [0, 0, 0]
        for row in rows {
            for column in 0..<3 { widths[column] = max(widths[column], row[column].count) }
        }
        var out = ""
        for row in rows {
            for column in 0..<3 {
                out += row[column].padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0)
            }
            out += row[3] + "\n"
        }
        if let distribution = catalog.distribution {
            out += "\ndistribution: \(distribution.prettyName ?? distribution.purlQualifier)\n"
        }
        out += "\(catalog.packages.count) packages\n"
        return out
    }

    // MARK: CycloneDX 1.6

    /// A CycloneDX vulnerability entry, written by `berth scan --format cyclonedx-json`.
    public struct CycloneDXVulnerability: Sendable {
        public var id: String
        public var aliases: [String]
        public var severity: String
        public var score: Double?
        public var vector: String?
        public var description: String?
        public var fixedVersion: String?
        /// Indexes into the catalogue's packages.
        public var affects: [Int]

        public init(
            id: String, aliases: [String], severity: String, score: Double?, vector: String?, description: String?,
            fixedVersion: String?, affects: [Int]
        ) {
            self.id = id
            self.aliases = aliases
            self.severity = severity
            self.score = score
            self.vector = vector
            self.description = description
            self.fixedVersion = fixedVersion
            self.affects = affects
        }
    }

    public static func cycloneDX(
        _ catalog: Catalog, timestamp: Date, serial: UUID, vulnerabilities: [CycloneDXVulnerability]?
    ) -> String {
        var out = JSONWriter()
        out.raw("{")
        out.key("bomFormat", first: true)
        out.string("CycloneDX")
        out.key("specVersion")
        out.string("1.6")
        out.key("serialNumber")
        out.string("urn:uuid:" + serial.uuidString.lowercased())
        out.key("version")
        out.number(1)
        out.key("metadata")
        out.raw("{")
        out.key("timestamp", first: true)
        out.string(iso8601(timestamp))
        out.key("tools")
        out.raw("{")
        out.key("components", first: true)
        out.raw("[{")
        out.key("type", first: true)
        out.string("application")
        out.key("name")
        out.string("berth")
        out.key("version")
        out.string(BerthVersion.current)
        out.raw("}]}")
        out.key("component")
        out.raw("{")
        out.key("type", first: true)
        out.string("container")
        out.key("bom-ref")
        out.string("image")
        out.key("name")
        out.string(catalog.source)
        if let digest = catalog.manifestDigest ?? catalog.configDigest {
            out.key("version")
            out.string(digest)
        }
        out.raw("}}")
        out.key("components")
        var components: [(inout JSONWriter) -> Void] = []
        if let distribution = catalog.distribution {
            components.append { out in
                out.raw("{")
                out.key("type", first: true)
                out.string("operating-system")
                out.key("bom-ref")
                out.string("os")
                out.key("name")
                out.string(distribution.id)
                if let version = distribution.versionID {
                    out.key("version")
                    out.string(version)
                }
                if let pretty = distribution.prettyName {
                    out.key("description")
                    out.string(pretty)
                }
                out.raw("}")
            }
        }
        for (index, package) in catalog.packages.enumerated() {
            components.append { out in
                out.raw("{")
                out.key("type", first: true)
                out.string(package.type == .jdk || package.type == .wso2 ? "application" : "library")
                out.key("bom-ref")
                out.string("package-\(index)")
                if let group = package.groupID {
                    out.key("group")
                    out.string(group)
                }
                out.key("name")
                out.string(package.name)
                out.key("version")
                out.string(package.version)
                if !package.licenses.isEmpty {
                    out.key("licenses")
                    out.array(package.licenses) { out, license in
                        out.raw("{\"license\":{\"name\":")
                        out.string(license)
                        out.raw("}}")
                    }
                }
                out.key("purl")
                out.string(package.purl)
                out.key("properties")
                var properties = [("berth:package:type", package.type.rawValue), ("berth:layer", package.layer)]
                properties += package.locations.map { ("berth:location", $0) }
                if let source = package.sourceName { properties.append(("berth:source:name", source)) }
                if let version = package.sourceVersion { properties.append(("berth:source:version", version)) }
                out.array(properties) { out, property in
                    out.raw("{")
                    out.key("name", first: true)
                    out.string(property.0)
                    out.key("value")
                    out.string(property.1)
                    out.raw("}")
                }
                out.raw("}")
            }
        }
        out.array(components) { out, write in write(&out) }
        if let vulnerabilities {
            out.key("vulnerabilities")
            out.array(vulnerabilities) { out, vulnerability in
                out.raw("{")
                out.key("bom-ref", first: true)
                out.string("vulnerability-" + vulnerability.id)
                out.key("id")
                out.string(vulnerability.id)
                if let source = sourceName(vulnerability.id) {
                    out.key("source")
                    out.raw("{\"name\":")
                    out.string(source)
                    out.raw("}")
                }
                if !vulnerability.aliases.isEmpty {
                    out.key("references")
                    out.array(vulnerability.aliases) { out, alias in
                        out.raw("{\"id\":")
                        out.string(alias)
                        out.raw(",\"source\":{\"name\":")
                        out.string(sourceName(alias) ?? "alias")
                        out.raw("}}")
                    }
                }
                out.key("ratings")
                out.raw("[{")
                out.key("severity", first: true)
                out.string(vulnerability.severity)
                if let score = vulnerability.score {
                    out.key("score")
                    out.raw(String(format: "%.1f", score))
                    out.key("method")
                    out.string("CVSSv31")
                }
                if let vector = vulnerability.vector {
                    out.key("vector")
                    out.string(vector)
                }
                out.raw("}]")
                if let description = vulnerability.description {
                    out.key("description")
                    out.string(description)
                }
                if let fixed = vulnerability.fixedVersion {
                    out.key("recommendation")
                    out.string("upgrade to \(fixed)")
                }
                out.key("affects")
                out.array(vulnerability.affects) { out, index in
                    out.raw("{\"ref\":")
                    out.string("package-\(index)")
                    out.raw("}")
                }
                out.raw("}")
            }
        }
        out.raw("}\n")
        return out.output
    }

    static func sourceName(_ id: String) -> String? {
        if id.hasPrefix("CVE-") { return "NVD" }
        if id.hasPrefix("GHSA-") { return "GitHub" }
        if id.hasPrefix("DSA-") || id.hasPrefix("DLA-") { return "Debian" }
        return nil
    }

    // MARK: SPDX 2.3

    public static func spdx(_ catalog: Catalog, timestamp: Date, serial: UUID) -> String {
        let name = catalog.source
        var out = JSONWriter()
        out.raw("{")
        out.key("spdxVersion", first: true)
        out.string("SPDX-2.3")
        out.key("dataLicense")
        out.string("CC0-1.0")
        out.key("SPDXID")
        out.string("SPDXRef-DOCUMENT")
        out.key("name")
        out.string(name)
        out.key("documentNamespace")
        out.string("http://spdx.org/spdxdocs/berth-" + serial.uuidString.lowercased())
        out.key("creationInfo")
        out.raw("{")
        out.key("created", first: true)
        out.string(iso8601(timestamp))
        out.key("creators")
        out.stringArray(["Tool: berth-\(BerthVersion.current)"])
        out.raw("}")
        out.key("packages")
        var entries: [(id: String, write: (inout JSONWriter) -> Void)] = []
        entries.append(
            (
                "SPDXRef-Image",
                { out in
                    out.raw("{")
                    out.key("SPDXID", first: true)
                    out.string("SPDXRef-Image")
                    out.key("name")
                    out.string(name)
                    if let digest = catalog.manifestDigest ?? catalog.configDigest {
                        out.key("versionInfo")
                        out.string(digest)
                    }
                    out.key("downloadLocation")
                    out.string("NOASSERTION")
                    out.key("filesAnalyzed")
                    out.bool(false)
                    out.key("primaryPackagePurpose")
                    out.string("CONTAINER")
                    out.raw("}")
                }
            ))
        for (index, package) in catalog.packages.enumerated() {
            let id = "SPDXRef-Package-\(index)"
            entries.append(
                (
                    id,
                    { out in
                        out.raw("{")
                        out.key("SPDXID", first: true)
                        out.string(id)
                        out.key("name")
                        out.string(package.name)
                        out.key("versionInfo")
                        out.string(package.version)
                        out.key("downloadLocation")
                        out.string("NOASSERTION")
                        out.key("filesAnalyzed")
                        out.bool(false)
                        out.key("licenseConcluded")
                        out.string("NOASSERTION")
                        out.key("licenseDeclared")
                        out.string("NOASSERTION")
                        if !package.licenses.isEmpty {
                            out.key("licenseComments")
                            out.string("declared: " + package.licenses.joined(separator: "; "))
                        }
                        out.key("copyrightText")
                        out.string("NOASSERTION")
                        out.key("sourceInfo")
                        out.string("found in layer \(package.layer) at " + package.locations.joined(separator: ", "))
                        out.key("externalRefs")
                        out.raw("[{")
                        out.key("referenceCategory", first: true)
                        out.string("PACKAGE-MANAGER")
                        out.key("referenceType")
                        out.string("purl")
                        out.key("referenceLocator")
                        out.string(package.purl)
                        out.raw("}]")
                        out.key("primaryPackagePurpose")
                        out.string(package.type == .jdk || package.type == .wso2 ? "APPLICATION" : "LIBRARY")
                        out.raw("}")
                    }
                ))
        }
        out.array(entries) { out, entry in entry.write(&out) }
        out.key("relationships")
        var relationships = [("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image")]
        relationships += catalog.packages.indices.map { ("SPDXRef-Image", "CONTAINS", "SPDXRef-Package-\($0)") }
        out.array(relationships) { out, relationship in
            out.raw("{")
            out.key("spdxElementId", first: true)
            out.string(relationship.0)
            out.key("relationshipType")
            out.string(relationship.1)
            out.key("relatedSpdxElement")
            out.string(relationship.2)
            out.raw("}")
        }
        out.raw("}\n")
        return out.output
    }
}

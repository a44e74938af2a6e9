import Foundation

/// The kinds of package a cataloguer finds.
public enum PackageType: String, Sendable, Codable, CaseIterable, Comparable {
    case deb
    case apk
    case rpm
    case maven
    /// An OSGi bundle identified by its symbolic name and version (WSO2 `plugins/NAME_VERSION.jar`).
    case osgi
    /// A Java runtime, from its `release` file.
    case jdk
    /// A WSO2 product distribution.
    case wso2

    public static func < (lhs: PackageType, rhs: PackageType) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One package found in an image.
public struct SoftwarePackage: Sendable, Equatable, Hashable, Codable {
    public var type: PackageType
    public var name: String
    public var version: String
    /// The package URL (purl spec).
    public var purl: String
    /// The source package and its version, when the package came from one (deb `Source:`, apk `o:`, rpm SOURCERPM).
    public var sourceName: String?
    public var sourceVersion: String?
    public var architecture: String?
    /// Maven coordinates, for Java archives.
    public var groupID: String?
    public var artifactID: String?
    /// Declared licences, as written.
    public var licenses: [String]
    /// Files that declare the package (a database, an archive, a nested archive as `outer.jar!/inner.jar`).
    public var locations: [String]
    /// The diff-id (or digest) of the layer whose file declares the package.
    public var layer: String

    public init(
        type: PackageType, name: String, version: String, purl: String, sourceName: String? = nil,
        sourceVersion: String? = nil, architecture: String? = nil, groupID: String? = nil,
        artifactID: String? = nil, licenses: [String] = [], locations: [String], layer: String
    ) {
        self.type = type
        self.name = name
        self.version = version
        self.purl = purl
        self.sourceName = sourceName
        self.sourceVersion = sourceVersion
        self.architecture = architecture
        self.groupID = groupID
        self.artifactID = artifactID
        self.licenses = licenses
        self.locations = locations
        self.layer = layer
    }
}

/// The distribution an image is based on, from `/etc/os-release` (or `/usr/lib/os-release`).
public struct Distribution: Sendable, Equatable, Codable {
    /// `ID`, e.g. `debian`, `alpine`, `rhel`.
    public var id: String
    /// `VERSION_ID`, e.g. `12`, `3.18.4`.
    public var versionID: String?
    /// `VERSION_CODENAME`, e.g. `bookworm`.
    public var codename: String?
    /// `PRETTY_NAME`.
    public var prettyName: String?
    /// `ID_LIKE`.
    public var idLike: [String]

    public init(id: String, versionID: String?, codename: String?, prettyName: String?, idLike: [String]) {
        self.id = id
        self.versionID = versionID
        self.codename = codename
        self.prettyName = prettyName
        self.idLike = idLike
    }

    /// Parses os-release text (shell-style `KEY=value` lines, values optionally quoted).
    public init?(osRelease text: String) {
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { continue }
            let key = String(trimmed[..<equals])
            var value = String(trimmed[trimmed.index(after: equals)...])
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
                value = value.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
            }
            values[key] = value
        }
        guard let id = values["ID"], !id.isEmpty else { return nil }
        self.init(
            id: id.lowercased(), versionID: values["VERSION_ID"], codename: values["VERSION_CODENAME"],
            prettyName: values["PRETTY_NAME"],
            idLike: (values["ID_LIKE"] ?? "").split(separator: " ").map(String.init))
    }

    /// The distro qualifier of a purl: `debian-12`, `alpine-3.18.4`.
    public var purlQualifier: String { versionID.map { "\(id)-\($0)" } ?? id }
}

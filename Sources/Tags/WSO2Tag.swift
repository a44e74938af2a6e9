import BerthCore

/// An image tag in the WSO2 scheme:
///
/// - `{product-version}`: `5.8.0` (Ubuntu based)
/// - `{product-version}-{os}{os-version}`: `5.8.0-alpine3.10`
/// - `{product-version}.{update-timestamp}-{os}{os-version}`: `5.8.0.1570523290000-alpine3.10`
/// - `{product-version}.{update-timestamp}.{release}-{os}{os-version}`
/// - `{product-version}.{update-level}`: `4.7.0.1`, the four-part update level
public struct WSO2Tag: Sendable, Hashable, CustomStringConvertible {
    /// `major.minor.patch`.
    public var productVersion: String
    /// The four-part update level (`4.7.0.1` -> 1), if given.
    public var updateLevel: Int?
    /// The update (WUM/U2) timestamp, 10 to 14 digits, if given.
    public var updateTimestamp: String?
    /// The Docker release number after the timestamp, if given.
    public var release: Int?
    /// The base OS platform (`alpine`, `ubuntu`, `rocky`), nil for the Ubuntu default.
    public var os: String?
    /// The OS version (`3.10`), if given.
    public var osVersion: String?

    public init(
        productVersion: String, updateLevel: Int? = nil, updateTimestamp: String? = nil, release: Int? = nil,
        os: String? = nil, osVersion: String? = nil
    ) {
        self.productVersion = productVersion
        self.updateLevel = updateLevel
        self.updateTimestamp = updateTimestamp
        self.release = release
        self.os = os
        self.osVersion = osVersion
    }

    /// Why a tag is not in the scheme.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var tag: String
        public var reason: String
        public var description: String { "'\(tag)' is not a WSO2 image tag: \(reason)" }
    }

    /// Parses `tag`, or explains why it is not in the scheme.
    public static func parse(_ tag: String) throws(ParseError) -> WSO2Tag {
        func fail(_ reason: String) -> ParseError { ParseError(tag: tag, reason: reason) }
        var versionPart = Substring(tag)
        var osPart: Substring?
        if let dash = tag.firstIndex(of: "-") {
            versionPart = tag[..<dash]
            osPart = tag[tag.index(after: dash)...]
        }
        let fields = versionPart.split(separator: ".", omittingEmptySubsequences: false)
        guard fields.count >= 3, fields.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) else {
            throw fail("expected {product-version} as three numbers, like 4.5.0")
        }
        var result = WSO2Tag(productVersion: fields[0...2].joined(separator: "."))
        let extra = fields.dropFirst(3)
        switch extra.count {
        case 0:
            break
        case 1:
            let field = extra.first!
            if field.count >= 10 {
                guard field.count <= 14 else { throw fail("the update timestamp has more than 14 digits") }
                result.updateTimestamp = String(field)
            } else {
                guard field.count <= 4, let level = Int(field) else {
                    throw fail("the update level is not a small number")
                }
                result.updateLevel = level
            }
        case 2:
            let timestamp = extra.first!
            guard (10...14).contains(timestamp.count) else {
                throw fail("expected {update-timestamp}.{release} after the product version")
            }
            guard let release = Int(extra.last!) else { throw fail("the release is not a number") }
            result.updateTimestamp = String(timestamp)
            result.release = release
        default:
            throw fail("too many version fields")
        }
        if let osPart {
            let name = osPart.prefix { $0.isASCII && $0.isLetter }
            let version = osPart.dropFirst(name.count)
            guard !name.isEmpty, name.allSatisfy(\.isLowercase) else {
                throw fail("expected -{os}{os-version} like -alpine3.10 after the version")
            }
            guard
                version.isEmpty
                    || version.split(separator: ".", omittingEmptySubsequences: false)
                        .allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) })
            else {
                throw fail("the OS version '\(version)' is not numbers separated by dots")
            }
            result.os = String(name)
            result.osVersion = version.isEmpty ? nil : String(version)
        }
        return result
    }

    /// The tag text.
    public var description: String {
        var text = productVersion
        if let updateLevel { text += ".\(updateLevel)" }
        if let updateTimestamp { text += ".\(updateTimestamp)" }
        if let release { text += ".\(release)" }
        if let os { text += "-\(os)\(osVersion ?? "")" }
        return text
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension WSO2Tag {
    /// The channel the seed's scheme implies: a unique build (timestamp), an update level, or a
    /// moving product-version tag.
    public var kind: String {
        if release != nil { return "source-unique" }
        if updateTimestamp != nil { return "unique" }
        if updateLevel != nil { return "update-level" }
        return "stable"
    }
}

/// An image reference split at its tag: `registry/repository:tag@digest`.
public struct TaggedReference: Sendable, Equatable {
    public var repository: String?
    public var tag: String
    public var digest: String?

    /// Splits `reference`; a bare tag (no `:` or `/`) is taken as the tag itself.
    public init?(_ reference: String) {
        let parts = ImageName.split(reference)
        digest = parts.digest.map(String.init)
        if let tag = parts.tag {
            repository = String(parts.name)
            self.tag = String(tag)
        } else if !parts.name.contains("/"), !parts.name.isEmpty {
            repository = nil
            tag = String(parts.name)
        } else {
            return nil
        }
        if tag.isEmpty { return nil }
    }
}

/// How versions of an ecosystem are ordered.
public enum VersionScheme: String, Sendable, Codable {
    case debian
    case rpm
    case apk
    case maven
    case semver

    /// The scheme of an OSV ecosystem name (`Debian:12`, `Alpine:v3.18`, `Maven`, `Red Hat:...`).
    public static func of(ecosystem: String) -> VersionScheme? {
        let family = ecosystem.split(separator: ":").first.map(String.init) ?? ecosystem
        switch family {
        case "Debian", "Ubuntu": return .debian
        case "Alpine", "Wolfi", "Chainguard": return .apk
        case "Maven": return .maven
        case "Red Hat", "Rocky Linux", "AlmaLinux", "openSUSE", "SUSE", "Mageia", "openEuler": return .rpm
        default: return nil
        }
    }

    public func compare(_ lhs: String, _ rhs: String) -> Int {
        switch self {
        case .debian: return DebianVersion.compare(lhs, rhs)
        case .rpm: return RPMVersion.compare(lhs, rhs)
        case .apk: return APKVersion.compare(lhs, rhs)
        case .maven: return MavenVersion.compare(lhs, rhs)
        case .semver: return SemanticVersion.compare(lhs, rhs)
        }
    }
}

/// One OSV range event: exactly one of its fields is set.
public struct RangeEvent: Sendable, Codable, Equatable {
    public var introduced: String?
    public var fixed: String?
    public var lastAffected: String?
    public var limit: String?

    public init(introduced: String? = nil, fixed: String? = nil, lastAffected: String? = nil, limit: String? = nil) {
        self.introduced = introduced
        self.fixed = fixed
        self.lastAffected = lastAffected
        self.limit = limit
    }

    enum CodingKeys: String, CodingKey {
        case introduced, fixed, limit
        case lastAffected = "last_affected"
    }

    var version: String { introduced ?? fixed ?? lastAffected ?? limit ?? "" }
}

/// An OSV `affected[].ranges[]` entry of type ECOSYSTEM or SEMVER.
public struct AffectedRange: Sendable, Codable, Equatable {
    public var type: String
    public var events: [RangeEvent]

    public init(type: String, events: [RangeEvent]) {
        self.type = type
        self.events = events
    }

    /// Whether `version` falls in the range, evaluated as the OSV schema describes: events sorted
    /// by version, `introduced` opens, `fixed` closes at that version, `last_affected` closes after
    /// it, and `limit` bounds the whole range from above.
    public func contains(_ version: String, scheme: VersionScheme) -> Bool {
        let order: VersionScheme = type == "SEMVER" ? .semver : scheme
        func compare(_ a: String, _ b: String) -> Int {
            if a == b { return 0 }
            if a == "0" { return -1 }
            if b == "0" { return 1 }
            return order.compare(a, b)
        }
        for event in events {
            if let limit = event.limit, limit != "*", compare(version, limit) >= 0 { return false }
        }
        let sorted = events.filter { $0.limit == nil }.sorted { compare($0.version, $1.version) < 0 }
        var affected = false
        for event in sorted {
            if let introduced = event.introduced {
                if introduced == "0" || compare(version, introduced) >= 0 { affected = true }
            } else if let fixed = event.fixed {
                if compare(version, fixed) >= 0 { affected = false }
            } else if let last = event.lastAffected {
                if compare(version, last) > 0 { affected = false }
            }
        }
        return affected
    }

    /// The fixed version of the sub-range `version` falls in, if that sub-range is closed by a fix.
    public func fix(for version: String, scheme: VersionScheme) -> String? {
        let order: VersionScheme = type == "SEMVER" ? .semver : scheme
        let fixes = events.compactMap(\.fixed).filter { order.compare(version, $0) < 0 }
        return fixes.min { order.compare($0, $1) < 0 }
    }
}

/// Semantic Versioning 2.0 precedence, lenient about a leading `v` and missing minor or patch.
public enum SemanticVersion {
    public static func compare(_ lhs: String, _ rhs: String) -> Int {
        let a = split(lhs)
        let b = split(rhs)
        for index in 0..<3 where a.core[index] != b.core[index] {
            return a.core[index] < b.core[index] ? -1 : 1
        }
        switch (a.pre.isEmpty, b.pre.isEmpty) {
        case (true, true): return 0
        case (true, false): return 1
        case (false, true): return -1
        case (false, false): break
        }
        for (x, y) in zip(a.pre, b.pre) where x != y {
            switch (Int(x), Int(y)) {
            case (let p?, let q?): return p < q ? -1 : 1
            case (.some, nil): return -1
            case (nil, .some): return 1
            case (nil, nil): return x < y ? -1 : 1
            }
        }
        return a.pre.count == b.pre.count ? 0 : (a.pre.count < b.pre.count ? -1 : 1)
    }

    static func split(_ text: String) -> (core: [Int], pre: [Substring]) {
        var body = Substring(text)
        if body.hasPrefix("v") { body = body.dropFirst() }
        if let plus = body.firstIndex(of: "+") { body = body[..<plus] }
        var pre: [Substring] = []
        if let dash = body.firstIndex(of: "-") {
            pre = body[body.index(after: dash)...].split(separator: ".")
            body = body[..<dash]
        }
        var core = body.split(separator: ".").prefix(3).map { Int($0.prefix(18)) ?? 0 }
        while core.count < 3 { core.append(0) }
        return (core, pre)
    }
}

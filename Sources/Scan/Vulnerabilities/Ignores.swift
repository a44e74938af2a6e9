import Foundation

/// A vulnerability `berth scan` leaves out (`scan.ignore` in `.berth.yaml`), as other scanners'
/// ignore files do: an id matched against a finding's id and aliases, a reason, an optional
/// package name, and an optional last day (UTC) after which the ignore no longer applies.
public struct VulnerabilityIgnore: Sendable, Equatable {
    public var id: String
    public var reason: String
    /// `YYYY-MM-DD`: the ignore holds through this day, UTC.
    public var expires: String?
    public var package: String?
    /// Where the entry was written (`.berth.yaml:12`), for messages.
    public var origin: String

    public init(id: String, reason: String, expires: String?, package: String?, origin: String) {
        self.id = id
        self.reason = reason
        self.expires = expires
        self.package = package
        self.origin = origin
    }

    /// Whether the ignore has expired on `date`: the day after `expires` has begun, in UTC.
    public func isExpired(on date: Date) -> Bool {
        guard let expires else { return false }
        return Self.day(of: date) > expires
    }

    /// Whether the ignore names `finding`: its id or one of its aliases, and its package when one is given.
    public func covers(_ finding: VulnerabilityFinding) -> Bool {
        guard finding.id == id || finding.aliases.contains(id) else { return false }
        return package.map { $0 == finding.packageName } ?? true
    }

    static func day(of date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04ld-%02ld-%02ld", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}

/// A finding left out by an ignore.
public struct IgnoredFinding: Sendable, Equatable {
    public var finding: VulnerabilityFinding
    public var ignore: VulnerabilityIgnore
}

/// Findings after the ignores: what is reported, what was left out and why, and the ignores that
/// expired (their findings are reported again) or matched nothing.
public struct IgnoreOutcome: Sendable, Equatable {
    public var findings: [VulnerabilityFinding]
    public var ignored: [IgnoredFinding]
    public var expired: [VulnerabilityIgnore]
    public var unused: [VulnerabilityIgnore]

    /// Applies `ignores` to `findings` as of `date`.
    public static func apply(_ ignores: [VulnerabilityIgnore], to findings: [VulnerabilityFinding], on date: Date)
        -> IgnoreOutcome
    {
        let active = ignores.filter { !$0.isExpired(on: date) }
        var used = Set<Int>()
        var kept: [VulnerabilityFinding] = []
        var ignored: [IgnoredFinding] = []
        for finding in findings {
            if let index = active.firstIndex(where: { $0.covers(finding) }) {
                used.insert(index)
                ignored.append(IgnoredFinding(finding: finding, ignore: active[index]))
            } else {
                kept.append(finding)
            }
        }
        return IgnoreOutcome(
            findings: kept, ignored: ignored, expired: ignores.filter { $0.isExpired(on: date) },
            unused: active.enumerated().filter { !used.contains($0.offset) }.map(\.element))
    }

    /// One line per expired or unused ignore, for standard error.
    public var warnings: [String] {
        expired.map {
            "\($0.origin): the ignore of \($0.id) expired on \($0.expires ?? "?"); its findings are reported"
        }
            + unused.map { "\($0.origin): the ignore of \($0.id) matches no finding" }
    }
}

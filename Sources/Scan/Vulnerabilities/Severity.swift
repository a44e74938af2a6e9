import Foundation

/// How severe a vulnerability is, ordered from least to most.
public enum VulnerabilitySeverity: String, Sendable, CaseIterable, Comparable, Codable {
    case unknown
    case negligible
    case low
    case medium
    case high
    case critical

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: VulnerabilitySeverity, rhs: VulnerabilitySeverity) -> Bool { lhs.rank < rhs.rank }

    /// The qualitative rating of a CVSS v3 base score (CVSS v3.1 specification, table 14).
    public init(score: Double) {
        switch score {
        case ..<0.1: self = .negligible
        case ..<4.0: self = .low
        case ..<7.0: self = .medium
        case ..<9.0: self = .high
        default: self = .critical
        }
    }

    /// A severity word from an advisory (GHSA `MODERATE`, Debian urgency `low**`, ...).
    public init(label: String) {
        let word = label.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "* "))
        switch word {
        case "critical": self = .critical
        case "high", "important": self = .high
        case "medium", "moderate": self = .medium
        case "low": self = .low
        case "unimportant", "negligible", "end-of-life": self = .negligible
        default: self = .unknown
        }
    }
}

/// CVSS v3.0 and v3.1 base scores computed from a vector string.
public enum CVSS3 {
    /// The base score of `CVSS:3.x/AV:_/AC:_/PR:_/UI:_/S:_/C:_/I:_/A:_`, or nil when the vector is not v3.
    public static func baseScore(_ vector: String) -> Double? {
        let parts = vector.split(separator: "/")
        guard let head = parts.first, head == "CVSS:3.0" || head == "CVSS:3.1" else { return nil }
        var metrics: [Substring: Substring] = [:]
        for part in parts.dropFirst() {
            let pair = part.split(separator: ":", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            metrics[pair[0]] = pair[1]
        }
        guard let scope = metrics["S"], scope == "U" || scope == "C" else { return nil }
        let changed = scope == "C"
        let attackVector: [Substring: Double] = ["N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2]
        let complexity: [Substring: Double] = ["L": 0.77, "H": 0.44]
        let privileges: [Substring: Double] =
            changed ? ["N": 0.85, "L": 0.68, "H": 0.5] : ["N": 0.85, "L": 0.62, "H": 0.27]
        let interaction: [Substring: Double] = ["N": 0.85, "R": 0.62]
        let impact: [Substring: Double] = ["H": 0.56, "L": 0.22, "N": 0]
        guard let av = metrics["AV"].flatMap({ attackVector[$0] }),
            let ac = metrics["AC"].flatMap({ complexity[$0] }),
            let pr = metrics["PR"].flatMap({ privileges[$0] }),
            let ui = metrics["UI"].flatMap({ interaction[$0] }),
            let c = metrics["C"].flatMap({ impact[$0] }),
            let i = metrics["I"].flatMap({ impact[$0] }),
            let a = metrics["A"].flatMap({ impact[$0] })
        else { return nil }
        let iss = 1 - (1 - c) * (1 - i) * (1 - a)
        let impactScore = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss
        let exploitability = 8.22 * av * ac * pr * ui
        guard impactScore > 0 else { return 0 }
        let raw = changed ? min(1.08 * (impactScore + exploitability), 10) : min(impactScore + exploitability, 10)
        return head == "CVSS:3.1" ? roundUp31(raw) : (raw * 10).rounded(.up) / 10
    }

    /// CVSS v3.1's Roundup: the smallest number with one decimal at or above the input, free of
    /// floating-point error (specification appendix A).
    static func roundUp31(_ value: Double) -> Double {
        let integer = Int((value * 100_000).rounded())
        if integer % 10_000 == 0 { return Double(integer) / 100_000 }
        return Double(integer / 10_000 + 1) / 10
    }
}

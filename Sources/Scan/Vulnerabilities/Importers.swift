import Foundation

/// Reads OSV records (ossf/osv-schema) into database records.
public enum OSVImporter {
    /// Parses one OSV JSON document; `subject` names it in errors.
    public static func parse(_ data: Data, subject: String) throws(ScanError) -> VulnerabilityRecord {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .invalidRecord(subject: subject, reason: "not JSON")
        }
        guard let document = object as? [String: Any] else {
            throw .invalidRecord(subject: subject, reason: "an OSV record is a JSON object")
        }
        return try parse(document, subject: subject)
    }

    static func parse(_ document: [String: Any], subject: String) throws(ScanError) -> VulnerabilityRecord {
        guard let id = document["id"] as? String, !id.isEmpty else {
            throw .invalidRecord(subject: subject, reason: "field 'id' is missing")
        }
        let aliases = (document["aliases"] as? [String] ?? []) + (document["upstream"] as? [String] ?? [])
        var vector = cvssVector(document["severity"])
        var label = (document["database_specific"] as? [String: Any])?["severity"] as? String
        var affected: [AffectedPackage] = []
        for (index, entry) in (document["affected"] as? [[String: Any]] ?? []).enumerated() {
            guard let package = entry["package"] as? [String: Any], let ecosystem = package["ecosystem"] as? String,
                let name = package["name"] as? String
            else {
                throw .invalidRecord(
                    subject: subject, reason: "affected[\(index)].package needs 'ecosystem' and 'name'")
            }
            var ranges: [AffectedRange] = []
            for (rangeIndex, range) in (entry["ranges"] as? [[String: Any]] ?? []).enumerated() {
                guard let type = range["type"] as? String else {
                    throw .invalidRecord(
                        subject: subject, reason: "affected[\(index)].ranges[\(rangeIndex)].type is missing")
                }
                guard type == "ECOSYSTEM" || type == "SEMVER" else { continue }
                var events: [RangeEvent] = []
                for event in range["events"] as? [[String: Any]] ?? [] {
                    if let value = event["introduced"] as? String {
                        events.append(RangeEvent(introduced: value))
                    } else if let value = event["fixed"] as? String {
                        events.append(RangeEvent(fixed: value))
                    } else if let value = event["last_affected"] as? String {
                        events.append(RangeEvent(lastAffected: value))
                    } else if let value = event["limit"] as? String {
                        events.append(RangeEvent(limit: value))
                    }
                }
                guard events.contains(where: { $0.introduced != nil }) else {
                    throw .invalidRecord(
                        subject: subject, reason: "affected[\(index)].ranges[\(rangeIndex)] has no 'introduced' event")
                }
                ranges.append(AffectedRange(type: type, events: events))
            }
            let perPackageLabel =
                (entry["ecosystem_specific"] as? [String: Any])?["urgency"] as? String
                ?? (entry["database_specific"] as? [String: Any])?["severity"] as? String
            if vector == nil { vector = cvssVector(entry["severity"]) }
            affected.append(
                AffectedPackage(
                    ecosystem: Ecosystems.normalise(ecosystem), name: name, ranges: ranges,
                    versions: entry["versions"] as? [String] ?? [], severityLabel: perPackageLabel))
        }
        if label == nil { label = affected.compactMap(\.severityLabel).first }
        return VulnerabilityRecord(
            id: id, aliases: aliases,
            summary: (document["summary"] as? String)
                ?? (document["details"] as? String).map { String($0.prefix(300)) },
            modified: document["modified"] as? String, cvssVector: vector, severityLabel: label, affected: affected)
    }

    /// The CVSS vector of an OSV `severity` array: the v4.0 one where present, else the
    /// highest-versioned v3 one.
    static func cvssVector(_ value: Any?) -> String? {
        let entries = value as? [[String: Any]] ?? []
        func vectors(_ kind: String) -> [String] {
            entries.compactMap { entry -> String? in
                guard let type = entry["type"] as? String, type == kind, let score = entry["score"] as? String else {
                    return nil
                }
                return score
            }
        }
        return vectors("CVSS_V4").first { CVSS4.score($0) != nil } ?? vectors("CVSS_V3").max()
    }
}

/// Reads the Debian security tracker's JSON (`/tracker/data/json`) into database records.
public enum DebianTrackerImporter {
    /// Whether a top-level JSON object looks like the tracker's: source packages to CVE maps.
    static func looksLikeTracker(_ document: [String: Any]) -> Bool {
        guard document["id"] == nil, let first = document.values.first as? [String: Any] else { return false }
        return first.values.first is [String: Any] || first.isEmpty
    }

    /// One record per issue, with one affected package per release it names.
    ///
    /// `resolved` with a version: fixed there; `fixed_version` `0`: never affected (left out); `open`
    /// or `undetermined`: affected with no fix. The urgency (`**` suffix tolerated) is the severity label.
    public static func parse(_ document: [String: Any], subject: String) throws(ScanError) -> [VulnerabilityRecord] {
        var accumulator = Accumulator()
        try accumulator.add(document, subject: subject)
        return accumulator.records()
    }

    /// Collects records from the tracker's source packages as they are read, one or a few at a
    /// time; an issue named by several source packages becomes one record.
    struct Accumulator {
        private var byIssue: [String: VulnerabilityRecord] = [:]

        mutating func add(_ document: [String: Any], subject: String) throws(ScanError) {
            for (source, issues) in document {
                guard let issues = issues as? [String: Any] else {
                    throw .invalidRecord(subject: subject, reason: "package '\(source)' is not an object")
                }
                for (issue, value) in issues {
                    guard let details = value as? [String: Any] else { continue }
                    let releases = details["releases"] as? [String: Any] ?? [:]
                    var affected: [AffectedPackage] = []
                    for (codename, releaseValue) in releases {
                        guard let release = releaseValue as? [String: Any],
                            let number = Ecosystems.debianReleases[codename]
                        else { continue }
                        let status = release["status"] as? String ?? ""
                        let fixed = release["fixed_version"] as? String
                        let urgency = release["urgency"] as? String
                        var events = [RangeEvent(introduced: "0")]
                        if status == "resolved" {
                            guard let fixed, fixed != "0" else { continue }
                            events.append(RangeEvent(fixed: fixed))
                        } else if status != "open" && status != "undetermined" {
                            continue
                        }
                        affected.append(
                            AffectedPackage(
                                ecosystem: "Debian:\(number)", name: source,
                                ranges: [AffectedRange(type: "ECOSYSTEM", events: events)], versions: [],
                                severityLabel: urgency))
                    }
                    guard !affected.isEmpty else { continue }
                    affected.sort { ($0.ecosystem, $0.name) < ($1.ecosystem, $1.name) }
                    if var existing = byIssue[issue] {
                        existing.affected += affected
                        byIssue[issue] = existing
                    } else {
                        byIssue[issue] = VulnerabilityRecord(
                            id: issue, aliases: [],
                            summary: (details["description"] as? String).map { String($0.prefix(300)) },
                            modified: nil, cvssVector: nil, severityLabel: nil, affected: affected)
                    }
                }
            }
        }

        /// The records, sorted by issue.
        func records() -> [VulnerabilityRecord] { byIssue.keys.sorted().compactMap { byIssue[$0] } }
    }
}

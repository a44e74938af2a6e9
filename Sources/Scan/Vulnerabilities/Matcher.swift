/// One vulnerability in one package: records that alias each other are merged into one finding.
public struct VulnerabilityFinding: Sendable, Equatable {
    /// The id shown: the CVE when the merged records have one, else the first record id.
    public var id: String
    /// Every other id of the merged records (GHSA, DSA, DLA, OSV ids), sorted.
    public var aliases: [String]
    /// Index of the package in the catalogue.
    public var packageIndex: Int
    public var packageName: String
    public var installedVersion: String
    /// The version that fixes it, when a record names one.
    public var fixedVersion: String?
    public var severity: VulnerabilitySeverity
    public var score: Double?
    public var vector: String?
    public var summary: String?
    /// The ecosystem the match was made in.
    public var ecosystem: String
}

/// Matches a catalogue's packages against the vulnerability database.
public enum Matcher {
    public static func match(_ catalog: Catalog, database: VulnerabilityDatabase) throws(ScanError)
        -> [VulnerabilityFinding]
    {
        var findings: [VulnerabilityFinding] = []
        var cache: [String: [VulnerabilityRecord]] = [:]
        for (index, package) in catalog.packages.enumerated() {
            guard let key = Ecosystems.lookup(package, distribution: catalog.distribution) else { continue }
            let cacheKey = key.ecosystem + "\u{0}" + key.name
            let records: [VulnerabilityRecord]
            if let cached = cache[cacheKey] {
                records = cached
            } else {
                records = try database.records(ecosystem: key.ecosystem, name: key.name)
                cache[cacheKey] = records
            }
            let matched = records.filter { record in
                record.affected.contains { affects($0, version: key.version, scheme: key.scheme) }
            }
            findings += merge(
                matched, package: package, index: index, version: key.version, scheme: key.scheme,
                ecosystem: key.ecosystem)
        }
        return findings.sorted {
            if $0.severity != $1.severity { return $0.severity > $1.severity }
            return ($0.packageName, $0.id, $0.packageIndex) < ($1.packageName, $1.id, $1.packageIndex)
        }
    }

    static func affects(_ affected: AffectedPackage, version: String, scheme: VersionScheme) -> Bool {
        if affected.versions.contains(version) { return true }
        return affected.ranges.contains { $0.contains(version, scheme: scheme) }
    }

    /// Groups records connected by ids or aliases and makes one finding per group.
    static func merge(
        _ records: [VulnerabilityRecord], package: SoftwarePackage, index: Int, version: String, scheme: VersionScheme,
        ecosystem: String
    ) -> [VulnerabilityFinding] {
        var groups: [[VulnerabilityRecord]] = []
        var groupOf: [String: Int] = [:]
        for record in records {
            let ids = [record.id] + record.aliases
            let existing = Set(ids.compactMap { groupOf[$0] }).sorted()
            let target: Int
            if let first = existing.first {
                target = first
                for other in existing.dropFirst() {
                    groups[first] += groups[other]
                    for member in groups[other] {
                        for id in [member.id] + member.aliases { groupOf[id] = first }
                    }
                    groups[other] = []
                }
                groups[target].append(record)
            } else {
                target = groups.count
                groups.append([record])
            }
            for id in ids { groupOf[id] = target }
        }
        return groups.filter { !$0.isEmpty }.map { group in
            let ids = Set(group.flatMap { [$0.id] + $0.aliases })
            let primary = ids.filter { $0.hasPrefix("CVE-") }.sorted().first ?? group[0].id
            let rated = group.map { record -> (VulnerabilitySeverity, Double?, String?) in
                let severity = record.severity
                if severity.level == .unknown, let label = record.affected.compactMap(\.severityLabel).first {
                    return (VulnerabilitySeverity(label: label), nil, nil)
                }
                return (severity.level, severity.score, record.cvssVector)
            }
            let best = rated.max { ($0.1 ?? -1, $0.0) < ($1.1 ?? -1, $1.0) } ?? (.unknown, nil, nil)
            let fixes = group.flatMap { record in
                record.affected.flatMap { affected in
                    affected.ranges.compactMap { $0.fix(for: version, scheme: scheme) }
                }
            }
            return VulnerabilityFinding(
                id: primary, aliases: ids.subtracting([primary]).sorted(), packageIndex: index,
                packageName: package.name,
                installedVersion: package.version, fixedVersion: fixes.max { scheme.compare($0, $1) < 0 },
                severity: best.0, score: best.1, vector: best.2, summary: group.compactMap(\.summary).first,
                ecosystem: ecosystem)
        }
    }
}

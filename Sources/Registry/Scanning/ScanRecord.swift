import Foundation
import OCI
import Scan

/// The stored outcome of scanning one image manifest, kept beside the registry's metadata.
public struct ScanRecord: Sendable, Codable, Equatable {
    /// Whether the scan finished.
    public enum Status: String, Sendable, Codable {
        case completed
        case failed
    }

    /// One vulnerability found in one package.
    public struct Finding: Sendable, Codable, Equatable {
        public var id: String
        public var aliases: [String]
        public var severity: VulnerabilitySeverity
        public var package: String
        public var installedVersion: String
        public var fixedVersion: String?

        /// `CVE-1 (high) in libc6 2.36-9, fixed in 2.36-10`.
        public var summary: String {
            "\(id) (\(severity.rawValue)) in \(package) \(installedVersion)"
                + (fixedVersion.map { ", fixed in \($0)" } ?? ", no fix yet")
        }
    }

    /// The manifest scanned.
    public var digest: String
    /// The repository the manifest was read from.
    public var repository: String
    public var status: Status
    /// The version of the vulnerability database the findings come from (see ``ScanDatabase``).
    public var databaseVersion: String?
    public var scannedAt: Date
    /// Why the scan failed.
    public var error: String?
    /// Packages catalogued.
    public var packages: Int
    /// Findings, most severe first.
    public var findings: [Finding]
    /// The SBOM and vulnerability report referrers written for this scan.
    public var sbomDigest: String?
    public var reportDigest: String?

    public init(
        digest: String, repository: String, status: Status, databaseVersion: String?, scannedAt: Date = Date(),
        error: String? = nil, packages: Int = 0, findings: [Finding] = []
    ) {
        self.digest = digest
        self.repository = repository
        self.status = status
        self.databaseVersion = databaseVersion
        self.scannedAt = scannedAt
        self.error = error
        self.packages = packages
        self.findings = findings
    }

    /// Findings counted by severity name.
    public var counts: [String: Int] {
        var counts: [String: Int] = [:]
        for finding in findings { counts[finding.severity.rawValue, default: 0] += 1 }
        return counts
    }
}

/// Scan records on disk: `<root>/scans/<alg>/<hex>.json`, one per manifest digest, written durably.
public struct ScanResults: Sendable {
    let directory: String

    public init(root: String) {
        directory = root + "/scans"
    }

    func path(_ digest: OCI.Digest) -> String {
        "\(directory)/\(digest.algorithm.rawValue)/\(digest.encoded).json"
    }

    /// The record of `digest`, or nil when it was never scanned.
    public func record(_ digest: OCI.Digest) -> ScanRecord? {
        guard let data = POSIXFile.contents(path(digest)) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(ScanRecord.self, from: data)
    }

    /// Replaces the record of its digest.
    public func store(_ record: ScanRecord) throws {
        guard let digest = try? OCI.Digest(parsing: record.digest) else {
            throw StorageError.io(path: directory, reason: "not a digest: \(record.digest.prefix(80))")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        try POSIXFile.writeDurably(try encoder.encode(record), to: path(digest))
    }
}

import Foundation
import OCI
import RegistryMetadata
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

/// Scan records, one per manifest digest: on disk as `<root>/scans/<alg>/<hex>.json`, written
/// durably, or in the `scans` table of the metadata database replicas share.
public struct ScanResults: Sendable {
    let directory: String
    let metadata: MetadataStore?

    /// The records under `root`.
    public init(root: String) {
        directory = root + "/scans"
        metadata = nil
    }

    /// The records of `storage`: in its metadata database when it has one.
    public init(storage: RegistryStorage) {
        directory = storage.root + "/scans"
        metadata = storage.metadata
    }

    func path(_ digest: OCI.Digest) -> String {
        "\(directory)/\(digest.algorithm.rawValue)/\(digest.encoded).json"
    }

    static func decode(_ data: Data) -> ScanRecord? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(ScanRecord.self, from: data)
    }

    /// The record of `digest`, or nil when it was never scanned (or its record is unreadable).
    /// Throws only when the metadata database cannot be reached.
    public func record(_ digest: OCI.Digest) async throws -> ScanRecord? {
        if let metadata {
            guard let report = try await metadata.scan(digest: digest.description)?.report else { return nil }
            return Self.decode(Data(report.utf8))
        }
        guard let data = POSIXFile.contents(path(digest)) else { return nil }
        return Self.decode(data)
    }

    /// Replaces the record of its digest.
    public func store(_ record: ScanRecord) async throws {
        guard let digest = try? OCI.Digest(parsing: record.digest) else {
            throw StorageError.io(path: directory, reason: "not a digest: \(record.digest.prefix(80))")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(record)
        if let metadata {
            try await metadata.putScan(
                MetadataStore.ScanResult(
                    digest: digest.description, status: record.status.rawValue,
                    databaseVersion: record.databaseVersion, updated: MetadataClock.now(),
                    report: String(decoding: data, as: UTF8.self)))
            return
        }
        try POSIXFile.writeDurably(data, to: path(digest))
    }
}

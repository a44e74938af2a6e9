import BerthCore
import Foundation
import Image
import NIOPosix
import OCI
import Scan

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Scans image manifests already in the registry's storage with `berth scan`'s engine: no network,
/// the layers are read in place. Writes the record and the SBOM and vulnerability report referrers.
public struct ImageScanner: Sendable {
    /// Artifact type of the CycloneDX SBOM referrer (its vulnerabilities included).
    public static let sbomArtifactType = "application/vnd.cyclonedx+json"
    /// Artifact type of the vulnerability report referrer (`berth scan --format json`).
    public static let reportArtifactType = "application/vnd.berth.vulnerability-report.v1+json"
    /// Config media types of manifests that are images (other manifests are artifacts, not scanned).
    static let imageConfigTypes: Set<String> = [
        "application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json",
    ]

    public let storage: RegistryStorage
    public let results: ScanResults
    /// The vulnerability database file.
    public let databasePath: String

    public init(storage: RegistryStorage, databasePath: String) {
        self.storage = storage
        self.results = ScanResults(storage: storage)
        self.databasePath = databasePath
    }

    /// What a manifest is to the scanner.
    public enum Kind: Sendable, Equatable {
        /// An image: scanned.
        case image
        /// An index: its children are scanned.
        case index(children: [OCI.Digest])
        /// An artifact (signature, SBOM, ...) or a manifest that cannot be read: not scanned.
        case other
    }

    /// Classifies a stored manifest.
    public func kind(repository: String, digest: OCI.Digest) async throws -> Kind {
        guard let (stored, data) = try await storage.manifestContent(repository, digest: digest),
            let summary = try? ManifestParser.parse(data, contentType: stored.mediaType)
        else { return .other }
        if MediaType.isIndex(summary.mediaType) {
            return summary.subject == nil ? .index(children: summary.manifests.map(\.digest)) : .other
        }
        guard summary.subject == nil, let config = summary.config, Self.imageConfigTypes.contains(config.mediaType),
            summary.artifactType == nil || summary.artifactType == config.mediaType
        else { return .other }
        return .image
    }

    /// Scans one image manifest and stores the record (completed or failed) with its referrers.
    @discardableResult
    /// The cataloguing runs on `pool` (NIO's shared thread pool when nil).
    public func scan(repository: String, digest: OCI.Digest, on pool: NIOThreadPool? = nil) async -> ScanRecord {
        var record: ScanRecord
        do {
            let database = try VulnerabilityDatabase.open(path: databasePath)
            let version = try ScanDatabase.version(of: database)
            let result = try await catalogue(repository: repository, digest: digest, database: database, on: pool)
            record = ScanRecord(
                digest: digest.description, repository: repository, status: .completed, databaseVersion: version,
                packages: result.catalog.packages.count,
                findings: result.findings.map {
                    ScanRecord.Finding(
                        id: $0.id, aliases: $0.aliases, severity: $0.severity, package: $0.packageName,
                        installedVersion: $0.installedVersion, fixedVersion: $0.fixedVersion)
                }.sorted { ($0.severity, $1.id) > ($1.severity, $0.id) })
            let referrers = try await attach(result, repository: repository, digest: digest, version: version)
            record.sbomDigest = referrers.sbom.description
            record.reportDigest = referrers.report.description
        } catch {
            record = ScanRecord(
                digest: digest.description, repository: repository, status: .failed,
                databaseVersion: try? ScanDatabase.version(path: databasePath), error: "\(error)")
        }
        try? await results.store(record)
        return record
    }

    /// Catalogues the image through an OCI layout whose blobs link to the registry's content store
    /// (or, when the content is not on this machine, are copies of it, removed afterwards).
    func catalogue(
        repository: String, digest: OCI.Digest, database: VulnerabilityDatabase, on pool: NIOThreadPool? = nil
    ) async throws -> ScanResult {
        guard let (stored, data) = try await storage.manifestContent(repository, digest: digest) else {
            throw StorageError.io(path: repository, reason: "manifest \(digest) is not stored")
        }
        let summary = try ManifestParser.parse(data, contentType: stored.mediaType)
        let layout = storage.temporaryDirectory + "/scan-\(UUID().uuidString.lowercased())"
        defer { POSIXFile.removeTree(layout) }
        try POSIXFile.makeDirectory(layout + "/blobs/sha256")
        try POSIXFile.makeDirectory(layout + "/blobs/sha512")
        for blob in [Descriptor(mediaType: stored.mediaType, digest: digest, size: stored.size)] + summary.requiredBlobs
        {
            if blob.digest != digest, try await !storage.repositoryHasBlob(repository, blob.digest) {
                throw StorageError.io(path: repository, reason: "blob \(blob.digest) is not in the repository")
            }
            let link = "\(layout)/blobs/\(blob.digest.algorithm.rawValue)/\(blob.digest.encoded)"
            if POSIXFile.exists(link) { continue }
            let path = storage.blobPath(blob.digest)
            if let local = storage.driver.localFile(path) {
                guard symlink(local, link) == 0 else {
                    throw StorageError.io(path: link, reason: POSIXFile.errorText())
                }
            } else {
                try await Self.download(storage.driver, path: path, to: link)
            }
        }
        let index: [String: Any] = [
            "schemaVersion": 2, "mediaType": MediaType.ociIndex,
            "manifests": [["mediaType": stored.mediaType, "digest": digest.description, "size": stored.size]],
        ]
        try JSONSerialization.data(withJSONObject: index).write(to: URL(fileURLWithPath: layout + "/index.json"))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: URL(fileURLWithPath: layout + "/oci-layout"))
        let source = "\(repository)@\(digest)"
        return try await (pool ?? NIOThreadPool.singleton).runIfActive {
            let image = try Image.open(.ociLayout(path: layout, reference: digest.description))
            var catalog = try Cataloger.catalog(image)
            catalog.source = source
            let findings = try Matcher.match(catalog, database: database)
            return ScanResult(catalog: catalog, findings: findings, sources: try database.sources())
        }
    }

    /// Copies the file at `path` of `driver` to the local file `destination`.
    static func download(_ driver: any StorageDriver, path: String, to destination: String) async throws {
        guard let item = try await driver.stat(path) else {
            throw StorageError.io(path: path, reason: "the blob is not in the content store")
        }
        let fd = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StorageError.io(path: destination, reason: POSIXFile.errorText()) }
        defer { close(fd) }
        guard item.size > 0 else { return }
        try await driver.stream(path, range: 0...(item.size - 1)) { buffer in
            try buffer.withUnsafeReadableBytes { try POSIXFile.writeAll(fd: fd, bytes: $0, path: destination) }
        }
    }

    /// Stores the CycloneDX SBOM and the vulnerability report as referrers of `digest`, replacing
    /// those of an earlier scan.
    func attach(_ result: ScanResult, repository: String, digest: OCI.Digest, version: String) async throws -> (
        sbom: OCI.Digest, report: OCI.Digest
    ) {
        guard let subject = try await storage.manifest(repository, digest: digest) else {
            throw StorageError.io(path: repository, reason: "manifest \(digest) is not stored")
        }
        let types = [Self.sbomArtifactType, Self.reportArtifactType]
        let previous = try await storage.referrers(repository, subject: digest).filter {
            types.contains($0.artifactType ?? "")
        }
        let created = Self.timestamp(Date())
        let documents = [
            (Self.sbomArtifactType, Data(result.render(.cyclonedxJSON).utf8), "sbom.cdx.json"),
            (Self.reportArtifactType, Data(result.render(.json).utf8), "vulnerabilities.json"),
        ]
        let empty = Data("{}".utf8)
        let digests: [OCI.Digest] = try await storage.lock.withLock(exclusive: false) { [storage] in
            var digests: [OCI.Digest] = []
            let emptyDigest = OCI.Digest.of(empty)
            try await storage.storeContent(empty, digest: emptyDigest)
            try await storage.linkBlob(repository, emptyDigest, size: Int64(empty.count))
            for (artifactType, content, title) in documents {
                let blobDigest = OCI.Digest.of(content)
                try await storage.storeContent(content, digest: blobDigest)
                try await storage.linkBlob(repository, blobDigest, size: Int64(content.count))
                let manifest: [String: Any] = [
                    "schemaVersion": 2, "mediaType": MediaType.ociManifest, "artifactType": artifactType,
                    "config": [
                        "mediaType": MediaType.ociEmptyJSON, "digest": emptyDigest.description, "size": empty.count,
                    ],
                    "layers": [
                        [
                            "mediaType": artifactType, "digest": blobDigest.description, "size": content.count,
                            "annotations": ["org.opencontainers.image.title": title],
                        ]
                    ],
                    "subject": [
                        "mediaType": subject.mediaType, "digest": digest.description, "size": subject.size,
                    ],
                    "annotations": [
                        "org.opencontainers.image.created": created,
                        "dev.berth.scan.database-version": version,
                    ],
                ]
                let data = try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys])
                let manifestDigest = OCI.Digest.of(data)
                let summary = try ManifestParser.parse(data, contentType: MediaType.ociManifest)
                try await storage.putManifest(
                    repository, data: data, digest: manifestDigest, summary: summary, tags: [])
                digests.append(manifestDigest)
            }
            for old in previous where !digests.contains(old.digest) {
                _ = try await storage.deleteManifest(repository, digest: old.digest)
            }
            return digests
        }
        return (digests[0], digests[1])
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

/// The version of a vulnerability database: a digest of its imported sources (name, kind, record
/// count and import time), so every `berth db import` yields a new version.
public enum ScanDatabase {
    public static func version(of database: VulnerabilityDatabase) throws(ScanError) -> String {
        let text = try database.sources().map {
            "\($0.name)\t\($0.kind)\t\($0.records)\t\($0.importedAt.timeIntervalSince1970)"
        }.joined(separator: "\n")
        let digest = OCI.Digest.of(Data("schema \(VulnerabilityDatabase.schemaVersion)\n\(text)".utf8))
        return "sha256:" + digest.encoded.prefix(16)
    }

    public static func version(path: String) throws(ScanError) -> String {
        try version(of: try VulnerabilityDatabase.open(path: path))
    }

    /// The database file's identity (device, inode, size, modification time); an import replaces
    /// the file by rename, which changes it. Nil when there is no file.
    static func fileIdentity(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return "\(info.st_dev):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }
}

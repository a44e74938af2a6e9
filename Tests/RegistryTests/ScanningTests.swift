import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ImageTestSupport
import OCI
import Scan
import Testing

@testable import Registry

/// A vulnerable image and the database that knows it: a Debian 12 root file system whose dpkg
/// status lists libc6 2.36-9+deb12u14 (source glibc), and a record fixed in 2.36-9+deb12u15.
/// `@unchecked`: `TestImageBuilder` holds only its root path and is never mutated.
struct VulnerableImage: @unchecked Sendable {
    static let vulnerability = "CVE-2099-1001"
    let builder: TestImageBuilder
    let rootfs: String
    let database: String

    init() throws {
        builder = try TestImageBuilder()
        rootfs = try builder.tree(
            "rootfs",
            [
                "etc/os-release":
                    "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nPRETTY_NAME=\"Debian 12\"\n",
                "var/lib/dpkg/status": Self.status(package: "libc6", source: "glibc", version: "2.36-9+deb12u14"),
            ])
        database = builder.root + "/db/vulnerabilities.sqlite"
        try Self.importRecords(
            [Self.record(Self.vulnerability, source: "glibc", fixed: "2.36-9+deb12u15", severity: "high")],
            into: database)
    }

    static func status(package: String, source: String, version: String) -> String {
        """
        Package: \(package)
        Status: install ok installed
        Architecture: amd64
        Source: \(source)
        Version: \(version)
        Description: test package

        """
    }

    static func record(_ id: String, source: String, fixed: String, severity: String, aliases: [String] = [])
        -> VulnerabilityRecord
    {
        VulnerabilityRecord(
            id: id, aliases: aliases, summary: "test vulnerability", modified: nil, cvssVector: nil,
            severityLabel: severity,
            affected: [
                AffectedPackage(
                    ecosystem: "Debian:12", name: source,
                    ranges: [
                        AffectedRange(
                            type: "ECOSYSTEM", events: [RangeEvent(introduced: "0"), RangeEvent(fixed: fixed)])
                    ],
                    versions: [])
            ])
    }

    /// Imports as `berth db import` does (and as ScanTests build their database).
    static func importRecords(_ records: [VulnerabilityRecord], into path: String, source: String = "osv:test")
        throws
    {
        try VulnerabilityDatabase.importRecords([(source, "osv", records)], into: path)
    }

    /// The root file system as one uncompressed tar layer, with a distinct marker file.
    func layer(marker: String = "") throws -> Data {
        if !marker.isEmpty {
            try Data(marker.utf8).write(to: URL(fileURLWithPath: rootfs + "/marker"))
        }
        return try builder.layer(from: rootfs, gzip: false)
    }

    func cleanUp() { builder.cleanUp() }
}

func scanning(_ database: String, workers: Int = 2) -> (inout RegistryConfiguration) -> Void {
    { configuration in
        configuration.scanning.database = database
        configuration.scanning.workers = workers
    }
}

func blockHigh(
    unscanned: String? = nil, allowlist: [VulnerabilityPolicySettings.AllowlistEntry]? = nil
) -> ProjectSettings {
    var settings = ProjectSettings()
    settings.vulnerabilities = VulnerabilityPolicySettings(
        blockSeverity: "high", unscanned: unscanned, allowlist: allowlist)
    return settings
}

@Suite struct ScanOnPushTests {
    @Test func pushIsScannedAndTheSBOMAndReportAreReferrers() async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layer = try image.layer()
        try await withRegistry(configure: scanning(image.database)) { client, services in
            let api = API(client: client)
            let (_, digest) = try await api.pushImage("proj/app", reference: "v1", layers: [layer])
            let queue = try #require(services.scans)
            await queue.waitUntilIdle()
            let record = try #require(try await ScanResults(storage: services.storage).record(digest))
            #expect(record.status == .completed, "\(record.error ?? "")")
            #expect(record.findings.map(\.id) == [VulnerableImage.vulnerability])
            #expect(record.findings.first?.severity == .high)
            #expect(record.findings.first?.fixedVersion == "2.36-9+deb12u15")
            #expect(record.databaseVersion == (try ScanDatabase.version(path: image.database)))
            let referrers = try await api.request(.get, "/v2/proj/app/referrers/\(digest)")
            #expect(referrers.status == .ok)
            let index = try JSONDecoder().decode(ReferrersIndex.self, from: referrers.data)
            #expect(
                Set(index.manifests.compactMap(\.artifactType)) == [
                    ImageScanner.sbomArtifactType, ImageScanner.reportArtifactType,
                ])
            // The SBOM referrer's layer is CycloneDX naming the package and the vulnerability.
            let sbom = try #require(index.manifests.first { $0.artifactType == ImageScanner.sbomArtifactType })
            let manifest = try await api.request(
                .get, "/v2/proj/app/manifests/\(sbom.digest)",
                headers: ["Accept": MediaType.ociManifest])
            #expect(manifest.status == .ok)
            let summary = try ManifestParser.parse(manifest.data, contentType: MediaType.ociManifest)
            #expect(summary.subject?.digest == digest)
            let blob = try await api.request(.get, "/v2/proj/app/blobs/\(try #require(summary.layers.first).digest)")
            #expect(blob.text.contains(#""bomFormat":"CycloneDX""#) || blob.text.contains(#""bomFormat": "CycloneDX""#))
            #expect(blob.text.contains("libc6") && blob.text.contains(VulnerableImage.vulnerability))
            // The referrers are sound content: scrub finds nothing wrong, and gc keeps their blobs.
            #expect(try await Scrubber(storage: services.storage).run().problems.isEmpty)
            let collected = try await GarbageCollector(storage: services.storage, gracePeriod: 0, uploadExpiry: 0).run(
                dryRun: true)
            #expect(collected.removedBlobs.isEmpty)
        }
    }

    @Test func scanFailureIsRecordedAndThePushStillSucceeds() async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layer = try image.layer()
        let missing = image.builder.root + "/no-such-database.sqlite"
        try await withRegistry(configure: scanning(missing)) { client, services in
            let api = API(client: client)
            let (_, digest) = try await api.pushImage("proj/app", reference: "v1", layers: [layer])
            try await #require(services.scans).waitUntilIdle()
            let record = try #require(try await ScanResults(storage: services.storage).record(digest))
            #expect(record.status == .failed)
            #expect(record.error?.contains("does not exist") == true)
            let pull = try await api.request(
                .get, "/v2/proj/app/manifests/v1", headers: ["Accept": MediaType.ociManifest])
            #expect(pull.status == .ok)
        }
    }

    @Test func databaseImportRescansWithTheNewVersion() async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layer = try image.layer()
        try await withRegistry(configure: scanning(image.database)) { client, services in
            let api = API(client: client)
            let queue = try #require(services.scans)
            let (_, digest) = try await api.pushImage("proj/app", reference: "v1", layers: [layer])
            await queue.waitUntilIdle()
            let results = ScanResults(storage: services.storage)
            let before = try #require(try await results.record(digest))
            // Without a change the check queues nothing.
            _ = await queue.checkDatabase()
            #expect(await queue.checkDatabase() == 0)
            try VulnerableImage.importRecords(
                [
                    VulnerableImage.record(
                        "CVE-2099-2002", source: "glibc", fixed: "2.36-9+deb12u20", severity: "critical")
                ],
                into: image.database, source: "osv:second")
            #expect(await queue.checkDatabase() == 1)
            await queue.waitUntilIdle()
            let after = try #require(try await results.record(digest))
            #expect(after.databaseVersion != before.databaseVersion)
            #expect(after.databaseVersion == (try ScanDatabase.version(path: image.database)))
            #expect(after.findings.map(\.id) == ["CVE-2099-2002", VulnerableImage.vulnerability])
            // The referrers are replaced, not added to.
            let referrers = try await api.request(.get, "/v2/proj/app/referrers/\(digest)")
            let index = try JSONDecoder().decode(ReferrersIndex.self, from: referrers.data)
            #expect(index.manifests.count == 2)
            #expect(index.manifests.contains { $0.digest.description == after.sbomDigest })
        }
    }

    @Test func queueIsBoundedAndAFullQueueIsRecorded() async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layers = try (0..<3).map { try image.layer(marker: "image \($0)") }
        try await withRegistry { client, services in
            let api = API(client: client)
            var digests: [OCI.Digest] = []
            for (number, layer) in layers.enumerated() {
                digests.append(try await api.pushImage("proj/app\(number)", reference: "v1", layers: [layer]).digest)
            }
            // Not started: one job fits, the others are refused and recorded.
            let queue = ScanQueue(
                scanner: ImageScanner(storage: services.storage, databasePath: image.database), workers: 1, capacity: 1)
            let accepted = [
                await queue.enqueue(repository: "proj/app0", digest: digests[0]),
                await queue.enqueue(repository: "proj/app1", digest: digests[1]),
                await queue.enqueue(repository: "proj/app2", digest: digests[2]),
            ]
            #expect(accepted == [true, false, false])
            #expect(queue.statistics.dropped == 2)
            let results = ScanResults(storage: services.storage)
            #expect(try await results.record(digests[1])?.status == .failed)
            #expect(try await results.record(digests[1])?.error?.contains("queue was full") == true)
            queue.start()
            await queue.waitUntilIdle()
            #expect(try await results.record(digests[0])?.status == .completed)
            // The next database check picks the dropped ones up again.
            #expect(await queue.checkDatabase() == 2)
            await queue.waitUntilIdle()
            for digest in digests { #expect(try await results.record(digest)?.status == .completed) }
            queue.stop()
        }
    }

    @Test(arguments: [1, 3]) func workersBoundConcurrentScans(workers: Int) async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layers = try (0..<6).map { try image.layer(marker: "image \($0)") }
        try await withRegistry(configure: scanning(image.database, workers: workers)) { client, services in
            let api = API(client: client)
            var digests: [OCI.Digest] = []
            for (number, layer) in layers.enumerated() {
                digests.append(try await api.pushImage("proj/w\(number)", reference: "v1", layers: [layer]).digest)
            }
            let queue = try #require(services.scans)
            await queue.waitUntilIdle()
            let statistics = queue.statistics
            #expect(statistics.finished == 6)
            #expect(statistics.peakRunning >= 1 && statistics.peakRunning <= workers)
            let results = ScanResults(storage: services.storage)
            for digest in digests { #expect(try await results.record(digest)?.status == .completed) }
        }
    }

    @Test func indexScansEachPlatformManifest() async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layer = try image.layer()
        try await withRegistry(configure: scanning(image.database)) { client, services in
            let api = API(client: client)
            let (data, digest) = try await api.pushImage("proj/multi", reference: "amd64", layers: [layer])
            let index: [String: Any] = [
                "schemaVersion": 2, "mediaType": MediaType.ociIndex,
                "manifests": [
                    [
                        "mediaType": MediaType.ociManifest, "digest": digest.description, "size": data.count,
                        "platform": ["os": "linux", "architecture": "amd64"],
                    ]
                ],
            ]
            let indexData = try JSONSerialization.data(withJSONObject: index)
            let put = try await api.request(
                .put, "/v2/proj/multi/manifests/latest", headers: ["Content-Type": MediaType.ociIndex],
                body: indexData)
            #expect(put.status == .created)
            try await #require(services.scans).waitUntilIdle()
            let results = ScanResults(storage: services.storage)
            #expect(try await results.record(digest)?.status == .completed)
            #expect(try await results.record(OCI.Digest.of(indexData)) == nil, "an index has no record of its own")
        }
    }
}

@Suite struct VulnerabilityPolicyTests {
    let finding = ScanRecord.Finding(
        id: "CVE-2099-1001", aliases: ["DSA-9001-1"], severity: .high, package: "libc6",
        installedVersion: "2.36-9", fixedVersion: "2.36-10")
    let low = ScanRecord.Finding(
        id: "CVE-2099-1002", aliases: [], severity: .low, package: "libssl3", installedVersion: "3.0", fixedVersion: nil
    )

    @Test func severityThreshold() {
        let high = VulnerabilityPolicySettings(blockSeverity: "high")
        #expect(high.violations([finding, low]) == [finding])
        #expect(VulnerabilityPolicySettings(blockSeverity: "critical").violations([finding, low]).isEmpty)
        #expect(VulnerabilityPolicySettings(blockSeverity: "low").violations([finding, low]) == [finding, low])
    }

    @Test func allowlistHoldsUntilItsExpiry() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2026-06-15T12:00:00Z"))
        func policy(_ id: String, _ expires: String?) -> VulnerabilityPolicySettings {
            VulnerabilityPolicySettings(
                blockSeverity: "high", allowlist: [.init(id: id, reason: "no exploit path", expires: expires)])
        }
        #expect(policy("CVE-2099-1001", "2026-06-15").violations([finding], now: now).isEmpty, "through that day")
        #expect(policy("CVE-2099-1001", "2026-06-14").violations([finding], now: now) == [finding])
        #expect(policy("CVE-2099-1001", "2026-06-15T11:59:59Z").violations([finding], now: now) == [finding])
        #expect(policy("CVE-2099-1001", nil).violations([finding], now: now).isEmpty)
        #expect(policy("DSA-9001-1", "2027-01-01").violations([finding], now: now).isEmpty, "an alias counts")
        #expect(policy("CVE-2099-9999", "2027-01-01").violations([finding], now: now) == [finding])
    }

    @Test func configurationIsDecodedAndCheckedWithLocations() throws {
        let directory = NSTemporaryDirectory() + "berth-policy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = directory + "/registry.yaml"
        try """
        scanning:
          database: /var/lib/berth/vulnerabilities.sqlite
          workers: 4
        projects:
          proj:
            vulnerabilities:
              blockSeverity: high
              unscanned: block
              allowlist:
                - id: CVE-2099-1001
                  reason: not reachable
                  expires: 2027-01-31
        """.write(toFile: good, atomically: true, encoding: .utf8)
        let configuration = try RegistryConfiguration.load(path: good)
        #expect(configuration.scanning.workers == 4)
        let policy = try #require(configuration.projects["proj"]?.vulnerabilities)
        #expect(policy.threshold == .high && policy.blocksUnscanned)
        #expect(policy.allowlist?.first?.expires == "2027-01-31")
        let unknown = directory + "/unknown.yaml"
        try "projects:\n  proj:\n    vulnerabilities:\n      blockSeverity: high\n      allowList: []\n".write(
            toFile: unknown, atomically: true, encoding: .utf8)
        #expect(throws: RegistryConfigurationError.self) { try RegistryConfiguration.load(path: unknown) }
        let typo = directory + "/typo.yaml"
        try """
        projects:
          proj:
            vulnerabilities:
              blockSeverity: high
              allowlist: [{id: CVE-1, reason: r, expire: 2027-01-01}]
        """.write(toFile: typo, atomically: true, encoding: .utf8)
        #expect {
            try RegistryConfiguration.load(path: typo)
        } throws: { error in
            "\(error)".contains("expire")
        }
        let badDate = directory + "/date.yaml"
        try """
        projects:
          proj:
            vulnerabilities:
              blockSeverity: high
              allowlist: [{id: CVE-1, reason: r, expires: soon}]
        """.write(toFile: badDate, atomically: true, encoding: .utf8)
        #expect {
            try RegistryConfiguration.load(path: badDate)
        } throws: { error in
            "\(error)".contains("allowlist[0].expires")
        }
    }

    @Test func pullOfAVulnerableImageIsRefusedWithTheFinding() async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layer = try image.layer()
        let configure: (inout RegistryConfiguration) -> Void = { configuration in
            scanning(image.database)(&configuration)
            configuration.projects["proj"] = blockHigh()
        }
        try await withRegistry(configure: configure) { client, services in
            let api = API(client: client)
            _ = try await api.pushImage("proj/app", reference: "v1", layers: [layer])
            _ = try await api.pushImage("other/app", reference: "v1", layers: [layer])
            try await #require(services.scans).waitUntilIdle()
            let refused = try await api.request(
                .get, "/v2/proj/app/manifests/v1", headers: ["Accept": MediaType.ociManifest])
            #expect(refused.status == .preconditionFailed)
            #expect(refused.errorCode == "PROJECTPOLICYVIOLATION")
            #expect(refused.text.contains("vulnerabilities.blockSeverity=high"))
            #expect(refused.text.contains("CVE-2099-1001 (high) in libc6 2.36-9+deb12u14, fixed in 2.36-9+deb12u15"))
            // HEAD answers (clients check existence); a project without the policy pulls freely.
            let head = try await api.request(
                .head, "/v2/proj/app/manifests/v1", headers: ["Accept": MediaType.ociManifest])
            #expect(head.status == .ok)
            let other = try await api.request(
                .get, "/v2/other/app/manifests/v1", headers: ["Accept": MediaType.ociManifest])
            #expect(other.status == .ok)
        }
    }

    @Test func allowlistEntryLetsThePullThroughUntilItExpires() async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layer = try image.layer()
        for (expires, allowed) in [("2999-12-31", true), ("2000-01-01", false)] {
            let configure: (inout RegistryConfiguration) -> Void = { configuration in
                scanning(image.database)(&configuration)
                configuration.projects["proj"] = blockHigh(allowlist: [
                    .init(id: VulnerableImage.vulnerability, reason: "not reachable", expires: expires)
                ])
            }
            try await withRegistry(configure: configure) { client, services in
                let api = API(client: client)
                _ = try await api.pushImage("proj/app", reference: "v1", layers: [layer])
                try await #require(services.scans).waitUntilIdle()
                let pull = try await api.request(
                    .get, "/v2/proj/app/manifests/v1", headers: ["Accept": MediaType.ociManifest])
                #expect(pull.status == (allowed ? .ok : .preconditionFailed), "expires \(expires)")
            }
        }
    }

    @Test(arguments: ["block", "allow"]) func unscannedImagesFollowThePolicy(unscanned: String) async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layer = try image.layer()
        // No database: nothing is scanned.
        try await withRegistry(configure: { $0.projects["proj"] = blockHigh(unscanned: unscanned) }) { client, _ in
            let api = API(client: client)
            _ = try await api.pushImage("proj/app", reference: "v1", layers: [layer])
            let pull = try await api.request(
                .get, "/v2/proj/app/manifests/v1", headers: ["Accept": MediaType.ociManifest])
            if unscanned == "block" {
                #expect(pull.status == .preconditionFailed)
                #expect(pull.text.contains("has not been scanned yet"))
            } else {
                #expect(pull.status == .ok)
            }
        }
    }
}

struct ReferrersIndex: Decodable {
    var manifests: [Descriptor]
}

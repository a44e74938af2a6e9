import Foundation
import OCI

/// The JSON body of one webhook delivery.
public struct WebhookEvent: Sendable, Codable, Equatable {
    /// A manifest or tag the event is about.
    public struct Resource: Sendable, Codable, Equatable {
        public var digest: String?
        public var tag: String?
        /// `host:port/repository:tag` or `host:port/repository@digest`, as a client would pull it.
        public var resourceURL: String?
        public var mediaType: String?
        public var size: Int64?

        enum CodingKeys: String, CodingKey {
            case digest, tag, size
            case resourceURL = "resource_url"
            case mediaType = "media_type"
        }

        public init(
            digest: String?, tag: String?, resourceURL: String?, mediaType: String? = nil, size: Int64? = nil
        ) {
            self.digest = digest
            self.tag = tag
            self.resourceURL = resourceURL
            self.mediaType = mediaType
            self.size = size
        }
    }

    /// The outcome of a scan, for `scan_completed` and `scan_failed`.
    public struct ScanSummary: Sendable, Codable, Equatable {
        public var status: String
        public var databaseVersion: String?
        public var packages: Int
        public var vulnerabilities: Int
        /// Findings counted by severity.
        public var severities: [String: Int]
        /// The five most severe findings (`CVE-1 (high) in libc6 2.36-9, fixed in 2.36-10`).
        public var top: [String]
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case status, packages, vulnerabilities, severities, top, error
            case databaseVersion = "database_version"
        }
    }

    /// The refusal, for `quota_exceeded`.
    public struct Quota: Sendable, Codable, Equatable {
        public var quotaBytes: Int64?
        public var usedBytes: Int64?
        public var message: String

        enum CodingKeys: String, CodingKey {
            case message
            case quotaBytes = "quota_bytes"
            case usedBytes = "used_bytes"
        }
    }

    public var type: WebhookEventType
    public var occurredAt: Date
    public var eventID: String
    /// Who caused it: the user or robot of the request, `""` when anonymous, `berth` for scans.
    public var `operator`: String
    public var project: String
    public var repository: String
    public var resources: [Resource]
    public var scan: ScanSummary?
    public var quota: Quota?

    enum CodingKeys: String, CodingKey {
        case type, project, repository, resources, scan, quota
        case `operator` = "operator"
        case occurredAt = "occurred_at"
        case eventID = "event_id"
    }

    public init(
        type: WebhookEventType, operator name: String, repository: String, resources: [Resource],
        scan: ScanSummary? = nil, quota: Quota? = nil, occurredAt: Date = Date(),
        eventID: String = UUID().uuidString.lowercased()
    ) {
        self.type = type
        self.occurredAt = occurredAt
        self.eventID = eventID
        self.`operator` = name
        self.project = PolicyEngine.project(of: repository)
        self.repository = repository
        self.resources = resources
        self.scan = scan
        self.quota = quota
    }

    /// The body sent: sorted keys, ISO 8601 times with milliseconds.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            var container = encoder.singleValueContainer()
            try container.encode(formatter.string(from: date))
        }
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }

    /// A scan event from a stored scan record.
    public static func scan(_ record: ScanRecord, host: String) -> WebhookEvent {
        let counts = record.counts
        let summary = ScanSummary(
            status: record.status.rawValue, databaseVersion: record.databaseVersion, packages: record.packages,
            vulnerabilities: record.findings.count, severities: counts,
            top: record.findings.prefix(5).map(\.summary), error: record.error)
        return WebhookEvent(
            type: record.status == .completed ? .scanCompleted : .scanFailed, operator: "berth",
            repository: record.repository,
            resources: [
                Resource(
                    digest: record.digest, tag: nil, resourceURL: "\(host)/\(record.repository)@\(record.digest)")
            ],
            scan: summary, occurredAt: record.scannedAt)
    }
}

import Foundation
import NIOConcurrencyHelpers
import RegistryMetadata

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One delivery attempt, as logged.
public struct WebhookDelivery: Sendable, Codable, Equatable {
    public var time: Date
    public var eventID: String
    public var eventType: String
    public var webhook: String
    public var url: String
    /// 1 for the first attempt.
    public var attempt: Int
    /// The HTTP status answered, nil when no answer came.
    public var statusCode: Int?
    public var error: String?
    public var durationMilliseconds: Int
    /// Whether this attempt delivered the event (a 2xx answer).
    public var delivered: Bool
    /// Whether another attempt follows.
    public var willRetry: Bool

    enum CodingKeys: String, CodingKey {
        case time, webhook, url, attempt, error, delivered
        case eventID = "event_id"
        case eventType = "event_type"
        case statusCode = "status_code"
        case durationMilliseconds = "duration_ms"
        case willRetry = "will_retry"
    }
}

/// The per-project delivery logs: `<root>/webhooks/<project>.jsonl`, appended and fsynced line by
/// line; a log past `maxBytes` is moved to `<project>.jsonl.1` (replacing the previous one). With a
/// metadata database, the `webhook_deliveries` table instead (the newest `keep` of each project),
/// so every replica's deliveries are in one log.
public final class WebhookDeliveryLog: Sendable {
    public let directory: String
    public let maxBytes: Int64
    public let metadata: MetadataStore?
    /// Attempts kept per project in the database.
    public let keep: Int
    private let lock = NIOLock()

    public init(
        root: String, maxBytes: Int64 = 16 * 1024 * 1024, metadata: MetadataStore? = nil, keep: Int = 50_000
    ) {
        directory = root + "/webhooks"
        self.maxBytes = maxBytes
        self.metadata = metadata
        self.keep = keep
    }

    func path(_ project: String) -> String { "\(directory)/\(project).jsonl" }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            var container = encoder.singleValueContainer()
            try container.encode(formatter.string(from: date))
        }
        return encoder
    }

    /// Appends one attempt; failures go to standard error, never to the registry's clients.
    func append(project: String, _ delivery: WebhookDelivery) async {
        guard var line = try? Self.encoder.encode(delivery) else { return }
        if let metadata {
            do {
                try await metadata.appendDelivery(
                    project: project, at: Int64(delivery.time.timeIntervalSince1970.rounded(.down)),
                    body: String(decoding: line, as: UTF8.self), keep: keep)
                return
            } catch {
                FileHandle.standardError.write(
                    Data(
                        "webhooks: the metadata database refused a delivery record (kept in \(directory)): \(error)\n"
                            .utf8))
            }
        }
        line.append(0x0a)
        let file = path(project)
        lock.withLock {
            try? POSIXFile.makeDirectory(directory)
            if let size = POSIXFile.size(file), size > maxBytes { _ = rename(file, file + ".1") }
            let fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                FileHandle.standardError.write(Data("webhooks: cannot open \(file)\n".utf8))
                return
            }
            defer { close(fd) }
            try? line.withUnsafeBytes { try POSIXFile.writeAll(fd: fd, bytes: $0, path: file) }
            _ = fsync(fd)
        }
    }

    /// The newest `limit` attempts, oldest first (lines that do not decode are skipped).
    public func read(project: String, limit: Int = 100) async throws -> [WebhookDelivery] {
        let decoder = Self.decoder
        if let metadata {
            return try await metadata.deliveries(project: project, limit: limit).compactMap {
                try? decoder.decode(WebhookDelivery.self, from: Data($0.utf8))
            }
        }
        guard let data = POSIXFile.contents(path(project)) else { return [] }
        let lines = data.split(separator: 0x0a)
        return lines.suffix(max(0, limit)).compactMap { try? decoder.decode(WebhookDelivery.self, from: Data($0)) }
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            guard let date = formatter.date(from: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: text))
            }
            return date
        }
        return decoder
    }
}

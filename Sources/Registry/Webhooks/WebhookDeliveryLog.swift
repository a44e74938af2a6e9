import Foundation
import NIOConcurrencyHelpers

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
/// line; a log past `maxBytes` is moved to `<project>.jsonl.1` (replacing the previous one).
public final class WebhookDeliveryLog: Sendable {
    public let directory: String
    public let maxBytes: Int64
    private let lock = NIOLock()

    public init(root: String, maxBytes: Int64 = 16 * 1024 * 1024) {
        directory = root + "/webhooks"
        self.maxBytes = maxBytes
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
    func append(project: String, _ delivery: WebhookDelivery) {
        guard var line = try? Self.encoder.encode(delivery) else { return }
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
    public func read(project: String, limit: Int = 100) -> [WebhookDelivery] {
        guard let data = POSIXFile.contents(path(project)) else { return [] }
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
        let lines = data.split(separator: 0x0a)
        return lines.suffix(max(0, limit)).compactMap { try? decoder.decode(WebhookDelivery.self, from: Data($0)) }
    }
}

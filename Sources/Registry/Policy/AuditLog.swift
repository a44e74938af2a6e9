import Foundation
import NIOConcurrencyHelpers
import OCI
import RegistryMetadata

/// Append-only audit trail of pushes, pulls, deletes and policy decisions: one JSON object a line
/// in a file on a single node, or the `audit` table of the metadata database replicas share.
public final class AuditLog: Sendable {
    /// The file, and the fallback when the database cannot take an event.
    public let path: String
    /// The metadata database, when the log is there.
    public let metadata: MetadataStore?
    private let lock = NIOLock()

    public init(path: String, metadata: MetadataStore? = nil) {
        self.path = path
        self.metadata = metadata
    }

    struct Entry: Encodable {
        let time: String
        let action: String
        let user: String
        let repository: String?
        let reference: String?
        let digest: String?
        let remote: String?
        let decision: String?
        let reason: String?
    }

    /// What the database's `detail` column holds: the fields that have no column of their own.
    struct Detail: Codable {
        var time: String
        var reference: String?
        var digest: String?
        var remote: String?
        var reason: String?
    }

    static func timeFormatter() -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }

    /// Appends one event; in the database it is committed before this returns. Failures are
    /// reported to standard error, never to the client; an event the database refused goes to
    /// the file instead, so it is not lost.
    func record(
        action: String, identity: Identity, repository: String?, reference: String?, digest: Digest?,
        remote: String?, decision: String? = nil, reason: String? = nil
    ) async {
        let now = Date()
        let entry = Entry(
            time: Self.timeFormatter().string(from: now), action: action, user: identity.name, repository: repository,
            reference: reference, digest: digest?.description, remote: remote, decision: decision, reason: reason)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if let metadata {
            let detail = Detail(
                time: entry.time, reference: reference, digest: entry.digest, remote: remote, reason: reason)
            let event = MetadataStore.AuditEvent(
                at: Int64(now.timeIntervalSince1970.rounded(.down)), actor: identity.name, action: action,
                project: repository.map(PolicyEngine.project(of:)), repository: repository, outcome: decision ?? "",
                detail: (try? encoder.encode(detail)).map { String(decoding: $0, as: UTF8.self) })
            do {
                try await metadata.appendAudit(event)
                return
            } catch {
                FileHandle.standardError.write(
                    Data("audit: the metadata database refused an event (kept in \(path)): \(error)\n".utf8))
            }
        }
        guard var line = try? encoder.encode(entry) else { return }
        line.append(0x0a)
        append(line)
    }

    private func append(_ line: Data) {
        lock.withLock {
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                FileHandle.standardError.write(Data("audit: cannot open \(path)\n".utf8))
                return
            }
            defer { close(fd) }
            try? line.withUnsafeBytes { try POSIXFile.writeAll(fd: fd, bytes: $0, path: path) }
        }
    }

    /// The events `query` selects, newest first, and how many passed its filters.
    func events(_ query: AuditQuery) async throws -> (total: Int, items: [APIAuditEvent]) {
        guard let metadata else { return query.run(path: path) }
        let filter = MetadataStore.AuditFilter(
            project: query.project, actor: query.user, action: query.action,
            since: query.since.map { Int64($0.timeIntervalSince1970.rounded(.down)) },
            until: query.until.map { Int64($0.timeIntervalSince1970.rounded(.up)) })
        let (total, events) = try await metadata.auditPage(
            filter, offset: (query.page - 1) * query.pageSize, limit: query.pageSize)
        let decoder = JSONDecoder()
        let items = events.map { event -> APIAuditEvent in
            let detail = event.detail.flatMap { try? decoder.decode(Detail.self, from: Data($0.utf8)) }
            let time =
                detail?.time ?? Self.timeFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(event.at)))
            return APIAuditEvent(
                time: time, action: event.action, user: event.actor, project: event.project,
                repository: event.repository, reference: detail?.reference, digest: detail?.digest,
                remote: detail?.remote, decision: event.outcome.isEmpty ? nil : event.outcome, reason: detail?.reason)
        }
        return (total, items)
    }
}

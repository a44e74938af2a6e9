import Foundation
import NIOConcurrencyHelpers
import OCI

/// Append-only audit trail of pushes, pulls, deletes and policy decisions, one JSON object a line.
public final class AuditLog: Sendable {
    public let path: String
    private let lock = NIOLock()

    public init(path: String) {
        self.path = path
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

    /// Appends one event. Failures to write are reported to standard error, never to the client.
    func record(
        action: String, identity: Identity, repository: String?, reference: String?, digest: Digest?,
        remote: String?, decision: String? = nil, reason: String? = nil
    ) {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let entry = Entry(
            time: formatter.string(from: Date()), action: action, user: identity.name, repository: repository,
            reference: reference, digest: digest?.description, remote: remote, decision: decision, reason: reason)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(entry) else { return }
        line.append(0x0a)
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
}

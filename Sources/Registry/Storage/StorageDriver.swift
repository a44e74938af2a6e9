import Foundation
import NIOCore
import OCI

/// What a driver knows about one stored file.
public struct StoredItem: Sendable, Equatable {
    public var size: Int64
    /// When it was written or last marked as used (see ``StorageDriver/touch(_:)``).
    public var modified: Date?

    public init(size: Int64, modified: Date?) {
        self.size = size
        self.modified = modified
    }
}

/// One name in a directory listing.
public struct StorageEntry: Sendable, Equatable {
    public var name: String
    public var isDirectory: Bool

    public init(name: String, isDirectory: Bool) {
        self.name = name
        self.isDirectory = isDirectory
    }
}

/// The state of an upload session's data: its size and a token that changes with every append,
/// so a running hash kept by one process can tell whether another process appended meanwhile.
public struct UploadState: Sendable, Equatable {
    public var size: Int64
    public var version: String
}

/// Where the registry keeps its content: blobs, manifests, tags, links, referrers and upload data.
///
/// Paths are relative and use `/`; the layout on top is ``RegistryStorage``'s. A driver makes every
/// `write` atomic (readers see the old bytes or the new ones, never a part) and durable before it
/// returns, and publishes committed uploads the same way.
public protocol StorageDriver: Sendable {
    /// Where the content lives, for logs and errors (no credentials).
    var description: String { get }

    /// The whole file at `path` (which must be small: manifests, links), or nil when there is none.
    func read(_ path: String) async throws -> Data?
    /// Replaces the file at `path` atomically and durably.
    func write(_ path: String, _ data: Data) async throws
    /// Size and time of the file at `path`, or nil when there is none.
    func stat(_ path: String) async throws -> StoredItem?
    /// The files and directories directly under `directory`, in byte order of their names.
    func list(_ directory: String) async throws -> [StorageEntry]
    /// Removes the file at `path`; answers whether there was one.
    @discardableResult func delete(_ path: String) async throws -> Bool
    /// Removes `directory` and everything under it.
    func deleteTree(_ directory: String) async throws
    /// Marks the file at `path` as used now, so garbage collection's grace period starts again.
    func touch(_ path: String) async throws
    /// The later of the file's write and its last ``touch(_:)``, or nil when there is no file.
    func lastUsed(_ path: String) async throws -> Date?

    /// Streams the bytes of `range` of the file at `path` to `handler`, chunk by chunk.
    func stream(_ path: String, range: ClosedRange<Int64>, to handler: (ByteBuffer) async throws -> Void)
        async throws
    /// A local file holding the content of `path`, when the driver keeps content on this machine
    /// (the registry then serves it with sendfile and scans it in place).
    func localFile(_ path: String) -> String?
    /// A URL that serves the file at `path` without credentials, when the driver can make one.
    func temporaryURL(_ path: String, expires: Int) throws -> String?

    // MARK: Upload sessions

    /// Creates the session `id` with its description.
    func createUpload(_ id: String, info: Data) async throws
    /// The description given to ``createUpload(_:info:)``, or nil.
    func uploadInfo(_ id: String) async throws -> Data?
    /// The session's data size and version, or nil when it does not exist.
    func uploadState(_ id: String) async throws -> UploadState?
    /// Appends `body` to the session's data at `offset` (its current size), updating `hasher`.
    /// Fails when the data would exceed `limit` bytes, or when `expectedLength` is given and the
    /// body is not that long; on every failure nothing is appended and `hasher` is unchanged.
    /// Answers the session's new state.
    func appendUpload<S: AsyncSequence & Sendable>(
        _ id: String, offset: Int64, body: S, limit: Int64, expectedLength: Int64?, hasher: inout Digester
    ) async throws -> UploadState where S.Element == ByteBuffer
    /// Hashes the session's data from the start.
    func hashUpload(_ id: String, algorithm: Digest.Algorithm) async throws -> Digester
    /// Publishes the session's data as the file at `path` (or, when `path` exists, leaves it and
    /// touches it). The data is consumed; the session's description stays until ``removeUpload(_:)``.
    func commitUpload(_ id: String, to path: String) async throws
    /// Removes the session and its data.
    func removeUpload(_ id: String) async throws
    /// Every session id with the time its data last changed.
    func uploads() async throws -> [(id: String, modified: Date?)]
}

extension StorageDriver {
    public func lastUsed(_ path: String) async throws -> Date? { try await stat(path)?.modified }

    /// Whether there is a file at `path`.
    public func exists(_ path: String) async throws -> Bool { try await stat(path) != nil }
}

import Foundation
import NIOCore
import NIOPosix
import OCI

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Blob upload sessions: files under `uploads/<uuid>` that survive restarts, plus an in-memory
/// running hash so that finishing an upload does not re-read it (it is rebuilt from the file after
/// a restart or an interrupted write).
actor UploadSessions {
    struct Info: Codable, Sendable {
        var repository: String
        var algorithm: Digest.Algorithm
        var started: Date
    }

    /// A session checked out for one request at a time.
    struct Lease: Sendable {
        var id: String
        var info: Info
        var hasher: Digester
        var dataPath: String
    }

    private let storage: RegistryStorage
    private var hashers: [String: Digester] = [:]
    private var busy: Set<String> = []

    init(storage: RegistryStorage) {
        self.storage = storage
    }

    private func directory(_ id: String) -> String { "\(storage.uploadsDirectory)/\(id)" }

    /// Whether `id` has the form of a session id (a UUID), so it is safe in a path.
    static func isValidID(_ id: String) -> Bool {
        id.utf8.count == 36 && UUID(uuidString: id) != nil && id == id.lowercased()
    }

    /// Starts a session for `repository`.
    func create(repository: String, algorithm: Digest.Algorithm) throws -> String {
        let id = UUID().uuidString.lowercased()
        let info = Info(repository: repository, algorithm: algorithm, started: Date())
        let path = directory(id)
        try POSIXFile.makeDirectory(path)
        let fd = open(path + "/data", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError.io(path: path + "/data", reason: POSIXFile.errorText()) }
        close(fd)
        try POSIXFile.writeDurably(try JSONEncoder().encode(info), to: path + "/info.json")
        hashers[id] = Digester(algorithm: algorithm)
        return id
    }

    /// Session metadata, or nil when unknown or bound to another repository.
    func info(_ id: String, repository: String) -> Info? {
        guard Self.isValidID(id), let data = POSIXFile.contents(directory(id) + "/info.json"),
            let info = try? JSONDecoder().decode(Info.self, from: data), info.repository == repository
        else { return nil }
        return info
    }

    /// Bytes received so far.
    func size(_ id: String) -> Int64? {
        POSIXFile.size(directory(id) + "/data")
    }

    /// Checks out a session for writing. Returns nil if it is in use by another request.
    func lease(_ id: String, repository: String) throws -> Lease? {
        guard let info = info(id, repository: repository) else {
            throw RegistryError.uploadUnknown(id)
        }
        guard !busy.contains(id) else { return nil }
        let dataPath = directory(id) + "/data"
        guard let size = POSIXFile.size(dataPath) else { throw RegistryError.uploadUnknown(id) }
        busy.insert(id)
        var hasher = hashers[id] ?? Digester(algorithm: info.algorithm)
        if hasher.count != size || hasher.algorithm != info.algorithm {
            hasher = Digester(algorithm: info.algorithm)  // rebuilt by `catchUp` outside the actor
            hashers[id] = nil
        }
        return Lease(id: id, info: info, hasher: hasher, dataPath: dataPath)
    }

    /// Returns a lease; `hasher` is kept only when it matches the file.
    func release(_ lease: Lease, hasherValid: Bool) {
        busy.remove(lease.id)
        if hasherValid, POSIXFile.size(lease.dataPath) == lease.hasher.count {
            hashers[lease.id] = lease.hasher
        } else {
            hashers[lease.id] = nil
        }
    }

    /// Removes a session and its data.
    func remove(_ id: String) {
        hashers[id] = nil
        busy.remove(id)
        POSIXFile.removeTree(directory(id))
    }
}

/// Runs blocking file work off the cooperative pool.
enum Blocking {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}

/// Appends a request body to a file while hashing it, enforcing a size limit.
struct BodyAppender {
    var hasher: Digester
    let path: String
    let limit: Int64

    /// Streams `body` onto the end of the file. Returns the bytes written. On a write error or a
    /// limit breach the file is truncated back to where it started, and the hasher is left as it was.
    mutating func append<S: AsyncSequence>(_ body: S) async throws -> Int64 where S.Element == ByteBuffer {
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError.io(path: path, reason: POSIXFile.errorText()) }
        defer { close(fd) }
        let start = hasher.count
        let original = hasher
        var written: Int64 = 0
        do {
            for try await buffer in body {
                if start + written + Int64(buffer.readableBytes) > limit {
                    throw RegistryError(.contentTooLarge, .sizeInvalid, "blob exceeds the size limit of \(limit) bytes")
                }
                try buffer.withUnsafeReadableBytes { bytes in
                    try POSIXFile.writeAll(fd: fd, bytes: bytes, path: path)
                    hasher.update(bytes: bytes)
                }
                written += Int64(buffer.readableBytes)
            }
        } catch {
            _ = ftruncate(fd, off_t(start))
            hasher = original
            throw error
        }
        return written
    }
}

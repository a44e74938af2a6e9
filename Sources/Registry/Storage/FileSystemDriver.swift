import Foundation
import NIOCore
import OCI

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Content on the local file system under one root directory: the default.
///
/// Writes go to a uniquely named temporary file, are fsynced and renamed into place, and the
/// directory is fsynced, so a crash leaves the old file or the new one. Directories are never
/// followed through symbolic links. Upload data lives in `uploads/<id>/data`.
public struct FileSystemDriver: StorageDriver {
    /// The root directory.
    public let root: String

    public init(root: String) throws {
        self.root = (root as NSString).standardizingPath
        for directory in ["blobs", "uploads", "repositories", "tmp"] {
            try POSIXFile.makeDirectory(self.root + "/" + directory)
        }
    }

    public var description: String { root }

    func absolute(_ path: String) -> String { root + "/" + path }

    public func read(_ path: String) async throws -> Data? { POSIXFile.contents(absolute(path)) }

    public func write(_ path: String, _ data: Data) async throws {
        let target = absolute(path)
        try await Blocking.run { try POSIXFile.writeDurably(data, to: target) }
    }

    public func stat(_ path: String) async throws -> StoredItem? {
        let target = absolute(path)
        guard let size = POSIXFile.size(target) else { return nil }
        return StoredItem(
            size: size, modified: POSIXFile.modificationTime(target).map { Date(timeIntervalSince1970: $0) })
    }

    public func list(_ directory: String) async throws -> [StorageEntry] {
        let base = absolute(directory)
        return POSIXFile.list(base).compactMap { name in
            let path = base + "/" + name
            if POSIXFile.isRealDirectory(path) { return StorageEntry(name: name, isDirectory: true) }
            if POSIXFile.isSymbolicLink(path) { return nil }
            return StorageEntry(name: name, isDirectory: false)
        }
    }

    @discardableResult
    public func delete(_ path: String) async throws -> Bool {
        let target = absolute(path)
        return try await Blocking.run {
            guard POSIXFile.remove(target) else { return false }
            try POSIXFile.syncDirectory((target as NSString).deletingLastPathComponent)
            return true
        }
    }

    public func deleteTree(_ directory: String) async throws {
        let target = absolute(directory)
        try await Blocking.run { POSIXFile.removeTree(target) }
    }

    public func touch(_ path: String) async throws { POSIXFile.touch(absolute(path)) }

    public func stream(_ path: String, range: ClosedRange<Int64>, to handler: (ByteBuffer) async throws -> Void)
        async throws
    {
        let target = absolute(path)
        let fd = open(target, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError.io(path: target, reason: POSIXFile.errorText()) }
        defer { close(fd) }
        var offset = range.lowerBound
        while offset <= range.upperBound {
            let want = Int(min(Int64(BlobReader.chunkSize), range.upperBound - offset + 1))
            let start = offset
            let buffer = try await Blocking.run {
                var buffer = ByteBufferAllocator().buffer(capacity: want)
                let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { pointer in
                    while true {
                        let count = pread(fd, pointer.baseAddress, want, off_t(start))
                        if count >= 0 { return count }
                        if errno != EINTR { throw StorageError.io(path: target, reason: POSIXFile.errorText()) }
                    }
                }
                guard count > 0 else {
                    throw StorageError.corrupt(path: target, reason: "file ended before its recorded size")
                }
                return buffer
            }
            offset += Int64(buffer.readableBytes)
            try await handler(buffer)
        }
    }

    public func localFile(_ path: String) -> String? { absolute(path) }

    public func temporaryURL(_ path: String, expires: Int) throws -> String? { nil }

    // MARK: Upload sessions

    func uploadDirectory(_ id: String) -> String { root + "/uploads/" + id }

    public func createUpload(_ id: String, info: Data) async throws {
        let directory = uploadDirectory(id)
        try await Blocking.run {
            try POSIXFile.makeDirectory(directory)
            let fd = open(directory + "/data", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw StorageError.io(path: directory + "/data", reason: POSIXFile.errorText()) }
            close(fd)
            try POSIXFile.writeDurably(info, to: directory + "/info.json")
        }
    }

    public func uploadInfo(_ id: String) async throws -> Data? {
        POSIXFile.contents(uploadDirectory(id) + "/info.json")
    }

    public func uploadState(_ id: String) async throws -> UploadState? {
        guard let size = POSIXFile.size(uploadDirectory(id) + "/data") else { return nil }
        return UploadState(size: size, version: String(size))
    }

    public func appendUpload<S: AsyncSequence & Sendable>(
        _ id: String, offset: Int64, body: S, limit: Int64, expectedLength: Int64?, hasher: inout Digester
    ) async throws -> UploadState where S.Element == ByteBuffer {
        let path = uploadDirectory(id) + "/data"
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError.io(path: path, reason: POSIXFile.errorText()) }
        defer { close(fd) }
        var size = Glibc.stat()
        guard fstat(fd, &size) == 0 else { throw StorageError.io(path: path, reason: POSIXFile.errorText()) }
        guard Int64(size.st_size) == offset else {
            throw RegistryError(
                .rangeNotSatisfiable, .blobUploadInvalid,
                "the upload has \(size.st_size) bytes, not \(offset): another request appended")
        }
        let original = hasher
        var written: Int64 = 0
        do {
            for try await buffer in body {
                if offset + written + Int64(buffer.readableBytes) > limit {
                    throw RegistryError.blobTooLarge(limit)
                }
                try buffer.withUnsafeReadableBytes { bytes in
                    try POSIXFile.writeAll(fd: fd, bytes: bytes, path: path)
                    hasher.update(bytes: bytes)
                }
                written += Int64(buffer.readableBytes)
            }
            if let expectedLength, expectedLength != written { throw RegistryError.chunkLengthMismatch }
        } catch {
            _ = ftruncate(fd, off_t(offset))
            hasher = original
            throw error
        }
        return UploadState(size: offset + written, version: String(offset + written))
    }

    public func hashUpload(_ id: String, algorithm: Digest.Algorithm) async throws -> Digester {
        let path = uploadDirectory(id) + "/data"
        return try await Blocking.run { try POSIXFile.hasher(for: path, algorithm: algorithm) }
    }

    public func commitUpload(_ id: String, to path: String) async throws {
        let source = uploadDirectory(id) + "/data"
        let destination = absolute(path)
        try await Blocking.run {
            let directory = (destination as NSString).deletingLastPathComponent
            try POSIXFile.makeDirectory(directory)
            if POSIXFile.exists(destination) {
                POSIXFile.touch(destination)
                return
            }
            try POSIXFile.syncFile(source)
            guard rename(source, destination) == 0 else {
                throw StorageError.io(path: destination, reason: POSIXFile.errorText())
            }
            try POSIXFile.syncDirectory(directory)
        }
    }

    public func removeUpload(_ id: String) async throws {
        let directory = uploadDirectory(id)
        try await Blocking.run { POSIXFile.removeTree(directory) }
    }

    public func uploads() async throws -> [(id: String, modified: Date?)] {
        POSIXFile.list(root + "/uploads").map { id in
            // A session being created may not have its data file yet: it counts as fresh.
            let directory = uploadDirectory(id)
            let modified = POSIXFile.modificationTime(directory + "/data") ?? POSIXFile.modificationTime(directory)
            return (id, modified.map { Date(timeIntervalSince1970: $0) } ?? Date())
        }
    }
}

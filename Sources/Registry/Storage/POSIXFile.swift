import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin, durable file operations: every write that is acknowledged has been fsynced, and every
/// new name is made visible by a rename followed by an fsync of its directory.
enum POSIXFile {
    static func errorText() -> String { String(cString: strerror(errno)) }

    /// Creates `path` and its parents.
    /// Opens (creating) `path` and takes a `flock` on it, shared or exclusive: the descriptor
    /// holding it, or nil when it is held otherwise and `wait` is false. Release with ``unlock(_:)``.
    static func lock(_ path: String, exclusive: Bool, wait: Bool) throws -> Int32? {
        try makeDirectory((path as NSString).deletingLastPathComponent)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StorageError.io(path: path, reason: errorText()) }
        let operation = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB)
        while flock(fd, operation) != 0 {
            if errno == EINTR { continue }
            let failure = errno
            let reason = errorText()
            close(fd)
            if failure == EWOULDBLOCK { return nil }
            throw StorageError.io(path: path, reason: reason)
        }
        return fd
    }

    /// Releases a lock taken with ``lock(_:exclusive:wait:)`` and closes its descriptor.
    static func unlock(_ fd: Int32) {
        flock(fd, LOCK_UN)
        close(fd)
    }

    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw StorageError.io(path: path, reason: "\(error.localizedDescription)")
        }
    }

    /// Size of the regular file at `path`, or nil when there is none.
    static func size(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    /// Modification time of `path` in seconds since 1970, or nil.
    static func modificationTime(_ path: String) -> TimeInterval? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9
    }

    /// Sets the modification time of `path` to now (marks content as recently used for GC).
    static func touch(_ path: String) {
        _ = utimes(path, nil)
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// A directory itself, not a symbolic link to one: walks of the storage root never leave it.
    static func isRealDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether `path` is a symbolic link.
    static func isSymbolicLink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    /// Fsyncs a directory so that renames and creations in it survive a crash.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError.io(path: path, reason: errorText()) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StorageError.io(path: path, reason: errorText()) }
    }

    /// Writes `data` to `path` through a uniquely named temporary file in the same directory,
    /// fsyncs it, renames it over `path` and fsyncs the directory.
    static func writeDurably(_ data: Data, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try makeDirectory(directory)
        let temporary = directory + "/.tmp-\(UUID().uuidString)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError.io(path: temporary, reason: errorText()) }
        do {
            try data.withUnsafeBytes { try writeAll(fd: fd, bytes: $0, path: temporary) }
            guard fsync(fd) == 0 else { throw StorageError.io(path: temporary, reason: errorText()) }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let reason = errorText()
            unlink(temporary)
            throw StorageError.io(path: path, reason: reason)
        }
        try syncDirectory(directory)
    }

    /// Writes every byte of `bytes` to `fd`, retrying on EINTR and short writes.
    static func writeAll(fd: Int32, bytes: UnsafeRawBufferPointer, path: String) throws {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw StorageError.io(path: path, reason: errorText())
            }
            offset += written
        }
    }

    /// Reads a whole small file.
    static func contents(_ path: String) -> Data? {
        FileManager.default.contents(atPath: path)
    }

    /// Removes a file; returns whether it existed.
    @discardableResult
    static func remove(_ path: String) -> Bool {
        unlink(path) == 0
    }

    /// Removes a directory tree.
    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Names in a directory (no dot files), sorted by byte order; empty when it does not exist.
    static func list(_ path: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
        return names.filter { !$0.hasPrefix(".") }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Feeds the first `limit` bytes of the file at `path` (all when nil) into a new hasher.
    static func hasher(for path: String, algorithm: OCIDigestAlgorithm, limit: Int64? = nil) throws -> OCIDigester {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError.io(path: path, reason: errorText()) }
        defer { close(fd) }
        var hasher = OCIDigester(algorithm: algorithm)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var remaining = limit ?? Int64.max
        while remaining > 0 {
            let want = Int(min(Int64(buffer.count), remaining))
            let count = read(fd, buffer.baseAddress, want)
            if count < 0 {
                if errno == EINTR { continue }
                throw StorageError.io(path: path, reason: errorText())
            }
            if count == 0 { break }
            hasher.update(bytes: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            remaining -= Int64(count)
        }
        return hasher
    }

    /// Fsyncs a file's data.
    static func syncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError.io(path: path, reason: errorText()) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StorageError.io(path: path, reason: errorText()) }
    }
}

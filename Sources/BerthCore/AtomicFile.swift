import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes files so that readers see either the old content or the new, never a half-written file.
public enum AtomicFile {
    /// Writes `data` to `path` through a temporary file in the same directory, fsynced and renamed.
    ///
    /// What is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written in place: renaming
    /// over it would replace the device with a file. A symbolic link to a regular file keeps being a
    /// link: the file it points to is replaced.
    public static func write(_ data: Data, to path: String) throws {
        var target = stat()
        if stat(path, &target) == 0, (target.st_mode & S_IFMT) != S_IFREG {
            guard (target.st_mode & S_IFMT) != S_IFDIR else {
                throw BerthError.io(path: path, reason: "is a directory")
            }
            try writeInPlace(data, to: path)
            return
        }
        var link = stat()
        if lstat(path, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK, let resolved = realpath(path, nil) {
            defer { free(resolved) }
            try writeReplacing(data, to: String(cString: resolved), shown: path)
            return
        }
        try writeReplacing(data, to: path, shown: path)
    }

    /// Opens an existing non-regular file for writing and writes `data` to it.
    static func writeInPlace(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BerthError.io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        if let failure = writeAll(data, to: fd, path: path) { throw failure }
    }

    static func writeAll(_ data: Data, to fd: Int32, path: String) -> BerthError? {
        var failure: BerthError?
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = .io(path: path, reason: String(cString: strerror(errno)))
                    return
                }
                offset += written
            }
        }
        return failure
    }

    static func writeReplacing(_ data: Data, to path: String, shown: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true)
        let temporary = directory + "/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw BerthError.io(path: shown, reason: String(cString: strerror(errno)))
        }
        var failure = writeAll(data, to: fd, path: shown)
        if failure == nil, fsync(fd) != 0 {
            failure = .io(path: shown, reason: String(cString: strerror(errno)))
        }
        close(fd)
        if let failure {
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw BerthError.io(path: shown, reason: reason)
        }
    }
}

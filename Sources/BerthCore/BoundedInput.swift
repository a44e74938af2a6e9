import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads files, standard input and pipes with a size limit checked while reading, so no input can
/// make Berth hold more than `limit` bytes of it: `yes | berth check -`, a sparse 4 GB file and a
/// renderer whose output never ends all stop at the limit with a clear error.
public enum BoundedInput {
    /// The whole of `path` (`-` for standard input), or an error naming the path and the reason.
    public static func read(_ path: String, limit: Int) throws(BerthError) -> [UInt8] {
        if path == "-" { return try read(descriptor: STDIN_FILENO, name: "-", limit: limit) }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 { throw .io(path: path, reason: reason(errno)) }
        defer { close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            throw .io(path: path, reason: "is a directory")
        }
        return try read(descriptor: descriptor, name: path, limit: limit)
    }

    /// Everything `handle` yields until end of file, or an error once more than `limit` bytes arrive.
    public static func read(handle: FileHandle, name: String, limit: Int) throws(BerthError) -> [UInt8] {
        try read(descriptor: handle.fileDescriptor, name: name, limit: limit)
    }

    /// Reads a descriptor to its end, refusing more than `limit` bytes.
    public static func read(descriptor: Int32, name: String, limit: Int) throws(BerthError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { readDescriptor(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: name, reason: reason(errno))
            }
            if count == 0 { return bytes }
            if bytes.count + count > limit {
                throw .io(path: name, reason: "more than \(describe(limit)), the limit for this input")
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// A size in the units people read.
    public static func describe(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }

    /// The system's reason for `code`, in lowercase as Berth's messages are.
    public static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: "no such file or directory"
        case EACCES, EPERM: "permission denied"
        case ELOOP: "too many levels of symbolic links (a symlink loop?)"
        case EISDIR: "is a directory"
        case ENOTDIR: "a component of the path is not a directory"
        case ENAMETOOLONG: "the path is too long"
        case ENOSPC: "no space left on the device"
        case EROFS: "read-only file system"
        case EEXIST: "already exists"
        default: String(cString: strerror(code)).lowercased()
        }
    }
}

private func readDescriptor(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

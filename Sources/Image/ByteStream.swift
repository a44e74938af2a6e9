import CZlib
import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A source of bytes read front to back in chunks.
protocol ByteStream: AnyObject {
    /// Reads up to `count` bytes into `buffer` at `offset`; returns 0 at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ImageError) -> Int
}

/// A byte range of a file (the whole file when `length` is nil), read with `pread`.
final class FileRangeStream: ByteStream {
    private let fd: Int32
    private let path: String
    private var position: Int64
    private let end: Int64?

    init(path: String, offset: Int64 = 0, length: Int64? = nil) throws(ImageError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        self.fd = fd
        self.path = path
        self.position = offset
        self.end = length.map { offset + $0 }
    }

    deinit { close(fd) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ImageError) -> Int {
        var wanted = buffer.count
        if let end { wanted = Int(min(Int64(wanted), max(0, end - position))) }
        guard wanted > 0, let base = buffer.baseAddress else { return 0 }
        while true {
            let count = pread(fd, base, wanted, off_t(position))
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0, let end, position < end {
                throw .io(path: path, reason: "file ends at byte \(position), expected \(end)")
            }
            position += Int64(count)
            return count
        }
    }
}

/// Passes bytes through while hashing them; at the end the digest must match `expected`.
final class DigestingStream: ByteStream {
    private let inner: any ByteStream
    private let subject: String
    private let expected: String?
    private var sha256 = SHA256()
    private var sha512 = SHA512()
    private let useSHA512: Bool
    private var finished = false

    /// `expected` is `sha256:<hex>` or `sha512:<hex>`; nil only counts.
    init(_ inner: any ByteStream, expected: String?, subject: String) {
        self.inner = inner
        self.expected = expected
        self.subject = subject
        self.useSHA512 = expected?.hasPrefix("sha512:") ?? false
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ImageError) -> Int {
        let count = try inner.read(into: buffer)
        if count > 0 {
            let slice = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            if useSHA512 { sha512.update(bufferPointer: slice) } else { sha256.update(bufferPointer: slice) }
        } else if !finished {
            finished = true
            if let expected {
                let actual =
                    useSHA512
                    ? "sha512:" + sha512.finalize().map { String(format: "%02x", $0) }.joined()
                    : "sha256:" + sha256.finalize().map { String(format: "%02x", $0) }.joined()
                if actual != expected {
                    throw .digestMismatch(subject: subject, expected: expected, actual: actual)
                }
            }
        }
        return count
    }
}

/// Decompresses a gzip stream (several members allowed) with zlib.
final class GzipStream: ByteStream {
    private let inner: any ByteStream
    private let subject: String
    private var stream = z_stream()
    private var input: UnsafeMutableRawBufferPointer
    private var inputEnded = false
    private var streamEnded = false

    init(_ inner: any ByteStream, subject: String) throws(ImageError) {
        self.inner = inner
        self.subject = subject
        self.input = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        // 15 window bits + 16: gzip header and trailer.
        guard berth_inflate_init2(&stream, 15 + 16) == Z_OK else {
            input.deallocate()
            throw .corruptStream(subject: subject, reason: "cannot initialise zlib")
        }
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ImageError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            if streamEnded {
                // Another gzip member may follow; anything else after the trailer ends the stream.
                if stream.avail_in == 0 && !inputEnded { try refill() }
                if stream.avail_in == 0 { return 0 }
                guard stream.next_in.pointee == 0x1f else { return 0 }
                inflateReset(&stream)
                streamEnded = false
            }
            if stream.avail_in == 0 && !inputEnded { try refill() }
            stream.next_out = base.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(min(buffer.count, Int(UInt32.max)))
            let status = inflate(&stream, Z_NO_FLUSH)
            let produced = buffer.count - Int(stream.avail_out)
            switch status {
            case Z_STREAM_END:
                streamEnded = true
                if produced > 0 { return produced }
            case Z_OK:
                if produced > 0 { return produced }
                if inputEnded && stream.avail_in == 0 {
                    throw .corruptStream(subject: subject, reason: "gzip data ends early")
                }
            case Z_BUF_ERROR:
                if inputEnded && stream.avail_in == 0 {
                    throw .corruptStream(subject: subject, reason: "gzip data ends early")
                }
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                throw .corruptStream(subject: subject, reason: message)
            }
        }
    }

    private func refill() throws(ImageError) {
        let count = try inner.read(into: input)
        if count == 0 {
            inputEnded = true
            stream.avail_in = 0
        } else {
            stream.next_in = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_in = uInt(count)
        }
    }
}

/// Reads and discards the rest of a stream (so a digest check at its end still runs).
func drain(_ stream: any ByteStream) throws(ImageError) {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
    defer { buffer.deallocate() }
    while try stream.read(into: buffer) > 0 {}
}

/// A stream that starts with bytes already read (used after sniffing the compression).
final class PrefixedStream: ByteStream {
    private var prefix: [UInt8]
    private var offset = 0
    private let inner: any ByteStream

    init(prefix: [UInt8], _ inner: any ByteStream) {
        self.prefix = prefix
        self.inner = inner
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ImageError) -> Int {
        if offset < prefix.count {
            let count = min(buffer.count, prefix.count - offset)
            prefix.withUnsafeBytes { source in
                guard let from = source.baseAddress, let to = buffer.baseAddress else { return }
                to.copyMemory(from: from + offset, byteCount: count)
            }
            offset += count
            return count
        }
        return try inner.read(into: buffer)
    }
}

/// Reads exactly up to `count` bytes (fewer only at the end of the stream).
func readFully(_ stream: any ByteStream, count: Int) throws(ImageError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < count {
        var failure: ImageError?
        let got = bytes.withUnsafeMutableBytes { raw -> Int in
            do throws(ImageError) {
                return try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]))
            } catch {
                failure = error
                return 0
            }
        }
        if let failure { throw failure }
        if got == 0 { break }
        filled += got
    }
    bytes.removeSubrange(filled...)
    return bytes
}

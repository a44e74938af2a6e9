import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OCI

/// A single HTTP byte range (RFC 9110), resolved against a size.
enum ByteRange {
    static func parse(_ header: String, size: Int64) -> ClosedRange<Int64>? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(",") else { return nil }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        if parts[0].isEmpty {
            guard let suffix = Int64(parts[1]), suffix > 0 else { return nil }
            return max(0, size - suffix)...(size - 1)
        }
        guard let start = Int64(parts[0]), start >= 0, start < size else { return nil }
        if parts[1].isEmpty { return start...(size - 1) }
        guard let end = Int64(parts[1]), end >= start else { return nil }
        return start...min(end, size - 1)
    }
}

/// Streams part of a file as a response body with one reusable chunk buffer per download.
///
/// Each chunk is read on the thread pool only after the previous one was handed to the
/// connection. The buffer is reused in place once the connection has released it (ByteBuffer is
/// copy-on-write, so a buffer still being sent is copied instead of overwritten), so a download
/// neither buffers the blob nor churns the allocator.
enum BlobReader {
    static let chunkSize = 1024 * 1024
    /// Bytes gathered from an object store's response before they are handed to the connection in
    /// one write: each hand-over is a hop between threads and a flush, so the store's reads (up to
    /// `ObjectStoreConnections.maximumRead` each, often less) are passed on a few at a time.
    static let batchSize = 1024 * 1024

    /// Owns the chunk buffer while the thread pool fills it; never used by two threads at once.
    final class Chunk: @unchecked Sendable {
        var buffer: ByteBuffer
        init(capacity: Int) { buffer = ByteBufferAllocator().buffer(capacity: capacity) }
    }

    /// `reservedOn`: the connection whose reservation in `Sendfile.load` this body claims (a body
    /// on a sendfile-capable connection that took this path), or nil to count it from its start.
    static func body(path: String, range: ClosedRange<Int64>, reservedOn channel: ObjectIdentifier? = nil)
        -> ResponseBody
    {
        let length = Int(range.upperBound - range.lowerBound + 1)
        return ResponseBody(contentLength: length) { writer in
            Sendfile.load.withLockedValue { load in
                if let channel { load.claim(channel) } else { load.start() }
            }
            defer { Sendfile.load.withLockedValue { $0.finish() } }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw StorageError.io(path: path, reason: POSIXFile.errorText()) }
            defer { close(fd) }
            let chunk = Chunk(capacity: min(chunkSize, length))
            var offset = range.lowerBound
            while offset <= range.upperBound {
                let want = Int(min(Int64(chunkSize), range.upperBound - offset + 1))
                let start = offset
                try await Blocking.run {
                    chunk.buffer.clear()
                    let count = try chunk.buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { pointer in
                        while true {
                            let count = pread(fd, pointer.baseAddress, want, off_t(start))
                            if count >= 0 { return count }
                            if errno != EINTR { throw StorageError.io(path: path, reason: POSIXFile.errorText()) }
                        }
                    }
                    guard count > 0 else {
                        throw StorageError.corrupt(path: path, reason: "file ended before its recorded size")
                    }
                }
                offset += Int64(chunk.buffer.readableBytes)
                try await writer.write(chunk.buffer)
            }
            try await writer.finish(nil)
        }
    }

    /// Streams part of a blob from a driver that keeps content elsewhere (an object store).
    static func body(driver: any StorageDriver, path: String, range: ClosedRange<Int64>) -> ResponseBody {
        let length = Int(range.upperBound - range.lowerBound + 1)
        return ResponseBody(contentLength: length) { writer in
            var sent: Int64 = 0
            var pending: [ByteBuffer] = []
            var pendingBytes = 0
            try await driver.stream(path, range: range) { buffer in
                sent += Int64(buffer.readableBytes)
                pending.append(buffer)
                pendingBytes += buffer.readableBytes
                if pendingBytes >= batchSize {
                    try await writer.write(contentsOf: pending)
                    pending.removeAll(keepingCapacity: true)
                    pendingBytes = 0
                }
            }
            if !pending.isEmpty { try await writer.write(contentsOf: pending) }
            guard sent == Int64(length) else {
                throw StorageError.corrupt(path: path, reason: "sent \(sent) of \(length) bytes")
            }
            try await writer.finish(nil)
        }
    }
}

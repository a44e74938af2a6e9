import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// A request body of known length: bytes in memory, a region of a file (read in chunks, never whole),
/// or a one-shot stream.
///
/// Bytes and files can be sent again, so requests carrying them are retried; a stream cannot.
public struct ObjectBody: Sendable {
    /// The number of bytes sent.
    public let length: Int64
    /// What the signature says about the bytes: their SHA-256 when known, else `UNSIGNED-PAYLOAD`.
    public let payloadHash: PayloadHash
    /// Whether the body can be sent again on a retry.
    public let replayable: Bool
    private let make: @Sendable () -> HTTPClientRequest.Body
    /// For `aws-chunked` bodies: the file region whose chunks are signed one by one.
    let signedSource: FileChunks?

    private init(
        length: Int64, payloadHash: PayloadHash, replayable: Bool, signedSource: FileChunks? = nil,
        make: @escaping @Sendable () -> HTTPClientRequest.Body
    ) {
        self.length = length
        self.payloadHash = payloadHash
        self.replayable = replayable
        self.signedSource = signedSource
        self.make = make
    }

    /// Bytes in memory, hashed so the signature covers them.
    public static func bytes(_ buffer: ByteBuffer) -> ObjectBody {
        ObjectBody(
            length: Int64(buffer.readableBytes), payloadHash: .of(Array(buffer.readableBytesView)), replayable: true
        ) { .bytes(buffer) }
    }

    /// Bytes in memory.
    public static func data(_ data: Data) -> ObjectBody { bytes(ByteBuffer(bytes: data)) }

    /// `length` bytes of the file at `path` from `offset` (to its end when `length` is nil), read in
    /// chunks of `chunkSize` on NIO's thread pool. Pass the bytes' `sha256` (hex) when known to have
    /// the store check them; with `signChunks` each chunk is signed as it is sent (`aws-chunked`,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`); otherwise they travel as `UNSIGNED-PAYLOAD`.
    public static func file(
        path: String, offset: Int64 = 0, length: Int64? = nil, sha256: String? = nil, signChunks: Bool = false,
        chunkSize: Int = 1 << 20
    ) throws -> ObjectBody {
        let size: Int64
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        } catch {
            throw ObjectStoreError.body("cannot read file at '\(path)'")
        }
        guard offset >= 0, offset <= size else {
            throw ObjectStoreError.body("offset \(offset) is past the end of '\(path)' (\(size) bytes)")
        }
        let count = length ?? (size - offset)
        guard count >= 0, offset + count <= size else {
            throw ObjectStoreError.body("'\(path)' has \(size) bytes, fewer than \(offset) + \(count)")
        }
        let chunks = FileChunks(path: path, offset: offset, length: count, chunkSize: max(chunkSize, 8192))
        if signChunks {
            return ObjectBody(
                length: count, payloadHash: .streamingSigned, replayable: true, signedSource: chunks
            ) { .stream(chunks, length: .known(count)) }
        }
        return ObjectBody(
            length: count, payloadHash: sha256.map { .sha256($0) } ?? .unsigned, replayable: true
        ) { .stream(chunks, length: .known(count)) }
    }

    /// A stream of exactly `length` bytes; sent once, so the request is not retried after a fault.
    public static func stream<Chunks: AsyncSequence & Sendable>(
        _ chunks: Chunks, length: Int64, sha256: String? = nil
    ) -> ObjectBody where Chunks.Element == ByteBuffer {
        ObjectBody(length: length, payloadHash: sha256.map { .sha256($0) } ?? .unsigned, replayable: false) {
            .stream(chunks, length: .known(length))
        }
    }

    /// The bytes an `aws-chunked` body of `length` payload bytes in `chunkSize` chunks puts on the wire.
    public static func chunkedLength(payload length: Int64, chunkSize: Int) -> Int64 {
        SignedChunks.encodedLength(of: length, chunkSize: chunkSize)
    }

    /// The body to send; `aws-chunked` bodies chain their chunk signatures on the request's `seed` signature.
    func requestBody(signer: SigV4Signer, timestamp: String, seed: String) -> HTTPClientRequest.Body {
        guard let source = signedSource else { return make() }
        let chunks = SignedChunks(
            source: source, signer: signer, key: signer.signingKey(day: String(timestamp.prefix(8))),
            timestamp: timestamp, seedSignature: seed)
        return .stream(chunks, length: .known(SignedChunks.encodedLength(of: length, chunkSize: source.chunkSize)))
    }
}

/// A region of a file as a sequence of buffers, each read with `pread` on NIO's blocking-I/O pool.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String
    let offset: Int64
    let length: Int64
    let chunkSize: Int

    func makeAsyncIterator() -> Iterator {
        Iterator(path: path, position: offset, end: offset + length, chunkSize: chunkSize)
    }

    struct Iterator: AsyncIteratorProtocol {
        let path: String
        var position: Int64
        let end: Int64
        let chunkSize: Int
        var file: OpenFile?

        init(path: String, position: Int64, end: Int64, chunkSize: Int) {
            self.path = path
            self.position = position
            self.end = end
            self.chunkSize = chunkSize
        }

        mutating func next() async throws -> ByteBuffer? {
            guard position < end else {
                file = nil
                return nil
            }
            if file == nil { file = try OpenFile(path: path) }
            guard let file else { return nil }
            let count = Int(Swift.min(Int64(chunkSize), end - position))
            let at = position
            let path = self.path
            let buffer = try await NIOThreadPool.singleton.runIfActive { () throws -> ByteBuffer in
                var buffer = ByteBufferAllocator().buffer(capacity: count)
                var filled = 0
                while filled < count {
                    var failure: Int32 = 0
                    let read = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - filled) { pointer in
                        let read = pread(
                            file.descriptor, pointer.baseAddress, count - filled, off_t(at) + off_t(filled))
                        if read < 0 { failure = errno }
                        return Swift.max(read, 0)
                    }
                    if failure == EINTR { continue }
                    guard read > 0, failure == 0 else {
                        throw ObjectStoreError.body("cannot read '\(path)' at byte \(at + Int64(filled)) (it shrank?)")
                    }
                    filled += read
                }
                return buffer
            }
            position += Int64(buffer.readableBytes)
            return buffer
        }
    }

    /// An open descriptor, closed when the last reference goes.
    final class OpenFile: @unchecked Sendable {
        let descriptor: Int32

        init(path: String) throws {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw ObjectStoreError.body("cannot open '\(path)'") }
            self.descriptor = descriptor
        }

        deinit { close(descriptor) }
    }
}

import AsyncHTTPClient
import Crypto
import NIOCore

/// An `aws-chunked` body (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`): the source's bytes cut in chunks of
/// `chunkSize`, each framed as `HEX-SIZE;chunk-signature=SIG\r\n` + bytes + `\r\n`, then an empty
/// final chunk. Every signature chains on the previous one, so the store checks each chunk as it
/// arrives without the sender hashing the whole body first.
struct SignedChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let source: FileChunks
    let signer: SigV4Signer
    let key: SymmetricKey
    let timestamp: String
    let seedSignature: String

    /// The bytes sent for `length` bytes of payload in chunks of `chunkSize`.
    static func encodedLength(of length: Int64, chunkSize: Int) -> Int64 {
        func framed(_ size: Int64) -> Int64 {
            Int64(String(size, radix: 16).utf8.count + ";chunk-signature=".utf8.count + 64 + 2) + size + 2
        }
        let full = length / Int64(chunkSize)
        let rest = length % Int64(chunkSize)
        return full * framed(Int64(chunkSize)) + (rest > 0 ? framed(rest) : 0) + framed(0)
    }

    func makeAsyncIterator() -> Iterator {
        Iterator(source: source.makeAsyncIterator(), chunks: self, previous: seedSignature)
    }

    struct Iterator: AsyncIteratorProtocol {
        var source: FileChunks.Iterator
        let chunks: SignedChunks
        var previous: String
        var finished = false

        mutating func next() async throws -> ByteBuffer? {
            if finished { return nil }
            let payload = try await source.next() ?? ByteBuffer()
            if payload.readableBytes == 0 { finished = true }
            let signature = chunks.signer.chunkSignature(
                previous: previous, chunk: Array(payload.readableBytesView), timestamp: chunks.timestamp,
                key: chunks.key)
            previous = signature
            var framed = ByteBuffer()
            framed.reserveCapacity(payload.readableBytes + 100)
            framed.writeString("\(String(payload.readableBytes, radix: 16));chunk-signature=\(signature)\r\n")
            framed.writeImmutableBuffer(payload)
            framed.writeString("\r\n")
            return framed
        }
    }
}

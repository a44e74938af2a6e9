import NIOCore
import Testing

@testable import ObjectStore

@Suite("object-store read buffers")
struct ReadBufferPoolTests {
    @Test("only the read sizes are kept, up to the limit, and a kept block is handed out again for its size")
    func shelves() {
        var shelves = ReadBufferPool.Shelves()
        #expect(ReadBufferPool.Shelves.shelf(for: 64 << 10) == 0)
        #expect(
            ReadBufferPool.Shelves.shelf(for: ObjectStoreConnections.maximumRead) == ReadBufferPool.Shelves.count - 1)
        for size in [0, 1, 4096, 32 << 10, (64 << 10) + 1, 96 << 10, ObjectStoreConnections.maximumRead * 2] {
            #expect(ReadBufferPool.Shelves.shelf(for: size) == nil, "size \(size)")
            let kept = shelves.put(0x1000, size: size, limit: 1 << 30)
            #expect(!kept, "size \(size)")
        }
        let limit = 3 << 20
        let kept = [
            shelves.put(0x10_0000, size: 1 << 20, limit: limit), shelves.put(0x20_0000, size: 1 << 20, limit: limit),
            shelves.put(0x30_0000, size: 512 << 10, limit: limit),
        ]
        #expect(kept == [true, true, true])
        #expect(shelves.retained == (5 << 20) / 2)
        let overLimit = shelves.put(0x40_0000, size: 1 << 20, limit: limit)
        #expect(!overLimit, "over the limit: the caller frees it")
        // The block freed last is handed out first; a size with nothing kept gets nothing.
        let taken = [shelves.take(256 << 10), shelves.take(1 << 20), shelves.take(512 << 10), shelves.take(1 << 20)]
        #expect(taken == [nil, 0x20_0000, 0x30_0000, 0x10_0000])
        let empty = shelves.take(1 << 20)
        #expect(empty == nil)
        #expect(shelves.retained == 0)
    }

    @Test("buffers from the pool keep their bytes when they grow through every kept size, and when copied")
    func buffers() {
        let allocator = ReadBufferPool.allocator
        var buffer = allocator.buffer(capacity: 1000)
        var expected: [UInt8] = []
        var value: UInt8 = 0
        while buffer.readableBytes < 3 * ObjectStoreConnections.maximumRead {
            let chunk = (0..<7919).map { _ -> UInt8 in
                value &+= 31
                return value
            }
            buffer.writeBytes(chunk)
            expected += chunk
        }
        #expect(buffer.capacity >= 3 * ObjectStoreConnections.maximumRead)
        #expect(Array(buffer.readableBytesView) == expected)
        var copy = buffer
        copy.writeBytes([1, 2, 3])
        #expect(Array(buffer.readableBytesView) == expected, "copy on write leaves the original as it was")
        #expect(Array(copy.readableBytesView) == expected + [1, 2, 3])
        for _ in 0..<64 {
            var read = allocator.buffer(capacity: ObjectStoreConnections.maximumRead)
            read.writeRepeatingByte(0xAB, count: read.capacity)
            #expect(read.readableBytesView.allSatisfy { $0 == 0xAB })
        }
        #expect(ReadBufferPool.retainedBytes <= ReadBufferPool.retainedLimit)
    }
}

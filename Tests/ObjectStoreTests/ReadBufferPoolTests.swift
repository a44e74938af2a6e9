import Foundation
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
        var expected = Data()
        var value: UInt8 = 0
        while buffer.readableBytes < 3 * ObjectStoreConnections.maximumRead {
            value &+= 31
            buffer.writeRepeatingByte(value, count: 7919)
            expected.append(Data(repeating: value, count: 7919))
        }
        #expect(buffer.capacity >= 3 * ObjectStoreConnections.maximumRead)
        #expect(Data(buffer.readableBytesView) == expected)
        var copy = buffer
        copy.writeBytes([1, 2, 3])
        #expect(Data(buffer.readableBytesView) == expected, "copy on write leaves the original as it was")
        #expect(Data(copy.readableBytesView) == expected + [1, 2, 3])
        for round in 0..<8 {
            var read = allocator.buffer(capacity: ObjectStoreConnections.maximumRead)
            read.writeRepeatingByte(UInt8(round), count: read.capacity)
            #expect(read.getInteger(at: 0, as: UInt8.self) == UInt8(round))
            #expect(read.getInteger(at: read.capacity - 1, as: UInt8.self) == UInt8(round))
        }
        #expect(ReadBufferPool.retainedBytes <= ReadBufferPool.retainedLimit)
    }
}

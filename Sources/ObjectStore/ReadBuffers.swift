import AsyncHTTPClient
@_spi(CustomByteBufferAllocator) import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// How connections to an object store read: large reads, into memory that is reused.
///
/// NIO reads a connection at most 64 KiB at a time by default, and after each read the kernel
/// sends the store a window update. On loopback or a fast network, handling that update pushes
/// the store's next segments in the reader's time: with 50 concurrent 100 MiB downloads through
/// the registry, those updates were a sixth of the registry's CPU. Reads of up to `maximumRead`
/// need a sixteenth as many. Buffers that large are above glibc's mmap threshold, so each would
/// be mapped, faulted in page by page and unmapped again; `ReadBufferPool` keeps freed ones for
/// the next read instead.
public enum ObjectStoreConnections {
    /// The largest single read from an object-store connection.
    public static let maximumRead = 1 << 20

    /// `configuration` with each new connection set up to read as described above.
    public static func tuned(_ configuration: HTTPClient.Configuration) -> HTTPClient.Configuration {
        var configuration = configuration
        configuration.http1_1ConnectionDebugInitializer = setUp
        configuration.http2ConnectionDebugInitializer = setUp
        return configuration
    }

    /// Sets a connection's buffer allocator, receive allocator and reads per wake-up.
    ///
    /// One read per wake-up: a channel keeps up to that many receive buffers for itself as long as
    /// it is open, idle in the pool or not, which at `maximumRead` each would pin 4 MiB per connection.
    @Sendable public static func setUp(_ channel: any Channel) -> EventLoopFuture<Void> {
        channel.setOption(ChannelOptions.allocator, value: ReadBufferPool.allocator).flatMap {
            channel.setOption(ChannelOptions.maxMessagesPerRead, value: 1)
        }.flatMap {
            channel.setOption(
                ChannelOptions.recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 64 << 10, maximum: maximumRead))
        }
    }
}

/// A `ByteBufferAllocator` that keeps freed blocks of the sizes large reads use (powers of two
/// from 64 KiB to `ObjectStoreConnections.maximumRead`; ByteBuffer rounds capacities up to powers
/// of two) and hands them out again, up to `retainedLimit` bytes in all. Other sizes, and blocks
/// freed beyond the limit, go to malloc and free.
///
/// Each block carries its capacity in a header before the bytes ByteBuffer sees, because
/// `deallocate` is given only the pointer.
public enum ReadBufferPool {
    /// Freed blocks kept for reuse, in bytes, across all sizes.
    public static let retainedLimit = 64 << 20
    static let smallestPooled = 64 << 10
    /// Header size: keeps the bytes 16-byte aligned, as malloc's are.
    static let header = 16

    /// Free blocks by size, as addresses (pointers are not Sendable).
    struct Shelves {
        static let count = (ObjectStoreConnections.maximumRead / ReadBufferPool.smallestPooled).trailingZeroBitCount + 1
        var free: [[UInt]] = Array(repeating: [], count: Shelves.count)
        /// Bytes on the shelves.
        var retained = 0

        /// The shelf for blocks of exactly `size` bytes, or nil when that size is not kept.
        static func shelf(for size: Int) -> Int? {
            guard size >= ReadBufferPool.smallestPooled, size <= ObjectStoreConnections.maximumRead,
                size.nonzeroBitCount == 1
            else { return nil }
            return (size / ReadBufferPool.smallestPooled).trailingZeroBitCount
        }

        /// A kept block of `size` bytes, taken off its shelf.
        mutating func take(_ size: Int) -> UInt? {
            guard let shelf = Self.shelf(for: size), let block = free[shelf].popLast() else { return nil }
            retained -= size
            return block
        }

        /// Keeps `block` of `size` bytes unless its size is not kept or the shelves hold `limit`
        /// bytes already; false: the caller frees it.
        mutating func put(_ block: UInt, size: Int, limit: Int) -> Bool {
            guard let shelf = Self.shelf(for: size), retained + size <= limit else { return false }
            free[shelf].append(block)
            retained += size
            return true
        }
    }

    static let shelves = Mutex(Shelves())

    public static let allocator = ByteBufferAllocator(
        allocate: { size in ReadBufferPool.allocate(size) },
        reallocate: { pointer, oldSize, newSize in
            ReadBufferPool.reallocate(pointer, oldSize: oldSize, newSize: newSize)
        },
        deallocate: { pointer in ReadBufferPool.deallocate(pointer) },
        copy: { destination, source, count in _ = memcpy(destination, source, count) })

    static func allocate(_ size: Int) -> UnsafeMutableRawPointer? {
        if let kept = shelves.withLock({ $0.take(size) }), let block = UnsafeMutableRawPointer(bitPattern: kept) {
            return block + header
        }
        guard let block = malloc(size + header) else { return nil }
        block.storeBytes(of: size, as: Int.self)
        return block + header
    }

    static func deallocate(_ pointer: UnsafeMutableRawPointer) {
        let block = pointer - header
        let size = block.load(as: Int.self)
        let address = UInt(bitPattern: block)
        if shelves.withLock({ $0.put(address, size: size, limit: retainedLimit) }) { return }
        free(block)
    }

    static func reallocate(_ pointer: UnsafeMutableRawPointer?, oldSize: Int, newSize: Int) -> UnsafeMutableRawPointer?
    {
        guard let pointer else { return allocate(newSize) }
        let capacity = (pointer - header).load(as: Int.self)
        if newSize <= capacity { return pointer }
        guard let moved = allocate(newSize) else { return nil }
        memcpy(moved, pointer, min(oldSize, capacity))
        deallocate(pointer)
        return moved
    }

    /// Bytes of freed blocks kept for reuse now.
    public static var retainedBytes: Int { shelves.withLock { $0.retained } }
}

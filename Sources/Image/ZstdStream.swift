import CZlib

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// libzstd's streaming decompressor, loaded at run time (`libzstd.so.1`) so building needs no zstd headers.
struct ZstdLibrary: @unchecked Sendable {
    typealias Create = @convention(c) () -> OpaquePointer?
    typealias Free = @convention(c) (OpaquePointer?) -> Int
    typealias Initialise = @convention(c) (OpaquePointer?) -> Int
    typealias Decompress =
        @convention(c) (
            OpaquePointer?, UnsafeMutablePointer<berth_zstd_out_buffer>, UnsafeMutablePointer<berth_zstd_in_buffer>
        ) -> Int
    typealias IsError = @convention(c) (Int) -> UInt32
    typealias ErrorName = @convention(c) (Int) -> UnsafePointer<CChar>?

    let create: Create
    let free: Free
    let initialise: Initialise
    let decompress: Decompress
    let isError: IsError
    let errorName: ErrorName

    /// The library, or nil when no libzstd is installed.
    static let shared: ZstdLibrary? = {
        for name in ["libzstd.so.1", "libzstd.so", "libzstd.1.dylib", "libzstd.dylib"] {
            guard let handle = dlopen(name, RTLD_NOW) else { continue }
            func symbol<T>(_ name: String, as type: T.Type) -> T? {
                dlsym(handle, name).map { unsafeBitCast($0, to: type) }
            }
            guard let create = symbol("ZSTD_createDStream", as: Create.self),
                let free = symbol("ZSTD_freeDStream", as: Free.self),
                let initialise = symbol("ZSTD_initDStream", as: Initialise.self),
                let decompress = symbol("ZSTD_decompressStream", as: Decompress.self),
                let isError = symbol("ZSTD_isError", as: IsError.self),
                let errorName = symbol("ZSTD_getErrorName", as: ErrorName.self)
            else { continue }
            return ZstdLibrary(
                create: create, free: free, initialise: initialise, decompress: decompress, isError: isError,
                errorName: errorName)
        }
        return nil
    }()
}

/// Decompresses a zstd stream (several frames allowed).
final class ZstdStream: ByteStream {
    private let inner: any ByteStream
    private let subject: String
    private let library: ZstdLibrary
    private let context: OpaquePointer
    private var input: UnsafeMutableRawBufferPointer
    private var inBuffer = berth_zstd_in_buffer(src: nil, size: 0, pos: 0)
    private var inputEnded = false
    /// The last call's return value: 0 when a frame is complete.
    private var pendingFrame = false

    init(_ inner: any ByteStream, subject: String) throws(ImageError) {
        guard let library = ZstdLibrary.shared else {
            throw .unsupportedMediaType(
                subject: subject, mediaType: "zstd-compressed layer (libzstd.so.1 is not installed)")
        }
        guard let context = library.create() else {
            throw .corruptStream(subject: subject, reason: "cannot create a zstd context")
        }
        _ = library.initialise(context)
        self.inner = inner
        self.subject = subject
        self.library = library
        self.context = context
        self.input = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 17, alignment: 16)
    }

    deinit {
        _ = library.free(context)
        input.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ImageError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            if inBuffer.pos == inBuffer.size && !inputEnded {
                let count = try inner.read(into: input)
                if count == 0 {
                    inputEnded = true
                } else {
                    inBuffer = berth_zstd_in_buffer(src: UnsafeRawPointer(input.baseAddress), size: count, pos: 0)
                }
            }
            if inputEnded && inBuffer.pos == inBuffer.size {
                if pendingFrame { throw .corruptStream(subject: subject, reason: "zstd data ends early") }
                return 0
            }
            var outBuffer = berth_zstd_out_buffer(dst: base, size: buffer.count, pos: 0)
            let result = library.decompress(context, &outBuffer, &inBuffer)
            if library.isError(result) != 0 {
                let name = library.errorName(result).map { String(cString: $0) } ?? "error \(result)"
                throw .corruptStream(subject: subject, reason: name)
            }
            pendingFrame = result != 0
            if outBuffer.pos > 0 { return outBuffer.pos }
        }
    }
}

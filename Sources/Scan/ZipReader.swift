import CZlib

/// Reads entries of a zip archive held in memory (jar, war, ear), with limits on what it inflates.
struct ZipReader {
    struct Entry {
        var name: String
        var method: UInt16
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    let bytes: [UInt8]
    let subject: String
    let entries: [Entry]

    /// At most this many central-directory entries are read.
    static let maximumEntries = 200_000

    init(_ bytes: [UInt8], subject: String) throws(ScanError) {
        self.bytes = bytes
        self.subject = subject
        guard bytes.count >= 22 else {
            throw .invalidArchive(subject: subject, reason: "too short to be a zip archive")
        }
        var eocd = -1
        var position = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while position >= lowest {
            if bytes[position] == 0x50 && bytes[position + 1] == 0x4b && bytes[position + 2] == 5
                && bytes[position + 3] == 6
            {
                eocd = position
                break
            }
            position -= 1
        }
        guard eocd >= 0 else { throw .invalidArchive(subject: subject, reason: "no end of central directory") }
        var count = Int(Self.u16(bytes, eocd + 10))
        var directoryOffset = Int(Self.u32(bytes, eocd + 16))
        if count == 0xffff || directoryOffset == 0xffff_ffff {
            // Zip64: the locator just before the end record points at the zip64 end record.
            let locator = eocd - 20
            guard locator >= 0, Self.u32(bytes, locator) == 0x0706_4b50 else {
                throw .invalidArchive(subject: subject, reason: "zip64 end of central directory locator is missing")
            }
            let record = Self.u64(bytes, locator + 8)
            guard record >= 0, record + 56 <= bytes.count, Self.u32(bytes, record) == 0x0606_4b50 else {
                throw .invalidArchive(subject: subject, reason: "corrupt zip64 end of central directory")
            }
            count = Self.u64(bytes, record + 32)
            directoryOffset = Self.u64(bytes, record + 48)
        }
        guard directoryOffset >= 0, directoryOffset <= bytes.count else {
            throw .invalidArchive(subject: subject, reason: "central directory lies outside the archive")
        }
        guard count >= 0, count <= Self.maximumEntries else {
            throw .invalidArchive(
                subject: subject, reason: "\(count) entries exceed the limit of \(Self.maximumEntries)")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        var cursor = directoryOffset
        for _ in 0..<count {
            guard cursor + 46 <= bytes.count, Self.u32(bytes, cursor) == 0x0201_4b50 else {
                throw .invalidArchive(subject: subject, reason: "corrupt central directory")
            }
            let nameLength = Int(Self.u16(bytes, cursor + 28))
            let extraLength = Int(Self.u16(bytes, cursor + 30))
            let commentLength = Int(Self.u16(bytes, cursor + 32))
            guard cursor + 46 + nameLength <= bytes.count else {
                throw .invalidArchive(subject: subject, reason: "corrupt central directory")
            }
            let name = String(decoding: bytes[(cursor + 46)..<(cursor + 46 + nameLength)], as: UTF8.self)
            var entry = Entry(
                name: name, method: Self.u16(bytes, cursor + 10),
                compressedSize: Int(Self.u32(bytes, cursor + 20)),
                uncompressedSize: Int(Self.u32(bytes, cursor + 24)),
                localHeaderOffset: Int(Self.u32(bytes, cursor + 42)))
            // Zip64 extra field (id 1): the 64-bit values of the fields set to 0xffffffff, in order.
            var extra = cursor + 46 + nameLength
            let extraEnd = min(extra + extraLength, bytes.count)
            while extra + 4 <= extraEnd {
                let id = Self.u16(bytes, extra)
                let size = Int(Self.u16(bytes, extra + 2))
                if id == 1 {
                    var field = extra + 4
                    if entry.uncompressedSize == 0xffff_ffff {
                        entry.uncompressedSize = Self.u64(bytes, field)
                        field += 8
                    }
                    if entry.compressedSize == 0xffff_ffff {
                        entry.compressedSize = Self.u64(bytes, field)
                        field += 8
                    }
                    if entry.localHeaderOffset == 0xffff_ffff { entry.localHeaderOffset = Self.u64(bytes, field) }
                }
                extra += 4 + size
            }
            entries.append(entry)
            cursor += 46 + nameLength + extraLength + commentLength
        }
        self.entries = entries
    }

    /// The entry's content; throws when it would inflate beyond `limit` bytes (zip bombs).
    func read(_ entry: Entry, limit: Int) throws(ScanError) -> [UInt8] {
        let header = entry.localHeaderOffset
        guard header >= 0, header + 30 <= bytes.count, Self.u32(bytes, header) == 0x0403_4b50 else {
            throw .invalidArchive(subject: "\(subject)!/\(entry.name)", reason: "corrupt local header")
        }
        let start = header + 30 + Int(Self.u16(bytes, header + 26)) + Int(Self.u16(bytes, header + 28))
        guard entry.compressedSize >= 0, start + entry.compressedSize <= bytes.count else {
            throw .invalidArchive(subject: "\(subject)!/\(entry.name)", reason: "data runs past the end of the archive")
        }
        let data = bytes[start..<(start + entry.compressedSize)]
        switch entry.method {
        case 0:
            guard data.count <= limit else {
                throw .invalidArchive(subject: "\(subject)!/\(entry.name)", reason: "larger than \(limit) bytes")
            }
            return Array(data)
        case 8:
            return try Self.inflateRaw(data, limit: limit, subject: "\(subject)!/\(entry.name)")
        default:
            throw .invalidArchive(
                subject: "\(subject)!/\(entry.name)", reason: "compression method \(entry.method) is not read")
        }
    }

    /// Inflates raw deflate data, refusing output beyond `limit` bytes.
    static func inflateRaw(_ input: ArraySlice<UInt8>, limit: Int, subject: String) throws(ScanError) -> [UInt8] {
        var stream = z_stream()
        guard berth_inflate_init2(&stream, -15) == Z_OK else {
            throw .invalidArchive(subject: subject, reason: "cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = Array(input)
        let status: Int32 = input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = uInt(inputBuffer.count)
            while true {
                let (result, produced) = chunk.withUnsafeMutableBufferPointer { outBuffer -> (Int32, Int) in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(outBuffer.count)
                    let result = inflate(&stream, Z_NO_FLUSH)
                    return (result, outBuffer.count - Int(stream.avail_out))
                }
                if output.count + produced > limit { return Z_MEM_ERROR }
                output.append(contentsOf: chunk[0..<produced])
                if result == Z_STREAM_END { return Z_STREAM_END }
                if result != Z_OK { return result }
                if produced == 0 && stream.avail_in == 0 { return Z_BUF_ERROR }
            }
        }
        switch status {
        case Z_STREAM_END: return output
        case Z_MEM_ERROR: throw .invalidArchive(subject: subject, reason: "expands beyond \(limit) bytes")
        default: throw .invalidArchive(subject: subject, reason: "corrupt deflate data")
        }
    }

    private static func u16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        guard offset + 2 <= bytes.count else { return 0 }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    /// A little-endian 64-bit value, clamped to `Int.max` (-1 when out of range).
    private static func u64(_ bytes: [UInt8], _ offset: Int) -> Int {
        guard offset >= 0, offset + 8 <= bytes.count else { return -1 }
        var value: UInt64 = 0
        for index in (0..<8).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
        return value > UInt64(Int.max) ? -1 : Int(value)
    }

    private static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        guard offset + 4 <= bytes.count else { return 0 }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }
}

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
        let count = Int(Self.u16(bytes, eocd + 10))
        let directoryOffset = Int(Self.u32(bytes, eocd + 16))
        guard count != 0xffff, directoryOffset != 0xffff_ffff else {
            throw .invalidArchive(subject: subject, reason: "zip64 archives are not read")
        }
        guard count <= Self.maximumEntries else {
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
            entries.append(
                Entry(
                    name: name, method: Self.u16(bytes, cursor + 10),
                    compressedSize: Int(Self.u32(bytes, cursor + 20)),
                    uncompressedSize: Int(Self.u32(bytes, cursor + 24)),
                    localHeaderOffset: Int(Self.u32(bytes, cursor + 42))))
            cursor += 46 + nameLength + extraLength + commentLength
        }
        self.entries = entries
    }

    /// The entry's content; throws when it would inflate beyond `limit` bytes (zip bombs).
    func read(_ entry: Entry, limit: Int) throws(ScanError) -> [UInt8] {
        let header = entry.localHeaderOffset
        guard header + 30 <= bytes.count, Self.u32(bytes, header) == 0x0403_4b50 else {
            throw .invalidArchive(subject: "\(subject)!/\(entry.name)", reason: "corrupt local header")
        }
        let start = header + 30 + Int(Self.u16(bytes, header + 26)) + Int(Self.u16(bytes, header + 28))
        guard start + entry.compressedSize <= bytes.count else {
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

    private static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        guard offset + 4 <= bytes.count else { return 0 }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }
}

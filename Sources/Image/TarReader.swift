/// One member of a tar stream, after pax and GNU long-name records are applied.
public struct TarEntry: Sendable, Equatable {
    /// What the member is.
    public enum Kind: Sendable, Equatable {
        case regular
        case directory
        case symbolicLink
        case hardLink
        /// A GNU or pax sparse file: its data is a map of holes, never read as content.
        case sparse
        /// Devices, FIFOs and other members without readable content.
        case other
    }

    /// The member's name as stored (not yet normalised).
    public var name: String
    public var kind: Kind
    /// Bytes of data the member occupies in the archive.
    public var size: Int64
    /// The link target of a symbolic or hard link.
    public var linkName: String
    /// Permission bits.
    public var mode: UInt32
}

/// Reads a tar stream (ustar, pax, GNU long names) entry by entry without buffering member data.
final class TarReader {
    static let blockSize = 512
    /// Pax and GNU long-name records larger than this are refused.
    static let maximumMetadataSize = 1 << 20

    private let stream: any ByteStream
    private let subject: String
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var eof = false
    /// Bytes of the current member's data (plus padding) not yet consumed.
    private var remaining: Int64 = 0
    private var padding: Int64 = 0
    private var finished = false
    /// Bytes read from the underlying stream so far.
    private var consumed: Int64 = 0
    /// Offset in the stream of the current member's data.
    private(set) var dataOffset: Int64 = 0

    init(_ stream: any ByteStream, subject: String) {
        self.stream = stream
        self.subject = subject
        self.buffer = [UInt8](repeating: 0, count: 1 << 18)
    }

    /// The next member, or nil at the end of the archive.
    func next() throws(ImageError) -> TarEntry? {
        try skip(remaining + padding)
        remaining = 0
        padding = 0
        if finished { return nil }
        var longName: String?
        var longLink: String?
        var pax: [String: String] = [:]
        while true {
            guard let header = try readBlock() else {
                finished = true
                return nil
            }
            if header.allSatisfy({ $0 == 0 }) {
                finished = true
                return nil
            }
            try verifyChecksum(header[...])
            let size = try parseSize(header[...])
            let type = header[156]
            switch type {
            case UInt8(ascii: "L"), UInt8(ascii: "K"):
                let data = try readMetadata(size: size)
                let text = cString(data[...])
                if type == UInt8(ascii: "L") { longName = text } else { longLink = text }
                continue
            case UInt8(ascii: "x"):
                pax.merge(try parsePax(try readMetadata(size: size))) { _, new in new }
                continue
            case UInt8(ascii: "g"):
                _ = try readMetadata(size: size)
                continue
            default:
                break
            }
            var name = longName ?? headerName(header[...])
            var linkName = longLink ?? cString(header[157..<257])
            if let path = pax["path"] { name = path }
            if let path = pax["linkpath"] { linkName = path }
            var dataSize = size
            if let paxSize = pax["size"], let value = Int64(paxSize), value >= 0 { dataSize = value }
            let kind: TarEntry.Kind
            switch type {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                kind = pax["GNU.sparse.major"] != nil || pax["GNU.sparse.map"] != nil ? .sparse : .regular
            case UInt8(ascii: "1"): kind = .hardLink
            case UInt8(ascii: "2"): kind = .symbolicLink
            case UInt8(ascii: "5"): kind = .directory
            case UInt8(ascii: "S"): kind = .sparse
            default: kind = .other
            }
            // Links and directories carry no data whatever their size field says (ustar).
            if kind == .hardLink || kind == .symbolicLink || kind == .directory { dataSize = 0 }
            remaining = dataSize
            dataOffset = consumed - Int64(end - start)
            padding = (Int64(Self.blockSize) - dataSize % Int64(Self.blockSize)) % Int64(Self.blockSize)
            let mode = UInt32(parseOctal(header[100..<108]) ?? 0o644) & 0o7777
            return TarEntry(name: name, kind: kind, size: dataSize, linkName: linkName, mode: mode)
        }
    }

    /// Reads the current member's data, at most `limit` bytes (callers check `size` first).
    func readContent(limit: Int) throws(ImageError) -> [UInt8] {
        let count = Int(min(Int64(limit), remaining))
        var result = [UInt8]()
        result.reserveCapacity(count)
        while result.count < count {
            if start == end { try fill() }
            if start == end { throw .corruptTar(subject: subject, reason: "member data ends early") }
            let take = min(end - start, count - result.count)
            result.append(contentsOf: buffer[start..<(start + take)])
            start += take
        }
        remaining -= Int64(count)
        return result
    }

    /// Consumes the rest of the stream after the end-of-archive marker (some writers pad it).
    func finish() throws(ImageError) {
        start = end
        if !eof { try drain(stream) }
    }

    private func readBlock() throws(ImageError) -> [UInt8]? {
        while end - start < Self.blockSize {
            if eof { break }
            try fill()
        }
        if end - start == 0 { return nil }
        guard end - start >= Self.blockSize else {
            throw .corruptTar(subject: subject, reason: "archive ends inside a header block")
        }
        let block = Array(buffer[start..<(start + Self.blockSize)])
        start += Self.blockSize
        return block
    }

    private func fill() throws(ImageError) {
        if eof { return }
        if start > 0 {
            buffer.replaceSubrange(0..<(end - start), with: buffer[start..<end])
            end -= start
            start = 0
        }
        var failure: ImageError?
        let got = buffer.withUnsafeMutableBytes { raw -> Int in
            do throws(ImageError) {
                return try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[end...]))
            } catch {
                failure = error
                return 0
            }
        }
        if let failure { throw failure }
        if got == 0 { eof = true }
        end += got
        consumed += Int64(got)
    }

    private func skip(_ count: Int64) throws(ImageError) {
        var left = count
        while left > 0 {
            if start == end { try fill() }
            if start == end { throw .corruptTar(subject: subject, reason: "member data ends early") }
            let take = Int(min(Int64(end - start), left))
            start += take
            left -= Int64(take)
        }
    }

    private func readMetadata(size: Int64) throws(ImageError) -> [UInt8] {
        guard size <= Int64(Self.maximumMetadataSize) else {
            throw .corruptTar(subject: subject, reason: "extended header of \(size) bytes is too large")
        }
        remaining = size
        let data = try readContent(limit: Int(size))
        let pad = (Int64(Self.blockSize) - size % Int64(Self.blockSize)) % Int64(Self.blockSize)
        try skip(pad)
        remaining = 0
        return data
    }

    private func verifyChecksum(_ header: ArraySlice<UInt8>) throws(ImageError) {
        guard let stored = parseOctal(header[(header.startIndex + 148)..<(header.startIndex + 156)]) else {
            throw .corruptTar(subject: subject, reason: "header checksum is not a number")
        }
        var sum: Int64 = 0
        for (offset, byte) in header.enumerated() {
            sum += (offset >= 148 && offset < 156) ? 32 : Int64(byte)
        }
        guard sum == stored else {
            throw .corruptTar(subject: subject, reason: "header checksum mismatch")
        }
    }

    private func parseSize(_ header: ArraySlice<UInt8>) throws(ImageError) -> Int64 {
        let field = header[(header.startIndex + 124)..<(header.startIndex + 136)]
        if let first = field.first, first & 0x80 != 0 {
            // GNU base-256: big-endian two's complement in the remaining bytes.
            var value: Int64 = Int64(first & 0x7f)
            for byte in field.dropFirst() {
                guard value < (Int64.max >> 8) else {
                    throw .corruptTar(subject: subject, reason: "member size overflows")
                }
                value = (value << 8) | Int64(byte)
            }
            return value
        }
        guard let value = parseOctal(field), value >= 0 else {
            throw .corruptTar(subject: subject, reason: "member size is not a number")
        }
        return value
    }

    private func headerName(_ header: ArraySlice<UInt8>) -> String {
        let base = header.startIndex
        let name = cString(header[base..<(base + 100)])
        let magic = Array(header[(base + 257)..<(base + 263)])
        // POSIX ustar ("ustar\0") splits long names into prefix/name; GNU ("ustar ") does not.
        if magic == Array("ustar\u{0}".utf8) {
            let prefix = cString(header[(base + 345)..<(base + 500)])
            if !prefix.isEmpty { return prefix + "/" + name }
        }
        return name
    }

    private func parsePax(_ data: [UInt8]) throws(ImageError) -> [String: String] {
        var result: [String: String] = [:]
        var index = 0
        while index < data.count {
            guard let space = data[index...].firstIndex(of: UInt8(ascii: " ")),
                let length = Int(String(decoding: data[index..<space], as: UTF8.self)),
                length > space - index, index + length <= data.count
            else {
                throw .corruptTar(subject: subject, reason: "malformed pax extended header")
            }
            let record = data[(space + 1)..<(index + length - 1)]
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: record[record.startIndex..<equals], as: UTF8.self)
                result[key] = String(decoding: record[(equals + 1)...], as: UTF8.self)
            }
            index += length
        }
        return result
    }
}

private func cString(_ bytes: ArraySlice<UInt8>) -> String {
    let slice = bytes.firstIndex(of: 0).map { bytes[bytes.startIndex..<$0] } ?? bytes
    return String(decoding: slice, as: UTF8.self)
}

private func parseOctal(_ bytes: ArraySlice<UInt8>) -> Int64? {
    var value: Int64 = 0
    var seen = false
    for byte in bytes {
        if byte == 0 || byte == UInt8(ascii: " ") {
            if seen { break } else { continue }
        }
        guard byte >= 0x30 && byte <= 0x37, value < (Int64.max >> 3) else { return nil }
        value = value * 8 + Int64(byte - 0x30)
        seen = true
    }
    return seen ? value : (bytes.allSatisfy { $0 == 0 || $0 == 32 } ? 0 : nil)
}

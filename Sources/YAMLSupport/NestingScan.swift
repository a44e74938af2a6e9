import Foundation

/// A cheap scan for nesting too deep for a recursive reader, line by line: indentation plus leading
/// `- ` markers of block lines, and flow brackets outside quotes and comments. The text of block
/// scalars (`key: |`) is skipped: a ConfigMap's embedded file is not structure.
public enum NestingScan {
    public static func check<Failure: Error>(
        bytes: [UInt8], maximumDepth: Int, fail: (Int, String) -> Failure
    ) throws(Failure) {
        let count = bytes.count
        var line = 0
        var flow = 0
        var blockIndent: Int?
        var start = 0
        while start < count {
            line += 1
            var end = start
            while end < count, bytes[end] != 0x0A { end += 1 }
            defer { start = end + 1 }
            var spaces = 0
            while start + spaces < end, bytes[start + spaces] == 0x20 { spaces += 1 }
            let blank = start + spaces == end || bytes[start + spaces] == 0x0D
            if let open = blockIndent {
                if blank || spaces > open { continue }
                blockIndent = nil
            }
            if blank { continue }
            var index = start + spaces
            var depth = spaces
            while index + 1 < end, bytes[index] == 0x2D, bytes[index + 1] == 0x20 {
                index += 2
                depth += 2
                while index < end, bytes[index] == 0x20 {
                    index += 1
                    depth += 1
                }
            }
            // Two columns per level is the usual style; allow one-column indentation too.
            if depth > maximumDepth * 4 { throw fail(line, "nesting too deep (indentation of \(depth) columns)") }
            // A key at column 0, or a document marker, is block context again: no flow collection is open.
            if spaces == 0, isLetter(bytes[start]) || bytes[start] == 0x2D { flow = 0 }
            var quote: UInt8 = 0
            var previous: UInt8 = 0x20
            var last = -1
            while index < end {
                let byte = bytes[index]
                if quote != 0 {
                    if byte == quote { quote = 0 }
                } else {
                    switch byte {
                    case 0x22, 0x27:
                        if [0x20, 0x3A, 0x5B, 0x7B, 0x2C, 0x2D].contains(previous) { quote = byte }
                    case 0x23 where previous == 0x20:
                        index = end
                        continue
                    case 0x5B, 0x7B:
                        flow += 1
                        if flow > maximumDepth {
                            throw fail(line, "nesting too deep (more than \(maximumDepth) levels)")
                        }
                    case 0x5D, 0x7D:
                        flow = max(0, flow - 1)
                    default: break
                    }
                }
                if byte != 0x20, byte != 0x0D { last = index }
                previous = byte
                index += 1
            }
            // `key: |`, `- >-`, `key: |2+`: the lines below that are more indented are text.
            if quote == 0, last > start {
                var indicator = last
                while indicator > start,
                    bytes[indicator] == 0x2D || bytes[indicator] == 0x2B || (0x30...0x39).contains(bytes[indicator])
                {
                    indicator -= 1
                }
                if indicator > start, bytes[indicator] == 0x7C || bytes[indicator] == 0x3E, bytes[indicator - 1] == 0x20
                {
                    blockIndent = spaces
                }
            }
        }
    }

    static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
}

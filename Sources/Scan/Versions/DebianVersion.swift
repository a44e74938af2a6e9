/// Debian version order, as `dpkg --compare-versions` defines it (`[epoch:]upstream[-revision]`).
public enum DebianVersion {
    /// Compares two Debian versions; negative, zero or positive like `strcmp`.
    public static func compare(_ lhs: String, _ rhs: String) -> Int {
        let left = split(lhs)
        let right = split(rhs)
        if left.epoch != right.epoch { return left.epoch < right.epoch ? -1 : 1 }
        let upstream = compareParts(left.upstream, right.upstream)
        if upstream != 0 { return upstream }
        return compareParts(left.revision, right.revision)
    }

    static func split(_ version: String) -> (epoch: Int, upstream: [UInt8], revision: [UInt8]) {
        var bytes = Array(version.utf8)
        while let first = bytes.first, first == UInt8(ascii: " ") { bytes.removeFirst() }
        while let last = bytes.last, last == UInt8(ascii: " ") { bytes.removeLast() }
        var epoch = 0
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            var value = 0
            for byte in bytes[..<colon] where byte >= 0x30 && byte <= 0x39 {
                value = min(value * 10 + Int(byte - 0x30), Int(Int32.max))
            }
            epoch = value
            bytes = Array(bytes[(colon + 1)...])
        }
        if let dash = bytes.lastIndex(of: UInt8(ascii: "-")) {
            return (epoch, Array(bytes[..<dash]), Array(bytes[(dash + 1)...]))
        }
        return (epoch, bytes, [])
    }

    /// The weight of a character in a non-digit run: `~` first, then the end, letters, then the rest.
    private static func order(_ byte: UInt8?) -> Int {
        guard let byte else { return 0 }
        if byte == UInt8(ascii: "~") { return -1 }
        if isDigit(byte) { return 0 }
        if (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) { return Int(byte) }
        return Int(byte) + 256
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func compareParts(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            var difference = 0
            while (i < a.count && !isDigit(a[i])) || (j < b.count && !isDigit(b[j])) {
                let left = order(i < a.count ? a[i] : nil)
                let right = order(j < b.count ? b[j] : nil)
                if left != right { return left - right }
                i += 1
                j += 1
            }
            while i < a.count && a[i] == UInt8(ascii: "0") { i += 1 }
            while j < b.count && b[j] == UInt8(ascii: "0") { j += 1 }
            while i < a.count && isDigit(a[i]) && j < b.count && isDigit(b[j]) {
                if difference == 0 { difference = Int(a[i]) - Int(b[j]) }
                i += 1
                j += 1
            }
            if i < a.count && isDigit(a[i]) { return 1 }
            if j < b.count && isDigit(b[j]) { return -1 }
            if difference != 0 { return difference }
        }
        return 0
    }
}

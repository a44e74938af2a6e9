/// RPM version order (`rpmvercmp` over epoch, version and release).
public enum RPMVersion {
    /// Compares `[epoch:]version[-release]` strings; a missing epoch is 0.
    public static func compare(_ lhs: String, _ rhs: String) -> Int {
        let left = split(lhs)
        let right = split(rhs)
        if left.epoch != right.epoch { return left.epoch < right.epoch ? -1 : 1 }
        let version = vercmp(left.version, right.version)
        if version != 0 { return version }
        // A missing release matches any release (as rpm does when one side omits it).
        guard let leftRelease = left.release, let rightRelease = right.release else { return 0 }
        return vercmp(leftRelease, rightRelease)
    }

    static func split(_ text: String) -> (epoch: Int, version: String, release: String?) {
        var rest = Substring(text)
        var epoch = 0
        if let colon = rest.firstIndex(of: ":"), rest[..<colon].allSatisfy(\.isNumber) {
            epoch = Int(rest[..<colon].prefix(9)) ?? 0
            rest = rest[rest.index(after: colon)...]
        }
        if let dash = rest.firstIndex(of: "-") {
            return (epoch, String(rest[..<dash]), String(rest[rest.index(after: dash)...]))
        }
        return (epoch, String(rest), nil)
    }

    private static func isAlpha(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// rpm's segment comparison: alphanumeric segments, `~` before everything, `^` after the base only.
    public static func vercmp(_ lhs: String, _ rhs: String) -> Int {
        if lhs == rhs { return 0 }
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            while i < a.count && !isAlpha(a[i]) && !isDigit(a[i]) && a[i] != UInt8(ascii: "~")
                && a[i] != UInt8(ascii: "^")
            {
                i += 1
            }
            while j < b.count && !isAlpha(b[j]) && !isDigit(b[j]) && b[j] != UInt8(ascii: "~")
                && b[j] != UInt8(ascii: "^")
            {
                j += 1
            }
            let tildeA = i < a.count && a[i] == UInt8(ascii: "~")
            let tildeB = j < b.count && b[j] == UInt8(ascii: "~")
            if tildeA || tildeB {
                if !tildeA { return 1 }
                if !tildeB { return -1 }
                i += 1
                j += 1
                continue
            }
            let caretA = i < a.count && a[i] == UInt8(ascii: "^")
            let caretB = j < b.count && b[j] == UInt8(ascii: "^")
            if caretA || caretB {
                if i >= a.count { return -1 }
                if j >= b.count { return 1 }
                if !caretA { return 1 }
                if !caretB { return -1 }
                i += 1
                j += 1
                continue
            }
            if !(i < a.count && j < b.count) { break }
            let startA = i
            let startB = j
            let numeric = isDigit(a[i])
            if numeric {
                while i < a.count && isDigit(a[i]) { i += 1 }
                while j < b.count && isDigit(b[j]) { j += 1 }
            } else {
                while i < a.count && isAlpha(a[i]) { i += 1 }
                while j < b.count && isAlpha(b[j]) { j += 1 }
            }
            if startB == j { return numeric ? 1 : -1 }
            var segmentA = a[startA..<i]
            var segmentB = b[startB..<j]
            if numeric {
                while segmentA.first == UInt8(ascii: "0") { segmentA = segmentA.dropFirst() }
                while segmentB.first == UInt8(ascii: "0") { segmentB = segmentB.dropFirst() }
                if segmentA.count != segmentB.count { return segmentA.count > segmentB.count ? 1 : -1 }
            }
            if !segmentA.elementsEqual(segmentB) {
                return segmentA.lexicographicallyPrecedes(segmentB) ? -1 : 1
            }
        }
        if i >= a.count && j >= b.count { return 0 }
        return i >= a.count ? -1 : 1
    }
}

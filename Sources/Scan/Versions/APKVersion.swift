/// Alpine apk version order, following apk-tools' token rules.
///
/// Tokens: digit runs separated by `.`, one trailing letter, `_suffix[N]` where `alpha`, `beta`,
/// `pre` and `rc` sort before the release and `cvs`, `svn`, `git`, `hg`, `p` after it, then `-rN`.
/// A component made of leading zeros compares as a negative count of them.
public enum APKVersion {
    enum Token: Int, Comparable {
        case invalid = -1
        case digitOrZero = 0
        case digit
        case letter
        case suffix
        case suffixNumber
        case revisionNumber
        case end

        static func < (lhs: Token, rhs: Token) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    struct Cursor {
        let bytes: [UInt8]
        var position = 0
        var remaining: Int { bytes.count - position }
        var current: UInt8? { position < bytes.count ? bytes[position] : nil }
    }

    static let preSuffixes = ["alpha", "beta", "pre", "rc"].map { Array($0.utf8) }
    static let postSuffixes = ["cvs", "svn", "git", "hg", "p"].map { Array($0.utf8) }

    private static func isDigit(_ byte: UInt8?) -> Bool { byte.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
    private static func isLower(_ byte: UInt8?) -> Bool { byte.map { $0 >= 0x61 && $0 <= 0x7a } ?? false }

    static func nextToken(_ type: inout Token, _ cursor: inout Cursor) {
        var next = Token.invalid
        if cursor.remaining == 0 || cursor.current == 0 {
            next = .end
        } else if (type == .digit || type == .digitOrZero) && isLower(cursor.current) {
            next = .letter
        } else if type == .letter && isDigit(cursor.current) {
            next = .digit
        } else if type == .suffix && isDigit(cursor.current) {
            next = .suffixNumber
        } else {
            switch cursor.current {
            case UInt8(ascii: "."): next = .digitOrZero
            case UInt8(ascii: "_"): next = .suffix
            case UInt8(ascii: "-"):
                if cursor.remaining > 1 && cursor.bytes[cursor.position + 1] == UInt8(ascii: "r") {
                    next = .revisionNumber
                    cursor.position += 1
                }
            default: break
            }
            cursor.position += 1
        }
        if next < type {
            let allowed =
                (next == .digitOrZero && type == .digit) || (next == .suffix && type == .suffixNumber)
                || (next == .digit && type == .letter)
            if !allowed { next = .invalid }
        }
        type = next
    }

    static func getToken(_ type: inout Token, _ cursor: inout Cursor) -> Int {
        var value = 0
        var length = 0
        var nextType = Token.invalid
        guard cursor.remaining > 0 else {
            type = .end
            return 0
        }
        let rest = cursor.bytes[cursor.position...]
        func digits() {
            while length < rest.count && isDigit(rest[rest.startIndex + length]) {
                value = min(value &* 10 &+ Int(rest[rest.startIndex + length] - 0x30), Int(Int32.max))
                length += 1
            }
        }
        switch type {
        case .digitOrZero where rest.first == UInt8(ascii: "0"):
            while length < rest.count && rest[rest.startIndex + length] == UInt8(ascii: "0") { length += 1 }
            nextType = .digit
            value = -length
        case .digitOrZero, .digit, .suffixNumber, .revisionNumber:
            digits()
        case .letter:
            value = Int(rest[rest.startIndex])
            length = 1
        case .suffix:
            if let index = preSuffixes.firstIndex(where: { rest.starts(with: $0) }) {
                value = index - preSuffixes.count
                length = preSuffixes[index].count
            } else if let index = postSuffixes.firstIndex(where: { rest.starts(with: $0) }) {
                value = index
                length = postSuffixes[index].count
            } else {
                type = .invalid
                return -1
            }
        default:
            type = .invalid
            return -1
        }
        cursor.position += length
        if cursor.remaining == 0 {
            type = .end
        } else if nextType != .invalid {
            type = nextType
        } else {
            nextToken(&type, &cursor)
        }
        return value
    }

    public static func compare(_ lhs: String, _ rhs: String) -> Int {
        var a = Cursor(bytes: Array(lhs.utf8))
        var b = Cursor(bytes: Array(rhs.utf8))
        var aType = Token.digit
        var bType = Token.digit
        var aValue = 0
        var bValue = 0
        while aType == bType && aType != .end && aType != .invalid && aValue == bValue {
            aValue = getToken(&aType, &a)
            bValue = getToken(&bType, &b)
        }
        if aValue < bValue { return -1 }
        if aValue > bValue { return 1 }
        if aType == bType { return 0 }
        var probe = aType
        if aType == .suffix, getToken(&probe, &a) < 0 { return -1 }
        probe = bType
        if bType == .suffix, getToken(&probe, &b) < 0 { return 1 }
        if aType > bType { return -1 }
        if bType > aType { return 1 }
        return 0
    }
}

extension APKVersion {
    /// Whether apk-tools accepts `version` (every token valid up to the end).
    public static func isValid(_ version: String) -> Bool {
        var cursor = Cursor(bytes: Array(version.utf8))
        var type = Token.digit
        while type != .end && type != .invalid { _ = getToken(&type, &cursor) }
        return type == .end
    }
}

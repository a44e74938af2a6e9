// Reading of exec-form arguments exactly as Go's encoding/json reads them into `[]any`.

enum JSONArrayResult {
    /// A valid array whose elements are all strings.
    case strings([String])
    /// A valid JSON value that is not an array of strings only (BuildKit rejects the instruction).
    case notStringArray
    /// Not valid JSON (BuildKit falls back to shell form).
    case syntaxError
}

/// Go encoding/json semantics for a top-level array: the whole input must be one value followed
/// only by whitespace (`json.Unmarshal`), or, with `stopAfterValue`, anything may follow the first
/// value (`json.NewDecoder(...).Decode`, as BuildKit used before v0.15).
struct GoJSONReader {
    private let bytes: [UInt8]
    private var index = 0
    private static let maxDepth = 10_000

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = Array(bytes)
    }

    static func readStringArray(_ input: ArraySlice<UInt8>, stopAfterValue: Bool) -> JSONArrayResult {
        var reader = GoJSONReader(input)
        return reader.readTopLevelArray(stopAfterValue: stopAfterValue)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func readTopLevelArray(stopAfterValue: Bool) -> JSONArrayResult {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else { return .syntaxError }
        index += 1
        var strings: [String] = []
        var allStrings = true
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                guard index < bytes.count else { return .syntaxError }
                if bytes[index] == UInt8(ascii: "\"") {
                    guard let string = readString() else { return .syntaxError }
                    strings.append(string)
                } else {
                    guard skipValue() else { return .syntaxError }
                    allStrings = false
                }
                skipWhitespace()
                guard index < bytes.count else { return .syntaxError }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    break
                }
                return .syntaxError
            }
        }
        if !stopAfterValue {
            skipWhitespace()
            if index != bytes.count { return .syntaxError }
        }
        return allStrings ? .strings(strings) : .notStringArray
    }

    /// Validates any JSON value without recursion, with Go's nesting limit.
    private mutating func skipValue() -> Bool {
        // Each entry: true for an object, false for an array.
        var stack: [Bool] = []
        while true {
            skipWhitespace()
            guard index < bytes.count else { return false }
            let byte = bytes[index]
            var closedScalar = true
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if stack.count + 2 > Self.maxDepth { return false }
                let isObject = byte == UInt8(ascii: "{")
                index += 1
                skipWhitespace()
                let closer = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if index < bytes.count, bytes[index] == closer {
                    index += 1
                } else {
                    stack.append(isObject)
                    if isObject, !readObjectKey() { return false }
                    closedScalar = false
                }
            case UInt8(ascii: "\""):
                guard readString() != nil else { return false }
            case UInt8(ascii: "t"):
                guard readLiteral("true") else { return false }
            case UInt8(ascii: "f"):
                guard readLiteral("false") else { return false }
            case UInt8(ascii: "n"):
                guard readLiteral("null") else { return false }
            default:
                guard readNumber() else { return false }
            }
            if !closedScalar { continue }
            // After a complete value: close containers or move to the next element.
            while true {
                guard let isObject = stack.last else { return true }
                skipWhitespace()
                guard index < bytes.count else { return false }
                let next = bytes[index]
                if next == UInt8(ascii: ",") {
                    index += 1
                    if isObject, !readObjectKey() { return false }
                    break
                }
                if next == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    index += 1
                    stack.removeLast()
                    continue
                }
                return false
            }
        }
    }

    private mutating func readObjectKey() -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), readString() != nil else {
            return false
        }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
        index += 1
        return true
    }

    private mutating func readLiteral(_ literal: String) -> Bool {
        let expected = Array(literal.utf8)
        guard index + expected.count <= bytes.count else { return false }
        for offset in 0..<expected.count where bytes[index + offset] != expected[offset] {
            return false
        }
        index += expected.count
        return true
    }

    private mutating func readNumber() -> Bool {
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { return false }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if isDigit(bytes[index]) {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        } else {
            return false
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { return false }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { return false }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        return true
    }

    private func hex4(at position: Int) -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let b = bytes[position + offset]
            let digit: UInt32
            switch b {
            case 0x30...0x39: digit = UInt32(b - 0x30)
            case 0x41...0x46: digit = UInt32(b - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(b - 0x61 + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    /// Reads a string at `index` (which holds the opening quote), decoding escapes as Go does:
    /// lone surrogates and invalid UTF-8 become U+FFFD.
    private mutating func readString() -> String? {
        index += 1
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flush(_ end: Int) {
            if end > runStart {
                scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars)
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                flush(index)
                index += 1
                return String(scalars)
            }
            if byte < 0x20 { return nil }
            if byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            flush(index)
            guard index + 1 < bytes.count else { return nil }
            let escape = bytes[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                guard let unit = hex4(at: index) else { return nil }
                index += 4
                if (0xD800...0xDFFF).contains(unit) {
                    if unit < 0xDC00, index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u"), let low = hex4(at: index + 2),
                        (0xDC00...0xDFFF).contains(low)
                    {
                        let value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        scalars.append(Unicode.Scalar(value)!)
                        index += 6
                    } else {
                        scalars.append("\u{FFFD}")
                    }
                } else {
                    scalars.append(Unicode.Scalar(unit)!)
                }
            default:
                return nil
            }
            runStart = index
        }
        return nil
    }
}

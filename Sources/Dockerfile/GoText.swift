// Text primitives that behave exactly like the Go standard library functions BuildKit's parser
// uses (unicode.IsSpace, strings.TrimSpace, strconv.Quote, regexp.Split on [\t\v\f\r ]+), so the
// parser reads what BuildKit reads. Byte-level helpers work on UTF-8 code units.

/// Go's `unicode.IsSpace` for a Unicode scalar.
@inline(__always)
func goIsSpace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F,
        0x3000:
        return true
    default:
        return false
    }
}

/// Go's `unicode.IsSpace(rune(b))` applied to a single byte, as BuildKit does when it walks a
/// string byte by byte (flags, HEALTHCHECK type). Bytes 0x85 and 0xA0 count as spaces there.
@inline(__always)
func goIsSpaceByte(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x09...0x0D, 0x20, 0x85, 0xA0: return true
    default: return false
    }
}

/// A member of the regular expression class `[\t\v\f\r ]`.
@inline(__always)
func isRegexWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0B || byte == 0x0C || byte == 0x0D
}

/// A member of Go regexp's `\s`: `[\t\n\f\r ]`.
@inline(__always)
func isPerlSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
}

/// The length in bytes of the space rune starting at `index`, or nil when none starts there.
@inline(__always)
func spaceRuneLength(_ bytes: ArraySlice<UInt8>, at index: Int) -> Int? {
    let b0 = bytes[index]
    if b0 < 0x80 {
        return (b0 >= 0x09 && b0 <= 0x0D) || b0 == 0x20 ? 1 : nil
    }
    let end = bytes.endIndex
    if b0 == 0xC2, index + 1 < end {
        let b1 = bytes[index + 1]
        return b1 == 0x85 || b1 == 0xA0 ? 2 : nil
    }
    if b0 == 0xE1 || b0 == 0xE2 || b0 == 0xE3, index + 2 < end {
        let b1 = bytes[index + 1]
        let b2 = bytes[index + 2]
        let value = (UInt32(b0 & 0x0F) << 12) | (UInt32(b1 & 0x3F) << 6) | UInt32(b2 & 0x3F)
        guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80, let scalar = Unicode.Scalar(value) else {
            return nil
        }
        return goIsSpace(scalar) ? 3 : nil
    }
    return nil
}

/// The length of the space rune that ends just before `end`, or nil.
@inline(__always)
func spaceRuneLength(_ bytes: ArraySlice<UInt8>, endingAt end: Int) -> Int? {
    let start = bytes.startIndex
    guard end > start else { return nil }
    let last = bytes[end - 1]
    if last < 0x80 {
        return (last >= 0x09 && last <= 0x0D) || last == 0x20 ? 1 : nil
    }
    if end - 2 >= start, bytes[end - 2] == 0xC2, last == 0x85 || last == 0xA0 { return 2 }
    if end - 3 >= start, spaceRuneLength(bytes, at: end - 3) == 3 { return 3 }
    return nil
}

/// Go's `bytes.TrimLeftFunc(b, unicode.IsSpace)`.
func trimLeadingSpace(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    var index = bytes.startIndex
    while index < bytes.endIndex, let length = spaceRuneLength(bytes, at: index) {
        index += length
    }
    return bytes[index...]
}

/// Go's `strings.TrimSpace`.
func trimSpace(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    let left = trimLeadingSpace(bytes)
    var end = left.endIndex
    while end > left.startIndex, let length = spaceRuneLength(left, endingAt: end) {
        end -= length
    }
    return left[left.startIndex..<end]
}

/// Go's `bytes.TrimRight(b, "\r\n")`.
func trimNewline(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    var end = bytes.endIndex
    while end > bytes.startIndex, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D {
        end -= 1
    }
    return bytes[bytes.startIndex..<end]
}

/// Go's `regexp.MustCompile("[\t\v\f\r ]+").Split(s, n)`, for `n == 2` or `n < 0`, quirks included
/// (leading or trailing whitespace yields an empty piece).
func splitOnWhitespace(_ bytes: ArraySlice<UInt8>, limit: Int) -> [ArraySlice<UInt8>] {
    if bytes.isEmpty { return [bytes] }
    var parts: [ArraySlice<UInt8>] = []
    var begin = bytes.startIndex
    var lastMatchStart = bytes.startIndex
    var index = bytes.startIndex
    while index < bytes.endIndex {
        if isRegexWhitespace(bytes[index]) {
            if limit > 0, parts.count == limit - 1 { break }
            let matchStart = index
            while index < bytes.endIndex, isRegexWhitespace(bytes[index]) { index += 1 }
            lastMatchStart = matchStart
            parts.append(bytes[begin..<matchStart])
            begin = index
        } else {
            index += 1
        }
    }
    if lastMatchStart != bytes.endIndex {
        parts.append(bytes[begin...])
    }
    return parts
}

/// Bytes to a Swift string, replacing invalid UTF-8 as Go's conversions to text do.
@inline(__always)
func text(_ bytes: ArraySlice<UInt8>) -> String {
    String(decoding: bytes, as: UTF8.self)
}

/// Go's `strconv.Quote`: a double-quoted Go string literal.
public func goQuote(_ string: String) -> String {
    var out = "\""
    out.reserveCapacity(string.utf8.count + 2)
    for scalar in string.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\u{07}": out += "\\a"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{0B}": out += "\\v"
        default:
            if goIsPrint(scalar) {
                out.unicodeScalars.append(scalar)
            } else if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\x" + hex(scalar.value, width: 2)
            } else if scalar.value == 0xFFFD {
                out.unicodeScalars.append(scalar)
            } else if scalar.value < 0x10000 {
                out += "\\u" + hex(scalar.value, width: 4)
            } else {
                out += "\\U" + hex(scalar.value, width: 8)
            }
        }
    }
    out += "\""
    return out
}

private func hex(_ value: UInt32, width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
func goIsPrint(_ scalar: Unicode.Scalar) -> Bool {
    if scalar.value < 0x80 {
        return scalar.value >= 0x20 && scalar.value < 0x7F
    }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
        .nonspacingMark, .spacingMark, .enclosingMark,
        .decimalNumber, .letterNumber, .otherNumber,
        .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
        .initialPunctuation, .finalPunctuation, .otherPunctuation,
        .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
        return true
    default:
        return false
    }
}

/// Go's `strings.ToLower`: simple, per-rune case mapping.
func goLower(_ string: String) -> String {
    if string.utf8.allSatisfy({ $0 < 0x80 }) { return string.lowercased() }
    var out = String.UnicodeScalarView()
    for scalar in string.unicodeScalars {
        if scalar.value == 0x130 {
            out.append("i")
            continue
        }
        let mapped = scalar.properties.lowercaseMapping.unicodeScalars
        if mapped.count == 1, let first = mapped.first {
            out.append(first)
        } else {
            out.append(scalar)
        }
    }
    return String(out)
}

/// Go's `strings.ToUpper`: simple, per-rune case mapping.
func goUpper(_ string: String) -> String {
    if string.utf8.allSatisfy({ $0 < 0x80 }) { return string.uppercased() }
    var out = String.UnicodeScalarView()
    for scalar in string.unicodeScalars {
        let mapped = scalar.properties.uppercaseMapping.unicodeScalars
        if mapped.count == 1, let first = mapped.first {
            out.append(first)
        } else {
            out.append(scalar)
        }
    }
    return String(out)
}

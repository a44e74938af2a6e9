/// A minimal, fast JSON writer that keeps keys in the order written.
///
/// Output is compact; strings are escaped per RFC 8259 (control characters as `\uXXXX`), and so
/// are U+2028, U+2029 and U+FEFF, which some readers mistake for line ends or a byte-order mark.
public struct JSONWriter: Sendable {
    public private(set) var output = ""

    public init() {
        output.reserveCapacity(4096)
    }

    public mutating func raw(_ text: String) { output += text }

    public mutating func string(_ value: String) { Self.appendQuoted(value, to: &output) }

    public mutating func stringOrNull(_ value: String?) {
        if let value { string(value) } else { output += "null" }
    }

    public mutating func bool(_ value: Bool) { output += value ? "true" : "false" }

    public mutating func number<T: BinaryInteger>(_ value: T) { output += String(value) }

    public mutating func array<S: Sequence>(_ values: S, _ element: (inout JSONWriter, S.Element) -> Void) {
        output += "["
        var first = true
        for value in values {
            if !first { output += "," }
            first = false
            element(&self, value)
        }
        output += "]"
    }

    public mutating func stringArray(_ values: [String]) {
        array(values) { writer, value in writer.string(value) }
    }

    /// Writes `"key":` (a comma first unless `first`).
    public mutating func key(_ name: String, first: Bool = false) {
        if !first { output += "," }
        Self.appendQuoted(name, to: &output)
        output += ":"
    }

    public static func appendQuoted(_ value: String, to output: inout String) {
        output += "\""
        var needsEscape = false
        for byte in value.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0xE2 || byte == 0xEF {
            needsEscape = true
            break
        }
        if !needsEscape {
            output += value
            output += "\""
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0xFEFF {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}

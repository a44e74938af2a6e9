/// Builds package URLs as the purl specification writes them.
public enum PackageURL {
    /// `pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS`, with each part percent-encoded and qualifiers sorted.
    public static func make(
        type: String, namespace: String? = nil, name: String, version: String?, qualifiers: [String: String] = [:]
    ) -> String {
        var result = "pkg:" + type.lowercased() + "/"
        if let namespace, !namespace.isEmpty {
            result += namespace.split(separator: "/").map { encode(String($0)) }.joined(separator: "/") + "/"
        }
        result += encode(name)
        if let version, !version.isEmpty { result += "@" + encode(version) }
        let present = qualifiers.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }
        if !present.isEmpty {
            result += "?" + present.map { "\($0.key.lowercased())=\(encode($0.value))" }.joined(separator: "&")
        }
        return result
    }

    /// Percent-encodes everything but the unreserved characters (and `:`, which the spec leaves as is).
    static func encode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: ":"):
                result.append(Character(UnicodeScalar(byte)))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

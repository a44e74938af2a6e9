import Foundation

/// Text that a template engine fills in before it is a Dockerfile or a value: Go templates, Helm,
/// Jinja, ERB, docker-library's `jq` templates (`{{ ... }}`, `{% ... %}`, `<%= ... %>`), and
/// `%%NAME%%` placeholders that `sed` replaces. A template expression is unresolvable: rules stay
/// silent on it, as on a variable without a value.
public enum TemplateText {
    /// True when `text` holds a template expression or directive.
    public static func isTemplate(_ text: Substring) -> Bool {
        // `{{`, `}}`, `{%`, `%}`, `<%`, `%>` in one pass over the bytes.
        var previous: UInt8 = 0
        var percentPairs = 0
        for byte in text.utf8 {
            switch (previous, byte) {
            case (UInt8(ascii: "{"), UInt8(ascii: "{")), (UInt8(ascii: "}"), UInt8(ascii: "}")),
                (UInt8(ascii: "{"), UInt8(ascii: "%")), (UInt8(ascii: "%"), UInt8(ascii: "}")),
                (UInt8(ascii: "<"), UInt8(ascii: "%")), (UInt8(ascii: "%"), UInt8(ascii: ">")):
                return true
            case (UInt8(ascii: "%"), UInt8(ascii: "%")):
                percentPairs += 1
            default:
                break
            }
            previous = byte
        }
        guard percentPairs >= 2, let open = text.range(of: "%%") else { return false }
        // `%%VERSION%%`: a name in double percent signs.
        let rest = text[open.upperBound...]
        guard let close = rest.range(of: "%%") else { return false }
        let name = rest[..<close.lowerBound]
        return !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
    }

    public static func isTemplate(_ text: String) -> Bool { isTemplate(text[...]) }

    /// True when a Dockerfile's text is a template rather than a Dockerfile: a line that starts
    /// with a template directive (`{{ ... }}`, `{% ... %}`), which no Dockerfile instruction does,
    /// or a FROM whose image is a template expression. Scans at most the first 64 KiB.
    public static func isDockerfileTemplate(_ text: Substring) -> Bool {
        for line in text.prefix(64 << 10).split(separator: "\n") {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            // Only a line starting with `{` or with `f`/`F` can decide; the rest are passed over
            // without building their keyword (this runs on every discovered Dockerfile).
            guard let first = trimmed.utf8.first,
                first == UInt8(ascii: "{") || first == UInt8(ascii: "f") || first == UInt8(ascii: "F")
            else { continue }
            if trimmed.hasPrefix("{{") || trimmed.hasPrefix("{%") { return true }
            let keyword = trimmed.prefix { !$0.isWhitespace }
            if keyword.uppercased() == "FROM", isTemplate(trimmed.dropFirst(keyword.count)) { return true }
        }
        return false
    }
}

/// A piece of text that is either literal or a chart value: the same tree renders plain
/// manifests (values filled in) and Helm templates (`{{ .Values.path }}`), so the two always agree.
public enum TextPart: Sendable, Hashable {
    case literal(String)
    /// A value from values.yaml at `path` (dot separated), with its default.
    case value(String, Scalar)
    /// A template expression and what it renders to with the default values.
    case expression(String, String)
}

/// A YAML scalar.
public enum Scalar: Sendable, Hashable {
    case string(String)
    case int(Int)
    case bool(Bool)

    var text: String {
        switch self {
        case .string(let value): value
        case .int(let value): String(value)
        case .bool(let value): value ? "true" : "false"
        }
    }
}

/// A YAML document tree with ordered keys.
public indirect enum YAMLNode: Sendable {
    case map([(String, YAMLNode)])
    case list([YAMLNode])
    case scalar(Scalar)
    /// A string built from parts (always quoted).
    case text([TextPart])
    /// A chart value rendered unquoted (numbers, booleans).
    case value(String, Scalar)
    /// A multi-line literal block (`|`), built from parts.
    case block([TextPart])
    /// A map entry's value with comment lines (`#`) written above its key.
    case commented(String, YAMLNode)

    public static func string(_ value: String) -> YAMLNode { .scalar(.string(value)) }
    public static func int(_ value: Int) -> YAMLNode { .scalar(.int(value)) }
    public static func bool(_ value: Bool) -> YAMLNode { .scalar(.bool(value)) }
}

/// How to emit a tree.
public enum YAMLMode: Sendable {
    /// Plain YAML with every value filled in.
    case manifest
    /// A Helm template: values become `{{ .Values.path }}`.
    case template
}

enum YAMLEmitter {
    static func emit(_ node: YAMLNode, mode: YAMLMode) -> String {
        var out = ""
        write(node, indent: 0, mode: mode, into: &out, inList: false)
        return out
    }

    static func render(_ parts: [TextPart], mode: YAMLMode) -> String {
        parts.map { part -> String in
            switch part {
            case .literal(let text): return text
            case .value(let path, let value):
                return mode == .manifest ? value.text : "{{ .Values.\(path) }}"
            case .expression(let template, let rendered):
                return mode == .manifest ? rendered : template
            }
        }.joined()
    }

    /// A YAML double-quoted string.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A plain scalar when YAML reads it back as the same string, else quoted.
    static func plain(_ text: String) -> String {
        let reserved: Set<String> = ["true", "false", "yes", "no", "on", "off", "null", "~", "y", "n", ""]
        let lower = text.lowercased()
        let numeric = Double(text) != nil || Int(text) != nil || text.hasPrefix("0x") || text.hasPrefix("0o")
        let special = text.first.map { "-?:,[]{}#&*!|>'\"%@`".contains($0) || $0 == " " } ?? true
        let risky =
            text.contains(": ") || text.contains(" #") || text.hasSuffix(":") || text.hasSuffix(" ")
            || text.contains("\n") || text.contains("{{")
        if reserved.contains(lower) || numeric || special || risky { return quoted(text) }
        return text
    }

    static func scalarText(_ scalar: Scalar) -> String {
        switch scalar {
        case .string(let value): plain(value)
        case .int(let value): String(value)
        case .bool(let value): value ? "true" : "false"
        }
    }

    static func inline(_ node: YAMLNode, mode: YAMLMode) -> String? {
        switch node {
        case .scalar(let scalar): return scalarText(scalar)
        case .text(let parts):
            let rendered = render(parts, mode: mode)
            return mode == .template && rendered.contains("{{")
                ? "\"" + rendered.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : quoted(rendered)
        case .value(let path, let value):
            return mode == .manifest ? scalarText(value) : "{{ .Values.\(path) }}"
        case .map(let entries) where entries.isEmpty: return "{}"
        case .list(let items) where items.isEmpty: return "[]"
        default: return nil
        }
    }

    static func write(_ node: YAMLNode, indent: Int, mode: YAMLMode, into out: inout String, inList: Bool) {
        let pad = String(repeating: " ", count: indent)
        switch node {
        case .map(let entries):
            for (index, (key, entry)) in entries.enumerated() {
                var prefix = (inList && index == 0) ? "" : pad
                var value = entry
                if case .commented(let comment, let inner) = entry {
                    for line in comment.split(separator: "\n", omittingEmptySubsequences: false) {
                        out += line.isEmpty ? "\(prefix)#\n" : "\(prefix)# \(line)\n"
                        prefix = pad
                    }
                    value = inner
                }
                if let text = inline(value, mode: mode) {
                    out += "\(prefix)\(plain(key)): \(text)\n"
                } else if case .block(let parts) = value {
                    out += "\(prefix)\(plain(key)): |\n"
                    let body = render(parts, mode: mode)
                    for line in body.split(separator: "\n", omittingEmptySubsequences: false).dropLast(
                        body.hasSuffix("\n") ? 1 : 0)
                    {
                        out += line.isEmpty ? "\n" : "\(pad)  \(line)\n"
                    }
                } else if case .list = value {
                    out += "\(prefix)\(plain(key)):\n"
                    write(value, indent: indent, mode: mode, into: &out, inList: false)
                } else {
                    out += "\(prefix)\(plain(key)):\n"
                    write(value, indent: indent + 2, mode: mode, into: &out, inList: false)
                }
            }
        case .list(let items):
            for item in items {
                if let text = inline(item, mode: mode) {
                    out += "\(pad)- \(text)\n"
                } else {
                    out += "\(pad)- "
                    write(item, indent: indent + 2, mode: mode, into: &out, inList: true)
                }
            }
        default:
            if let text = inline(node, mode: mode) { out += pad + text + "\n" }
        }
    }

    /// Every chart value used in `node`, with its default.
    static func values(in node: YAMLNode, into values: inout [(String, Scalar)]) {
        func collect(_ parts: [TextPart]) {
            for part in parts { if case .value(let path, let value) = part { values.append((path, value)) } }
        }
        switch node {
        case .map(let entries): for (_, value) in entries { self.values(in: value, into: &values) }
        case .list(let items): for item in items { self.values(in: item, into: &values) }
        case .text(let parts), .block(let parts): collect(parts)
        case .value(let path, let value): values.append((path, value))
        case .commented(_, let inner): self.values(in: inner, into: &values)
        case .scalar: break
        }
    }
}

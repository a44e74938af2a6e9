/// One heredoc attached to an instruction (`RUN <<EOF ... EOF`).
public struct Heredoc: Sendable, Hashable, Codable {
    /// The delimiter word, quotes removed.
    public var name: String
    /// The file descriptor written before `<<` (`3<<EOF`), 0 when none.
    public var fileDescriptor: UInt64
    /// False when any part of the delimiter is quoted: the content is then not expanded.
    public var expand: Bool
    /// True for `<<-`: leading tabs are stripped from content lines when the heredoc is used.
    public var chomp: Bool
    /// The raw content, every line with its newline, leading tabs kept.
    public var content: String

    public init(name: String, fileDescriptor: UInt64, expand: Bool, chomp: Bool, content: String) {
        self.name = name
        self.fileDescriptor = fileDescriptor
        self.expand = expand
        self.chomp = chomp
        self.content = content
    }

    /// The content as BuildKit uses it: with leading tabs removed from each line for `<<-`.
    public var effectiveContent: String {
        guard chomp else { return content }
        var out = ""
        out.reserveCapacity(content.utf8.count)
        var atLineStart = true
        for scalar in content.unicodeScalars {
            if atLineStart, scalar == "\t" { continue }
            atLineStart = scalar == "\n"
            out.unicodeScalars.append(scalar)
        }
        return out
    }
}

/// A node of BuildKit's parse tree, kept in BuildKit's own shape so that the dump and the
/// field-by-field view match BuildKit's exactly.
///
/// An instruction node holds the keyword in `value`, its flags, and the argument chain in `next`.
/// A chain node holds one argument in `value`, or, for ONBUILD, the inner instruction in `children`.
public struct Node: Sendable, Hashable {
    public var value: String
    public var next: [Node]
    public var children: [Node]
    public var heredocs: [Heredoc]
    public var isJSON: Bool
    public var original: String
    public var flags: [String]
    public var startLine: Int
    public var endLine: Int

    public init(
        value: String = "", next: [Node] = [], children: [Node] = [], heredocs: [Heredoc] = [],
        isJSON: Bool = false, original: String = "", flags: [String] = [], startLine: Int = 0,
        endLine: Int = 0
    ) {
        self.value = value
        self.next = next
        self.children = children
        self.heredocs = heredocs
        self.isJSON = isJSON
        self.original = original
        self.flags = flags
        self.startLine = startLine
        self.endLine = endLine
    }

    /// BuildKit's `Node.Dump()`: an S-expression per instruction, as in the parser's `result` files.
    public func dump() -> String {
        var out = goLower(value)
        if !flags.isEmpty {
            out += " [" + flags.map(goQuote).joined(separator: " ") + "]"
        }
        for child in children {
            out += "(" + child.dump() + ")\n"
        }
        for node in next {
            out += " "
            if !node.children.isEmpty {
                out += node.dump()
            } else {
                out += goQuote(node.value)
            }
        }
        return text(trimSpace(ArraySlice(out.utf8)))
    }
}

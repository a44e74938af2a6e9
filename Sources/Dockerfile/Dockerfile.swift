import BerthCore

/// One Dockerfile instruction with its exact position, in a form rules can use.
public struct Instruction: Sendable, Hashable {
    /// The keyword in upper case (`FROM`, `RUN`, ...); as written when it is not a known keyword.
    public var keyword: String
    /// The keyword exactly as written.
    public var writtenKeyword: String
    /// Flags as written, e.g. `--from=build`.
    public var flags: [String]
    /// Arguments as BuildKit returns them (for ENV and LABEL: key, value, key, value, ...).
    public var arguments: [String]
    /// True for exec (JSON array) form.
    public var isJSON: Bool
    /// Heredocs this instruction opens, in order.
    public var heredocs: [Heredoc]
    /// The instruction's logical line: continuation lines joined, comments and escapes removed.
    public var original: String
    /// First physical line, 1-based.
    public var startLine: Int
    /// Last physical line, 1-based, heredoc bodies included.
    public var endLine: Int
    /// 1-based column of the keyword on `startLine`.
    public var column: Int
    /// ONBUILD's inner instruction.
    public var trigger: [Instruction]
    /// BuildKit's node for this instruction.
    public var node: Node

    /// ONBUILD's inner instruction, when there is one.
    public var onbuildTrigger: Instruction? { trigger.first }

    /// For ENV and LABEL: the key/value pairs.
    public var keyValuePairs: [(key: String, value: String)] {
        stride(from: 0, to: arguments.count - 1, by: 2).map { (arguments[$0], arguments[$0 + 1]) }
    }

    /// The value of flag `--name` (`--name=value`, or `""` for a bare `--name`), or nil.
    public func flag(_ name: String) -> String? {
        let prefix = "--" + name
        for flag in flags {
            if flag == prefix { return "" }
            if flag.hasPrefix(prefix + "=") { return String(flag.dropFirst(prefix.count + 1)) }
        }
        return nil
    }

    init(node: Node, column: Int) {
        self.node = node
        self.writtenKeyword = node.value
        self.keyword = goUpper(node.value)
        self.flags = node.flags
        self.startLine = node.startLine
        self.endLine = node.endLine
        self.column = column
        self.heredocs = node.heredocs
        var body = node
        if let first = node.next.first, let inner = first.children.first {
            var innerInstruction = Instruction(node: inner, column: column)
            innerInstruction.startLine = node.startLine
            innerInstruction.endLine = node.endLine
            innerInstruction.heredocs = node.heredocs
            self.trigger = [innerInstruction]
            body = inner
        } else {
            self.trigger = []
        }
        self.isJSON = body.isJSON
        let keyword = goLower(body.value)
        if keyword == "env" || keyword == "label" {
            var values: [String] = []
            values.reserveCapacity(body.next.count * 2 / 3)
            for (index, argument) in body.next.enumerated() where index % 3 != 2 {
                values.append(argument.value)
            }
            self.arguments = values
        } else {
            self.arguments = body.next.map(\.value)
        }
        var original = node.original
        if !node.heredocs.isEmpty {
            original += "\n"
            for heredoc in node.heredocs {
                original += heredoc.content + heredoc.name + "\n"
            }
        }
        self.original = original
    }
}

/// A parsed Dockerfile: BuildKit's tree plus the instruction view rules use.
public struct ParsedDockerfile: Sendable {
    /// The file as named by the caller.
    public var file: String
    /// BuildKit's instruction nodes, in order.
    public var nodes: [Node]
    /// Parser directives from the top of the file.
    public var directives: [ParserDirective]
    /// The escape character in force.
    public var escapeToken: Unicode.Scalar
    /// The instructions, in order.
    public var instructions: [Instruction]

    init(file: String, nodes: [Node], directives: [ParserDirective], escapeToken: Unicode.Scalar, columns: [Int]) {
        self.file = file
        self.nodes = nodes
        self.directives = directives
        self.escapeToken = escapeToken
        self.instructions = zip(nodes, columns).map { Instruction(node: $0, column: $1) }
    }

    /// BuildKit's AST dump, as in the parser's `result` files.
    public func buildKitDump() -> String {
        var out = ""
        for node in nodes {
            out += "(" + node.dump() + ")\n"
        }
        return text(trimSpace(ArraySlice(out.utf8)))
    }

    /// The instructions as a JSON array with the fields BuildKit's parser exposes.
    public func jsonDump() -> String {
        var writer = JSONWriter()
        writer.array(instructions) { writer, instruction in
            instruction.writeJSON(to: &writer)
        }
        return writer.output
    }
}

extension Instruction {
    /// Writes `cmd`, `subCmd`, `json`, `original`, `startLine`, `endLine`, `flags`, `value`,
    /// `heredocs` (`name`, `fileDescriptor`, `content`).
    public func writeJSON(to writer: inout JSONWriter) {
        writer.raw("{")
        writer.key("cmd", first: true)
        writer.stringOrNull(keyword.isEmpty ? nil : keyword)
        writer.key("subCmd")
        writer.stringOrNull(onbuildTrigger.flatMap { $0.keyword.isEmpty ? nil : $0.keyword })
        writer.key("json")
        writer.bool(isJSON)
        writer.key("original")
        writer.stringOrNull(original.isEmpty ? nil : original)
        writer.key("startLine")
        writer.number(startLine)
        writer.key("endLine")
        writer.number(endLine)
        writer.key("flags")
        writer.stringArray(flags)
        writer.key("value")
        writer.stringArray(arguments)
        writer.key("heredocs")
        writer.array(heredocs) { writer, heredoc in
            writer.raw("{")
            writer.key("name", first: true)
            writer.string(heredoc.name)
            writer.key("fileDescriptor")
            writer.number(heredoc.fileDescriptor)
            writer.key("content")
            writer.string(heredoc.content)
            writer.raw("}")
        }
        writer.raw("}")
    }
}

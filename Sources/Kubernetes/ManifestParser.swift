import BerthCore
import Foundation
import Yams

/// What reading one manifest file or stream produced.
public struct ParsedManifest: Sendable {
    public var file: String
    /// The Kubernetes objects, `List` items flattened, in document order.
    public var objects: [KubernetesObject]
    /// Documents that are mappings without `apiVersion` and `kind` (values files, other YAML).
    public var otherDocuments: Int

    /// True when the file holds YAML but no Kubernetes object at all.
    public var isKubernetes: Bool { !objects.isEmpty }
}

/// Reads YAML and JSON manifests (multi-document streams, `List` kinds) into objects whose every
/// field keeps its file, line and column.
///
/// Hostile input is refused with a file:line error instead of exhausting memory or stack: streams
/// over `maximumBytes`, nesting deeper than `maximumDepth`, and alias expansion beyond
/// `nodeBudget(forBytes:)` nodes.
public struct ManifestParser: Sendable {
    /// Largest stream read, in bytes.
    public var maximumBytes: Int
    /// Deepest nesting of mappings and sequences accepted.
    public var maximumDepth: Int

    public init(maximumBytes: Int = 16 << 20, maximumDepth: Int = 100) {
        self.maximumBytes = maximumBytes
        self.maximumDepth = maximumDepth
    }

    /// Nodes a stream of `bytes` may expand to: generous for real manifests, far below an alias bomb.
    public func nodeBudget(forBytes bytes: Int) -> Int { 100_000 + bytes * 2 }

    /// Parses a stream; throws `BerthError.invalidInput` naming the file and line.
    public func parse(bytes: [UInt8], file: String) throws -> ParsedManifest {
        func fail(_ line: Int, _ reason: String) -> BerthError {
            .invalidInput(location: SourceLocation(file: file, line: line), reason: reason)
        }
        if bytes.count > maximumBytes {
            throw fail(1, "manifest stream is \(bytes.count) bytes, over the \(maximumBytes >> 20) MB limit")
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = String(validating: body, as: UTF8.self) else {
            throw fail(Self.firstInvalidUTF8Line(bytes), "not UTF-8 text")
        }
        try NestingScan.check(bytes: Array(body), maximumDepth: maximumDepth, fail: fail)
        var budget = nodeBudget(forBytes: bytes.count)
        var result = ParsedManifest(file: file, objects: [], otherDocuments: 0)
        let parser: Parser
        do {
            parser = try Parser(yaml: text)
        } catch let error as YamlError {
            throw fail(Self.line(of: error), "invalid YAML: \(Self.summary(of: error))")
        }
        let source = SourceLines(body)
        let templates = HelmSources(text)
        var documentIndex = 0
        while true {
            let root: Node?
            do {
                root = try parser.nextRoot()
            } catch let error as YamlError {
                throw fail(Self.line(of: error), "invalid YAML: \(Self.summary(of: error))")
            }
            guard let root else { break }
            defer { documentIndex += 1 }
            let node = try Self.convert(root, key: nil, budget: &budget, depth: 0, source: source, fail: fail)
            if node.isNull { continue }
            guard node.isMapping else {
                throw fail(
                    node.line,
                    "expected a Kubernetes object (a mapping) at the top of the document, found \(node.shapeName)")
            }
            // Chart.yaml has an apiVersion but no kind: only a kind makes an object.
            guard node["kind"] != nil else {
                result.otherDocuments += 1
                continue
            }
            let object = try KubernetesObject(root: node, file: file, document: documentIndex)
            if object.kind.hasSuffix("List"), let items = node["items"] {
                guard items.isSequence || items.isNull else {
                    throw fail(items.keyLine, "'items' of a \(object.kind) must be a list, found \(items.shapeName)")
                }
                for item in items.items {
                    guard item.isMapping else {
                        throw fail(
                            item.line,
                            "a \(object.kind) item must be a Kubernetes object (a mapping), found \(item.shapeName)")
                    }
                    var listed = try KubernetesObject(root: item, file: file, document: documentIndex)
                    listed.template = templates.template(at: node.line)
                    result.objects.append(listed)
                }
            } else {
                var object = object
                object.template = templates.template(at: node.line)
                result.objects.append(object)
            }
        }
        return result
    }

    static func convert(
        _ node: Node, key: Mark?, budget: inout Int, depth: Int, source: SourceLines,
        fail: (Int, String) -> BerthError
    ) throws -> ManifestNode {
        let line = node.mark?.line ?? key?.line ?? 1
        let column = node.mark?.column ?? key?.column ?? 1
        budget -= 1
        if budget < 0 {
            throw fail(line, "the document expands to too many nodes (anchors and aliases expanding without bound?)")
        }
        if depth > 200 { throw fail(line, "nesting too deep") }
        let value: ManifestNode.Value
        var blockIndent: Int?
        switch node {
        case .scalar(let scalar):
            let style: ScalarStyle =
                switch scalar.style {
                case .literal: .literal
                case .folded: .folded
                case .singleQuoted, .doubleQuoted: .quoted
                default: .plain
                }
            value = .scalar(scalar.string, style: style)
            if style == .literal { blockIndent = source.contentIndent(after: line) }
        case .sequence(let sequence):
            var items: [ManifestNode] = []
            items.reserveCapacity(sequence.count)
            for item in sequence {
                items.append(try convert(item, key: nil, budget: &budget, depth: depth + 1, source: source, fail: fail))
            }
            value = .sequence(items)
        case .mapping(let mapping):
            var entries: [ManifestEntry] = []
            entries.reserveCapacity(mapping.count)
            // Keys that came from a `<<` merge: an explicit key may override them.
            var merged: Set<String> = []
            for (keyNode, valueNode) in mapping {
                budget -= 1
                guard let keyText = keyNode.scalar?.string else {
                    throw fail(keyNode.mark?.line ?? line, "mapping keys must be scalars")
                }
                if keyText == "<<" {
                    // Merge key: fold the merged mapping's entries in, without overriding.
                    let mergedNode = try convert(
                        valueNode, key: keyNode.mark, budget: &budget, depth: depth + 1, source: source, fail: fail)
                    let sources = mergedNode.isSequence ? mergedNode.items : [mergedNode]
                    for source in sources {
                        for entry in source.entries where !entries.contains(where: { $0.key == entry.key }) {
                            entries.append(entry)
                            merged.insert(entry.key)
                        }
                    }
                    continue
                }
                var child = try convert(
                    valueNode, key: keyNode.mark, budget: &budget, depth: depth + 1, source: source, fail: fail)
                child.keyLine = keyNode.mark?.line ?? line
                child.keyColumn = keyNode.mark?.column ?? column
                if let first = entries.first(where: { $0.key == keyText }), !merged.contains(keyText) {
                    // The API server's strict decoding rejects duplicate fields; so does Berth, rather
                    // than judge one of the two values.
                    throw fail(
                        child.keyLine, "duplicate key '\(keyText)' (first at line \(first.value.keyLine))")
                }
                entries.removeAll { $0.key == keyText }
                merged.remove(keyText)
                entries.append(ManifestEntry(key: keyText, value: child))
            }
            value = .mapping(entries)
        }
        var result = ManifestNode(value: value, line: line, column: column)
        result.blockIndent = blockIndent
        return result
    }

    /// The `# Source: CHART/templates/FILE` comments `helm template` writes above each document.
    struct HelmSources {
        /// 1-based lines of `# Source:` comments with their paths, and of `---` separators.
        private var sources: [(line: Int, path: String)] = []
        private var separators: [Int] = []

        init(_ text: String) {
            guard text.contains("# Source: ") else { return }
            var line = 0
            for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
                line += 1
                if raw.hasPrefix("# Source: ") {
                    let path = raw.dropFirst("# Source: ".count).trimmingCharacters(in: .whitespacesAndNewlines)
                    if !path.isEmpty { sources.append((line, path)) }
                } else if raw.hasPrefix("---") {
                    separators.append(line)
                }
            }
        }

        /// The template of the document whose root starts at `line`: the last `# Source:` above
        /// it, unless a document separator comes between them.
        func template(at line: Int) -> String? {
            guard let source = sources.last(where: { $0.line < line }) else { return nil }
            if let separator = separators.last(where: { $0 < line }), separator > source.line { return nil }
            return source.path
        }
    }

    /// Line starts of the source, built on first use, to find a block scalar's indentation.
    final class SourceLines {
        let bytes: ArraySlice<UInt8>
        private var starts: [Int]?

        init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

        /// The indentation (in spaces) of the first non-blank line after 1-based `line`: the
        /// content indentation of a block scalar whose indicator sits on `line`.
        func contentIndent(after line: Int) -> Int? {
            if starts == nil {
                var found = [bytes.startIndex]
                for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") { found.append(index + 1) }
                starts = found
            }
            guard let starts else { return nil }
            var current = line  // 0-based index of the line after `line`
            while current < starts.count {
                var index = starts[current]
                var spaces = 0
                while index < bytes.endIndex, bytes[index] == UInt8(ascii: " ") {
                    spaces += 1
                    index += 1
                }
                if index < bytes.endIndex, bytes[index] != UInt8(ascii: "\n"), bytes[index] != UInt8(ascii: "\r") {
                    return spaces
                }
                current += 1
            }
            return nil
        }
    }

    static func firstInvalidUTF8Line(_ bytes: [UInt8]) -> Int {
        var line = 1
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            if String(validating: bytes[start..<index], as: UTF8.self) == nil { return line }
            line += 1
            start = index + 1
        }
        return line
    }

    static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return 1
        }
    }

    static func summary(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _):
            if let context { return "\(context.text) at line \(context.mark.line): \(problem)" }
            return problem
        case .composer(_, let problem, _, _):
            return problem
        default:
            return "\(error)"
        }
    }
}

/// A cheap scan for nesting too deep for a recursive reader, line by line: indentation plus leading
/// `- ` markers of block lines, and flow brackets outside quotes and comments. The text of block
/// scalars (`key: |`) is skipped: a ConfigMap's embedded file is not structure.
enum NestingScan {
    static func check(bytes: [UInt8], maximumDepth: Int, fail: (Int, String) -> BerthError) throws {
        let count = bytes.count
        var line = 0
        var flow = 0
        var blockIndent: Int?
        var start = 0
        while start < count {
            line += 1
            var end = start
            while end < count, bytes[end] != 0x0A { end += 1 }
            defer { start = end + 1 }
            var spaces = 0
            while start + spaces < end, bytes[start + spaces] == 0x20 { spaces += 1 }
            let blank = start + spaces == end || bytes[start + spaces] == 0x0D
            if let open = blockIndent {
                if blank || spaces > open { continue }
                blockIndent = nil
            }
            if blank { continue }
            var index = start + spaces
            var depth = spaces
            while index + 1 < end, bytes[index] == 0x2D, bytes[index + 1] == 0x20 {
                index += 2
                depth += 2
                while index < end, bytes[index] == 0x20 {
                    index += 1
                    depth += 1
                }
            }
            // Two columns per level is the usual style; allow one-column indentation too.
            if depth > maximumDepth * 4 { throw fail(line, "nesting too deep (indentation of \(depth) columns)") }
            // A key at column 0, or a document marker, is block context again: no flow collection is open.
            if spaces == 0, isLetter(bytes[start]) || bytes[start] == 0x2D { flow = 0 }
            var quote: UInt8 = 0
            var previous: UInt8 = 0x20
            var last = -1
            while index < end {
                let byte = bytes[index]
                if quote != 0 {
                    if byte == quote { quote = 0 }
                } else {
                    switch byte {
                    case 0x22, 0x27:
                        if [0x20, 0x3A, 0x5B, 0x7B, 0x2C, 0x2D].contains(previous) { quote = byte }
                    case 0x23 where previous == 0x20:
                        index = end
                        continue
                    case 0x5B, 0x7B:
                        flow += 1
                        if flow > maximumDepth {
                            throw fail(line, "nesting too deep (more than \(maximumDepth) levels)")
                        }
                    case 0x5D, 0x7D:
                        flow = max(0, flow - 1)
                    default: break
                    }
                }
                if byte != 0x20, byte != 0x0D { last = index }
                previous = byte
                index += 1
            }
            // `key: |`, `- >-`, `key: |2+`: the lines below that are more indented are text.
            if quote == 0, last > start {
                var indicator = last
                while indicator > start,
                    bytes[indicator] == 0x2D || bytes[indicator] == 0x2B || (0x30...0x39).contains(bytes[indicator])
                {
                    indicator -= 1
                }
                if indicator > start, bytes[indicator] == 0x7C || bytes[indicator] == 0x3E, bytes[indicator - 1] == 0x20
                {
                    blockIndent = spaces
                }
            }
        }
    }

    static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
}

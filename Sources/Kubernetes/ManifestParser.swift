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
            let node = try Self.convert(root, key: nil, budget: &budget, depth: 0, fail: fail)
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
                    result.objects.append(try KubernetesObject(root: item, file: file, document: documentIndex))
                }
            } else {
                result.objects.append(object)
            }
        }
        return result
    }

    static func convert(
        _ node: Node, key: Mark?, budget: inout Int, depth: Int, fail: (Int, String) -> BerthError
    ) throws -> ManifestNode {
        let line = node.mark?.line ?? key?.line ?? 1
        let column = node.mark?.column ?? key?.column ?? 1
        budget -= 1
        if budget < 0 {
            throw fail(line, "the document expands to too many nodes (anchors and aliases expanding without bound?)")
        }
        if depth > 200 { throw fail(line, "nesting too deep") }
        let value: ManifestNode.Value
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
        case .sequence(let sequence):
            var items: [ManifestNode] = []
            items.reserveCapacity(sequence.count)
            for item in sequence {
                items.append(try convert(item, key: nil, budget: &budget, depth: depth + 1, fail: fail))
            }
            value = .sequence(items)
        case .mapping(let mapping):
            var entries: [ManifestEntry] = []
            entries.reserveCapacity(mapping.count)
            for (keyNode, valueNode) in mapping {
                budget -= 1
                guard let keyText = keyNode.scalar?.string else {
                    throw fail(keyNode.mark?.line ?? line, "mapping keys must be scalars")
                }
                if keyText == "<<" {
                    // Merge key: fold the merged mapping's entries in, without overriding.
                    let merged = try convert(
                        valueNode, key: keyNode.mark, budget: &budget, depth: depth + 1, fail: fail)
                    let sources = merged.isSequence ? merged.items : [merged]
                    for source in sources {
                        for entry in source.entries where !entries.contains(where: { $0.key == entry.key }) {
                            entries.append(entry)
                        }
                    }
                    continue
                }
                var child = try convert(valueNode, key: keyNode.mark, budget: &budget, depth: depth + 1, fail: fail)
                child.keyLine = keyNode.mark?.line ?? line
                child.keyColumn = keyNode.mark?.column ?? column
                entries.removeAll { $0.key == keyText }
                entries.append(ManifestEntry(key: keyText, value: child))
            }
            value = .mapping(entries)
        }
        return ManifestNode(value: value, line: line, column: column)
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

/// A cheap scan for nesting too deep for a recursive reader: flow brackets outside quotes and
/// comments, and indentation plus leading `- ` markers of block lines.
enum NestingScan {
    static func check(bytes: [UInt8], maximumDepth: Int, fail: (Int, String) -> BerthError) throws {
        var line = 1
        var flow = 0
        var quote: UInt8 = 0
        var atLineStart = true
        var indent = 0
        var previous: UInt8 = 0x0A
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            index += 1
            if byte == 0x0A {
                line += 1
                quote = 0
                atLineStart = true
                indent = 0
                previous = byte
                continue
            }
            if atLineStart {
                if byte == 0x20 || (byte == 0x2D && index < count && bytes[index] == 0x20) {
                    indent += 1
                    previous = byte
                    continue
                }
                atLineStart = false
                // Two columns per level is the usual style; allow one-column indentation too.
                if indent > maximumDepth * 4 {
                    throw fail(line, "nesting too deep (indentation of \(indent) columns)")
                }
            }
            if quote != 0 {
                if byte == quote { quote = 0 }
            } else {
                switch byte {
                case 0x22, 0x27:
                    if previous == 0x20 || previous == 0x0A || previous == 0x3A || previous == 0x5B || previous == 0x7B
                        || previous == 0x2C || previous == 0x2D
                    {
                        quote = byte
                    }
                case 0x23 where previous == 0x20 || previous == 0x0A:
                    while index < count, bytes[index] != 0x0A { index += 1 }
                case 0x5B, 0x7B:
                    flow += 1
                    if flow > maximumDepth { throw fail(line, "nesting too deep (more than \(maximumDepth) levels)") }
                case 0x5D, 0x7D:
                    flow = max(0, flow - 1)
                default: break
                }
            }
            previous = byte
        }
    }
}

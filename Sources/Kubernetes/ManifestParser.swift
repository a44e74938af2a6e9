import BerthCore
import Foundation
import YAMLSupport
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
        let text: String
        do {
            text = try GuardedYAML.text(
                bytes, file: file, limits: YAMLLimits(maximumBytes: maximumBytes, maximumDepth: maximumDepth))
        } catch {
            throw fail(error.location.line, error.reason)
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
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
            // Chart.yaml has an apiVersion but no kind: only a kind makes an object. Anywhere else an
            // apiVersion without a kind is a broken object, not something to skip.
            guard node["kind"] != nil else {
                if node["apiVersion"] != nil, !Self.isChartMetadata(file) {
                    throw fail(
                        node["apiVersion"]?.keyLine ?? node.line,
                        "an object with apiVersion but no kind: add the kind, or remove the document")
                }
                result.otherDocuments += 1
                continue
            }
            var object = try KubernetesObject(root: node, file: file, document: documentIndex)
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
                // Set in place: the object's storage is not shared yet, so nothing is copied.
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

    static func line(of error: YamlError) -> Int { GuardedYAML.line(of: error) }

    /// Chart.yaml (and the requirements file of older charts) carry an apiVersion of their own.
    static func isChartMetadata(_ file: String) -> Bool {
        let name = (file as NSString).lastPathComponent.lowercased()
        return name == "chart.yaml" || name == "chart.yml" || name == "requirements.yaml"
    }

    static func summary(of error: YamlError) -> String { GuardedYAML.summary(of: error) }
}

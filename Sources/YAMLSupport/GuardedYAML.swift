import BerthCore
import Foundation
import Yams

/// Limits every YAML reader in Berth applies before and while composing a document, so that no
/// input (a `.berth.yaml` found above a checked file, a spec, a registry configuration, a manifest)
/// can exhaust memory or stack.
public struct YAMLLimits: Sendable {
    /// Largest input read, in bytes.
    public var maximumBytes: Int
    /// Deepest nesting of mappings and sequences accepted.
    public var maximumDepth: Int

    public init(maximumBytes: Int = 16 << 20, maximumDepth: Int = 100) {
        self.maximumBytes = maximumBytes
        self.maximumDepth = maximumDepth
    }

    /// Nodes a stream of `bytes` may expand to: generous for real files, far below an alias bomb.
    public func nodeBudget(forBytes bytes: Int) -> Int { 100_000 + bytes * 2 }

    /// Limits for small configuration files (`.berth.yaml`, `berth.yaml`, `registry.yaml`).
    public static let configuration = YAMLLimits(maximumBytes: 4 << 20, maximumDepth: 64)
}

/// A YAML input that cannot be read, at the line (and column, when known) where the problem is.
public struct YAMLLoadError: Error, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var reason: String

    public init(file: String, line: Int, column: Int = 1, reason: String) {
        location = SourceLocation(file: file, line: line, column: column)
        self.reason = reason
    }

    public var description: String { "\(location.file):\(location.line):\(location.column): \(reason)" }
}

/// Reads YAML through the guards every Berth reader shares: size, UTF-8 (and NUL bytes) with the
/// offending line, a cheap nesting scan before the recursive composer runs, one error format for
/// scanner and parser errors, a node budget that stops alias bombs, and no duplicate keys.
public enum GuardedYAML {
    /// Validates `bytes` and returns the text, without a byte-order mark.
    public static func text(_ bytes: [UInt8], file: String, limits: YAMLLimits) throws(YAMLLoadError) -> String {
        if bytes.count > limits.maximumBytes {
            throw YAMLLoadError(
                file: file, line: 1,
                reason: "\(bytes.count) bytes, over the \(limits.maximumBytes >> 20) MB limit for this input")
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if let nul = body.firstIndex(of: 0) {
            throw YAMLLoadError(file: file, line: lineNumber(of: nul, in: body), reason: "a NUL byte: not a text file")
        }
        guard let text = String(validating: body, as: UTF8.self) else {
            throw YAMLLoadError(file: file, line: firstInvalidUTF8Line(Array(body)), reason: "not UTF-8 text")
        }
        // Without a byte-order mark the body is the whole input: scan it without copying it.
        try NestingScan.check(bytes: body.count == bytes.count ? bytes : Array(body), maximumDepth: limits.maximumDepth)
        { line, reason in
            YAMLLoadError(file: file, line: line, reason: reason)
        }
        return text
    }

    /// Every document of `bytes`, composed and checked (budget, depth, duplicate keys); an empty
    /// stream gives no documents.
    public static func documents(_ bytes: [UInt8], file: String, limits: YAMLLimits) throws(YAMLLoadError) -> [Node] {
        let text = try text(bytes, file: file, limits: limits)
        var budget = limits.nodeBudget(forBytes: bytes.count)
        var documents: [Node] = []
        do {
            let parser = try Parser(yaml: text)
            while let root = try parser.nextRoot() {
                try check(root, file: file, budget: &budget, depth: 0, maximumDepth: limits.maximumDepth)
                documents.append(root)
            }
        } catch let error as YAMLLoadError {
            throw error
        } catch let error as YamlError {
            throw YAMLLoadError(
                file: file, line: line(of: error), column: column(of: error),
                reason: "invalid YAML: \(summary(of: error))")
        } catch {
            throw YAMLLoadError(file: file, line: 1, reason: "invalid YAML: \(error)")
        }
        return documents
    }

    /// The single document of a configuration file; nil when the file is empty or only comments.
    public static func document(_ bytes: [UInt8], file: String, limits: YAMLLimits = .configuration)
        throws(YAMLLoadError) -> Node?
    {
        let all = try documents(bytes, file: file, limits: limits)
        if all.count > 1 {
            throw YAMLLoadError(
                file: file, line: all[1].mark?.line ?? 1, reason: "more than one YAML document; expected one")
        }
        return all.first
    }

    /// Walks a composed tree once (aliases expanded), spending one unit of `budget` per node.
    static func check(_ node: Node, file: String, budget: inout Int, depth: Int, maximumDepth: Int)
        throws(YAMLLoadError)
    {
        budget -= 1
        let line = node.mark?.line ?? 1
        if budget < 0 {
            throw YAMLLoadError(
                file: file, line: line,
                reason: "the document expands to too many nodes (anchors and aliases expanding without bound?)")
        }
        if depth > maximumDepth {
            throw YAMLLoadError(file: file, line: line, reason: "nesting too deep (more than \(maximumDepth) levels)")
        }
        switch node {
        case .scalar: break
        case .sequence(let sequence):
            for item in sequence {
                try check(item, file: file, budget: &budget, depth: depth + 1, maximumDepth: maximumDepth)
            }
        case .mapping(let mapping):
            var seen: [String: Int] = [:]
            for (key, value) in mapping {
                if case .scalar(let scalar) = key {
                    let keyLine = key.mark?.line ?? line
                    if let first = seen[scalar.string] {
                        throw YAMLLoadError(
                            file: file, line: keyLine, column: key.mark?.column ?? 1,
                            reason: "duplicate key '\(scalar.string)' (first at line \(first))")
                    }
                    seen[scalar.string] = keyLine
                }
                try check(key, file: file, budget: &budget, depth: depth + 1, maximumDepth: maximumDepth)
                try check(value, file: file, budget: &budget, depth: depth + 1, maximumDepth: maximumDepth)
            }
        }
    }

    /// The 1-based line of a Yams error.
    public static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return 1
        }
    }

    /// The 1-based column of a Yams error.
    public static func column(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return max(1, mark.column)
        default:
            return 1
        }
    }

    /// A Yams error in one line, without its position (which the caller prints).
    public static func summary(of error: YamlError) -> String {
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

    /// The first line holding bytes that are not UTF-8.
    public static func firstInvalidUTF8Line(_ bytes: [UInt8]) -> Int {
        var line = 1
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            if String(validating: bytes[start..<index], as: UTF8.self) == nil { return line }
            line += 1
            start = index + 1
        }
        return line
    }

    static func lineNumber(of index: ArraySlice<UInt8>.Index, in bytes: ArraySlice<UInt8>) -> Int {
        1 + bytes[bytes.startIndex..<index].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}

import Foundation
import Yams

/// The keys a configuration file may hold, so an unknown (often misspelt) key is an error at its
/// line instead of being ignored.
public indirect enum KeySchema: Sendable {
    /// A mapping with exactly these keys (each with its own schema).
    case object([String: KeySchema])
    /// A mapping with keys of the user's choosing (project names, say), each value as the schema says.
    case map(KeySchema)
    /// Anything: a scalar or a list the decoder judges.
    case value
}

/// Decodes configuration YAML read through ``GuardedYAML`` into `Decodable` types, reporting unknown
/// keys and type errors at FILE:LINE:COL with the field's path, never as `DecodingError` text.
public enum LocatedDecoding {
    public static func decode<T: Decodable>(
        _ type: T.Type, from bytes: [UInt8], file: String, schema: KeySchema, limits: YAMLLimits = .configuration
    ) throws(YAMLLoadError) -> T? {
        guard let root = try GuardedYAML.document(bytes, file: file, limits: limits) else { return nil }
        try checkKeys(root, schema: schema, path: "", file: file)
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            return try YAMLDecoder().decode(T.self, from: text)
        } catch let error as DecodingError {
            throw located(error, root: root, file: file)
        } catch {
            throw YAMLLoadError(file: file, line: 1, reason: "\(error)")
        }
    }

    /// Unknown keys under `node`, judged by `schema`.
    public static func checkKeys(_ node: Node, schema: KeySchema, path: String, file: String) throws(YAMLLoadError) {
        switch schema {
        case .value:
            return
        case .map(let values):
            guard let mapping = node.mapping else { return }
            for (key, value) in mapping {
                let name = key.string ?? "?"
                try checkKeys(value, schema: values, path: join(path, name), file: file)
            }
        case .object(let fields):
            guard let mapping = node.mapping else { return }
            for (key, value) in mapping {
                let name = key.string ?? "?"
                guard let field = fields[name] else {
                    let known = fields.keys.sorted().joined(separator: ", ")
                    throw YAMLLoadError(
                        file: file, line: key.mark?.line ?? 1, column: key.mark?.column ?? 1,
                        reason: "unknown key '\(join(path, name))' (known here: \(known))")
                }
                try checkKeys(value, schema: field, path: join(path, name), file: file)
            }
        }
    }

    static func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : path + "." + name }

    /// A decoding error at the line of the field it names.
    static func located(_ error: DecodingError, root: Node, file: String) -> YAMLLoadError {
        let context: DecodingError.Context
        let reason: String
        switch error {
        case .typeMismatch(let type, let c):
            context = c
            reason = "expected \(describe(type))"
        case .valueNotFound(let type, let c):
            context = c
            reason = "expected \(describe(type)), found nothing"
        case .keyNotFound(let key, let c):
            context = c
            reason = "'\(key.stringValue)' is required"
        case .dataCorrupted(let c):
            context = c
            reason = c.debugDescription.lowercased()
        @unknown default:
            return YAMLLoadError(file: file, line: 1, reason: "\(error)")
        }
        var node = root
        var names: [String] = []
        for key in context.codingPath {
            if let index = key.intValue, let sequence = node.sequence, index < sequence.count {
                node = sequence[index]
                names.append("[\(index)]")
            } else if let value = node.mapping?[key.stringValue] {
                node = value
                names.append(key.stringValue)
            } else {
                break
            }
        }
        let field = names.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        return YAMLLoadError(
            file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1,
            reason: field.isEmpty ? reason : "\(field): \(reason)")
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type: "a whole number"
        case is Double.Type, is Float.Type: "a number"
        default: "\(type)".hasPrefix("Array") ? "a list" : "a mapping"
        }
    }
}

import Foundation

/// A lenient view of one decoded JSON object that names the field path in every error.
///
/// Engines disagree on which fields they send and whether absent means `null`, `[]` or `{}`;
/// readers accept all of those as "not set", and reject only a value of the wrong kind.
struct JSONFields {
    let object: [String: Any]
    /// Dotted path of this object inside the document, e.g. `[2].HostConfig`.
    let path: String
    let file: String

    init(_ object: [String: Any], path: String, file: String) {
        self.object = object
        self.path = path
        self.file = file
    }

    /// Parses `bytes` as JSON; the error names the file.
    static func parse(_ bytes: Data, file: String) throws -> Any {
        do {
            return try JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])
        } catch {
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw AuditError.malformed(file: file, field: "$", reason: "not valid JSON: \(reason)")
        }
    }

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func fail(_ key: String, _ expected: String) -> AuditError {
        .malformed(file: file, field: field(key), reason: "expected \(expected)")
    }

    func has(_ key: String) -> Bool { object[key] != nil }

    func value(_ key: String) -> Any? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        return value
    }

    func string(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard let text = value as? String else { throw fail(key, "a string") }
        return text
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        if let number = value as? NSNumber, isBoolean(number) { return number.boolValue }
        if let text = value as? String, let flag = Bool(text) { return flag }
        throw fail(key, "true or false")
    }

    func int(_ key: String) throws -> Int64? {
        guard let value = value(key) else { return nil }
        if let number = value as? NSNumber, !isBoolean(number) {
            let double = number.doubleValue
            guard double.isFinite, double >= -9.2e18, double <= 9.2e18 else { throw fail(key, "an integer") }
            return number.int64Value
        }
        if let text = value as? String, let number = Int64(text) { return number }
        throw fail(key, "an integer")
    }

    func strings(_ key: String) throws -> [String] {
        guard let value = value(key) else { return [] }
        guard let array = value as? [Any] else { throw fail(key, "a list of strings") }
        return try array.enumerated().map { offset, item in
            guard let text = item as? String else { throw fail("\(key)[\(offset)]", "a string") }
            return text
        }
    }

    func object(_ key: String) throws -> JSONFields? {
        guard let value = value(key) else { return nil }
        guard let object = value as? [String: Any] else { throw fail(key, "an object") }
        return JSONFields(object, path: field(key), file: file)
    }

    func objects(_ key: String) throws -> [JSONFields] {
        guard let value = value(key) else { return [] }
        guard let array = value as? [Any] else { throw fail(key, "a list of objects") }
        return try array.enumerated().map { offset, item in
            guard let object = item as? [String: Any] else { throw fail("\(key)[\(offset)]", "an object") }
            return JSONFields(object, path: field("\(key)[\(offset)]"), file: file)
        }
    }

    /// A map of strings to strings (labels); non-string values are an error.
    func stringMap(_ key: String) throws -> [String: String] {
        guard let value = value(key) else { return [:] }
        guard let object = value as? [String: Any] else { throw fail(key, "an object of strings") }
        var out: [String: String] = [:]
        for (name, item) in object {
            guard let text = item as? String else { throw fail("\(key).\(name)", "a string") }
            out[name] = text
        }
        return out
    }
}

/// True when `number` came from a JSON `true`/`false` rather than a number.
private func isBoolean(_ number: NSNumber) -> Bool {
    String(cString: number.objCType) == booleanType
}

private let booleanType = String(cString: NSNumber(value: true).objCType)

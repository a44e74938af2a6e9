import BerthCore
import Foundation
import YAMLSupport
import Yams

/// Settings for `berth check`, read from `.berth.yaml`.
///
/// ```yaml
/// failOn: warning                 # error | warning | info | none
/// rules:                          # per rule: off, on, error, warning or info
///   dockerfile-healthcheck-missing: off
/// trustedRegistries: [registry.example.com, "*.corp.example.com"]
/// allowedPorts:                   # image glob -> ports the image may EXPOSE
///   "*/wso2am-gateway*": [8243, 8280, 9443]
/// wso2Images: ["registry.example.com/wso2/*"]
/// nonRootBaseImages: ["registry.example.com/base/java:*"]
/// scan:                           # berth scan
///   ignore:
///     - {id: CVE-2023-44487, reason: "HTTP/2 is not served", expires: 2026-12-31, package: nghttp2}
/// ```
public struct CheckConfiguration: Sendable, Equatable {
    /// Per-rule setting.
    public enum RuleSetting: Sendable, Equatable {
        case off
        case on
        case severity(Severity)
    }

    public var failOn: Severity? = .warning
    public var rules: [String: RuleSetting] = [:]
    public var trustedRegistries: [String] = []
    public var allowedPorts: [(pattern: String, ports: [Int])] = []
    public var wso2Images: [String] = []
    public var nonRootBaseImages: [String] = []
    /// `scan.ignore`: vulnerabilities `berth scan` leaves out, each with a reason and an optional expiry.
    public var scanIgnores: [ScanIgnoreSetting] = []
    /// Where the configuration came from, for messages.
    public var source: String?

    public init() {}

    public static func == (lhs: CheckConfiguration, rhs: CheckConfiguration) -> Bool {
        lhs.failOn == rhs.failOn && lhs.rules == rhs.rules && lhs.trustedRegistries == rhs.trustedRegistries
            && lhs.allowedPorts.map(\.pattern) == rhs.allowedPorts.map(\.pattern)
            && lhs.allowedPorts.map(\.ports) == rhs.allowedPorts.map(\.ports) && lhs.wso2Images == rhs.wso2Images
            && lhs.nonRootBaseImages == rhs.nonRootBaseImages && lhs.scanIgnores == rhs.scanIgnores
    }

    /// The configuration file names looked for, nearest directory first.
    public static let fileNames = [".berth.yaml", ".berth.yml"]

    /// Loads `path`; errors name the file, line and key.
    public static func load(path: String, knownRules: Set<String>) throws -> CheckConfiguration {
        let bytes = try BoundedInput.read(path, limit: YAMLLimits.configuration.maximumBytes)
        return try parse(bytes: bytes, file: path, knownRules: knownRules)
    }

    /// Parses configuration text.
    public static func parse(_ text: String, file: String, knownRules: Set<String>) throws -> CheckConfiguration {
        try parse(bytes: Array(text.utf8), file: file, knownRules: knownRules)
    }

    /// Parses configuration bytes through the guarded YAML reader (size, nesting, aliases, duplicate keys).
    public static func parse(bytes: [UInt8], file: String, knownRules: Set<String>) throws -> CheckConfiguration {
        func fail(_ node: Node?, _ reason: String) -> BerthError {
            .configuration(
                location: SourceLocation(file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1),
                reason: reason)
        }
        let root: Node?
        do {
            root = try GuardedYAML.document(bytes, file: file)
        } catch {
            throw BerthError.configuration(location: error.location, reason: error.reason)
        }
        var configuration = CheckConfiguration()
        configuration.source = file
        guard let root else { return configuration }
        guard let mapping = root.mapping else { throw fail(root, "expected a mapping of settings at the top level") }
        func strings(_ node: Node, key: String) throws -> [String] {
            guard let sequence = node.sequence else { throw fail(node, "'\(key)' must be a list of strings") }
            return try sequence.map { item in
                guard let scalar = item.scalar, !scalar.string.isEmpty else {
                    throw fail(item, "'\(key)' entries must be non-empty strings")
                }
                return scalar.string
            }
        }
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else { throw fail(keyNode, "setting names must be strings") }
            switch key {
            case "failOn":
                guard let text = value.scalar?.string else {
                    throw fail(value, "'failOn' must be error, warning, info or none")
                }
                if text == "none" {
                    configuration.failOn = nil
                } else if let severity = Severity(rawValue: text) {
                    configuration.failOn = severity
                } else {
                    throw fail(value, "'failOn' must be error, warning, info or none, not '\(text)'")
                }
            case "rules":
                guard let rules = value.mapping else {
                    throw fail(value, "'rules' must map rule ids to off, on, error, warning or info")
                }
                for (ruleNode, settingNode) in rules {
                    guard let rule = ruleNode.scalar?.string else { throw fail(ruleNode, "rule ids must be strings") }
                    // A former id (see `RuleCatalog.aliases`) stands for the rules it was split into.
                    let isAlias = RuleCatalog.aliases[rule]?.contains(where: knownRules.contains) ?? false
                    guard knownRules.contains(rule) || isAlias else {
                        throw fail(ruleNode, "unknown rule '\(rule)' (see berth rules)")
                    }
                    let setting = settingNode.scalar?.string ?? ""
                    switch setting {
                    case "off", "false": configuration.rules[rule] = .off
                    case "on", "true": configuration.rules[rule] = .on
                    default:
                        guard let severity = Severity(rawValue: setting) else {
                            throw fail(
                                settingNode, "rule '\(rule)' must be off, on, error, warning or info, not '\(setting)'")
                        }
                        configuration.rules[rule] = .severity(severity)
                    }
                }
            case "trustedRegistries":
                configuration.trustedRegistries = try strings(value, key: key)
            case "wso2Images":
                configuration.wso2Images = try strings(value, key: key)
            case "nonRootBaseImages":
                configuration.nonRootBaseImages = try strings(value, key: key)
            case "allowedPorts":
                guard let ports = value.mapping else {
                    throw fail(value, "'allowedPorts' must map image patterns to lists of ports")
                }
                for (patternNode, list) in ports {
                    guard let pattern = patternNode.scalar?.string else {
                        throw fail(patternNode, "image patterns must be strings")
                    }
                    guard let sequence = list.sequence else {
                        throw fail(list, "ports for '\(pattern)' must be a list")
                    }
                    let numbers = try sequence.map { item -> Int in
                        guard let text = item.scalar?.string, let port = Int(text), (1...65535).contains(port) else {
                            throw fail(item, "'\(item.scalar?.string ?? "?")' is not a port number (1-65535)")
                        }
                        return port
                    }
                    configuration.allowedPorts.append((pattern, numbers))
                }
            case "scan":
                configuration.scanIgnores = try ScanIgnoreSetting.parse(value, fail: fail)
            default:
                throw fail(
                    keyNode,
                    "unknown key '\(key)' (known: failOn, rules, trustedRegistries, allowedPorts, wso2Images, nonRootBaseImages, scan)"
                )
            }
        }
        return configuration
    }

    /// The setting written for rule `id`: under its own id, else under a former id that expands to
    /// it (`RuleCatalog.aliases`), so `kubernetes-privilege: off` turns off every rule split from it
    /// while `kubernetes-privileged-container: error` still wins for that one rule.
    public func setting(for id: String) -> RuleSetting? {
        if let setting = rules[id] { return setting }
        for alias in RuleCatalog.formerIDs(of: id) {
            if let setting = rules[alias] { return setting }
        }
        return nil
    }

    /// True when `image` is a WSO2 product image: `wso2/...`, `docker.wso2.com/...`, or one of the
    /// configured `wso2Images` patterns.
    public func isWSO2Image(_ image: String) -> Bool {
        let name = ImageName(image).repository
        if name.hasPrefix("wso2/") || name.hasPrefix("docker.wso2.com/") || name.hasPrefix("docker.io/wso2/") {
            return true
        }
        return wso2Images.contains { Glob.matches($0, image) || Glob.matches($0, name) }
    }

    /// The severity findings of `rule` get, or nil when the rule is off. Both checkers apply
    /// configured severities through this one function.
    public func severity(for rule: RuleDescription) -> Severity? {
        switch setting(for: rule.id) {
        case .off: nil
        case .severity(let severity): severity
        case .on, nil: rule.severity
        }
    }

    /// The ports allowed for `image`, when a pattern matches it.
    public func allowedPorts(for image: String?) -> [Int]? {
        guard let image else { return nil }
        return allowedPorts.first { Glob.matches($0.pattern, image) }?.ports
    }
}

/// One `scan.ignore` entry: a vulnerability id (or any of its aliases) `berth scan` leaves out,
/// optionally for one package only, until the end of its expiry day (UTC).
public struct ScanIgnoreSetting: Sendable, Equatable {
    public var id: String
    public var reason: String
    /// `YYYY-MM-DD`, checked when the configuration is read.
    public var expires: String?
    public var package: String?
    /// The entry's line in the configuration file.
    public var line: Int

    static func parse(_ node: Node, fail: (Node?, String) -> BerthError) throws -> [ScanIgnoreSetting] {
        guard let mapping = node.mapping else { throw fail(node, "'scan' must be a mapping with 'ignore'") }
        var settings: [ScanIgnoreSetting] = []
        for (keyNode, value) in mapping {
            guard keyNode.scalar?.string == "ignore" else {
                throw fail(keyNode, "unknown key 'scan.\(keyNode.scalar?.string ?? "?")' (known: ignore)")
            }
            guard let entries = value.sequence else {
                throw fail(value, "'scan.ignore' must be a list of {id, reason, expires, package}")
            }
            for entry in entries {
                guard let fields = entry.mapping else {
                    throw fail(entry, "a 'scan.ignore' entry must be a mapping with 'id' and 'reason'")
                }
                var values: [String: String] = [:]
                for (fieldNode, fieldValue) in fields {
                    let field = fieldNode.scalar?.string ?? ""
                    guard ["id", "reason", "expires", "package"].contains(field) else {
                        throw fail(
                            fieldNode, "unknown key '\(field)' in 'scan.ignore' (known: id, reason, expires, package)")
                    }
                    guard let text = fieldValue.scalar?.string, !text.isEmpty else {
                        throw fail(fieldValue, "'\(field)' in 'scan.ignore' must be a non-empty string")
                    }
                    values[field] = text
                }
                guard let id = values["id"] else { throw fail(entry, "a 'scan.ignore' entry needs 'id'") }
                guard let reason = values["reason"] else {
                    throw fail(entry, "'scan.ignore' of '\(id)' needs a 'reason'")
                }
                if let expires = values["expires"], !isDate(expires) {
                    throw fail(entry, "'expires' of '\(id)' must be a date written YYYY-MM-DD, not '\(expires)'")
                }
                settings.append(
                    ScanIgnoreSetting(
                        id: id, reason: reason, expires: values["expires"], package: values["package"],
                        line: entry.mark?.line ?? 1))
            }
        }
        return settings
    }

    /// A real calendar date written `YYYY-MM-DD`.
    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month)
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...days[month - 1]).contains(day)
    }
}

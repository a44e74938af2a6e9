import BerthCore
import Foundation

/// SARIF 2.1.0 for code scanning: the rule catalogue with its help, and always a `results` array.
public struct SARIFReporter: Reporter {
    public static let name = "sarif"

    public init() {}

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .info: "note"
        }
    }

    public func render(_ run: CheckRun) -> String {
        var index: [String: Int] = [:]
        for (offset, rule) in run.rules.enumerated() { index[rule.id] = offset }
        let rules = run.rules.map { rule in
            SARIFLog.Rule(
                id: rule.id,
                name: rule.id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(),
                shortDescription: .init(rule.summary), fullDescription: .init(rule.rationale),
                help: .init(text: rule.fix, markdown: "\(rule.rationale)\n\n**Fix:** \(rule.fix)"),
                helpUri: rule.helpURI, defaultConfiguration: .init(level: Self.level(rule.severity)),
                properties: .init(
                    practice: rule.practice.rawValue, tags: [rule.practice.rawValue, rule.target.rawValue]))
        }
        let results = run.findings.map { finding in
            SARIFLog.Result(
                ruleId: finding.rule, ruleIndex: index[finding.rule], level: Self.level(finding.severity),
                message: .init(finding.message),
                locations: [
                    .init(
                        physicalLocation: .init(
                            artifactLocation: .init(uri: Self.uri(finding.location.file)),
                            region: .init(
                                startLine: max(1, finding.location.line), startColumn: max(1, finding.location.column),
                                endLine: max(finding.location.line, finding.endLine, 1))))
                ],
                // The chart template the rendered object came from: no line maps back into it.
                relatedLocations: finding.template.map { template in
                    [
                        .init(
                            id: 1,
                            physicalLocation: .init(artifactLocation: .init(uri: Self.uri(template)), region: nil),
                            message: .init("the Helm template this object was rendered from"))
                    ]
                },
                properties: .init(practice: finding.practice.rawValue, fix: finding.fix, template: finding.template))
        }
        let notifications = run.errors.map { error in
            SARIFLog.Notification(
                level: "error", message: .init(error.message),
                locations: [
                    .init(physicalLocation: .init(artifactLocation: .init(uri: Self.uri(error.file)), region: nil))
                ]
            )
        }
        let log = SARIFLog(
            runs: [
                .init(
                    tool: .init(
                        driver: .init(
                            name: "berth", version: run.toolVersion, semanticVersion: run.toolVersion,
                            informationUri: BerthProject.repositoryURL, rules: rules)),
                    results: results,
                    invocations: [
                        .init(
                            executionSuccessful: run.errors.isEmpty,
                            toolExecutionNotifications: notifications.isEmpty ? nil : notifications)
                    ])
            ])
        return log.json()
    }

    /// A relative path as a URI reference (percent-encoding what a URI cannot hold).
    static func uri(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}

/// The subset of SARIF 2.1.0 Berth writes, as Encodable models (optional members are omitted).
public struct SARIFLog: Encodable, Sendable {
    public var schema = "https://json.schemastore.org/sarif-2.1.0.json"
    public var version = "2.1.0"
    public var runs: [Run]

    enum CodingKeys: String, CodingKey {
        case schema = "$schema"
        case version, runs
    }

    public init(runs: [Run]) { self.runs = runs }

    /// Pretty-printed JSON with sorted keys and a final newline.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    public struct Run: Encodable, Sendable {
        public var tool: Tool
        public var results: [Result]
        public var invocations: [Invocation]
    }

    public struct Tool: Encodable, Sendable {
        public var driver: Driver
    }

    public struct Driver: Encodable, Sendable {
        public var name: String
        public var version: String
        public var semanticVersion: String
        public var informationUri: String?
        public var rules: [Rule]
    }

    public struct Text: Encodable, Sendable {
        public var text: String
        public var markdown: String?
        public init(_ text: String) { self.text = text }
        public init(text: String, markdown: String?) {
            self.text = text
            self.markdown = markdown
        }
    }

    public struct Rule: Encodable, Sendable {
        public var id: String
        public var name: String
        public var shortDescription: Text
        public var fullDescription: Text
        public var help: Text
        public var helpUri: String?
        public var defaultConfiguration: Configuration
        public var properties: RuleProperties
    }

    public struct Configuration: Encodable, Sendable {
        public var level: String
    }

    public struct RuleProperties: Encodable, Sendable {
        public var practice: String
        public var tags: [String]
    }

    public struct Result: Encodable, Sendable {
        public var ruleId: String
        public var ruleIndex: Int?
        public var level: String
        public var message: Text
        public var locations: [Location]
        public var relatedLocations: [RelatedLocation]?
        public var properties: ResultProperties
    }

    public struct ResultProperties: Encodable, Sendable {
        public var practice: String
        public var fix: String
        public var template: String?
    }

    public struct Location: Encodable, Sendable {
        public var physicalLocation: PhysicalLocation
    }

    public struct RelatedLocation: Encodable, Sendable {
        public var id: Int
        public var physicalLocation: PhysicalLocation
        public var message: Text
    }

    public struct PhysicalLocation: Encodable, Sendable {
        public var artifactLocation: ArtifactLocation
        public var region: Region?
    }

    public struct ArtifactLocation: Encodable, Sendable {
        public var uri: String
    }

    public struct Region: Encodable, Sendable {
        public var startLine: Int
        public var startColumn: Int
        public var endLine: Int
    }

    public struct Invocation: Encodable, Sendable {
        public var executionSuccessful: Bool
        public var toolExecutionNotifications: [Notification]?
    }

    public struct Notification: Encodable, Sendable {
        public var level: String
        public var message: Text
        public var locations: [Location]
    }
}

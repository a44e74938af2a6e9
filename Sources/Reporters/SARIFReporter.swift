import BerthCore

/// SARIF 2.1.0 for code scanning: the rule catalogue with help links, and always a `results` array.
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
        var writer = JSONWriter()
        writer.raw("{")
        writer.key("$schema", first: true)
        writer.string("https://json.schemastore.org/sarif-2.1.0.json")
        writer.key("version")
        writer.string("2.1.0")
        writer.key("runs")
        writer.raw("[{")
        writer.key("tool", first: true)
        writer.raw("{")
        writer.key("driver", first: true)
        writer.raw("{")
        writer.key("name", first: true)
        writer.string("berth")
        writer.key("version")
        writer.string(run.toolVersion)
        writer.key("semanticVersion")
        writer.string(run.toolVersion)
        writer.key("informationUri")
        writer.string("https://berth.dev")
        writer.key("rules")
        writer.array(run.rules) { writer, rule in
            writer.raw("{")
            writer.key("id", first: true)
            writer.string(rule.id)
            writer.key("name")
            writer.string(rule.id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined())
            writer.textObject("shortDescription", rule.summary)
            writer.textObject("fullDescription", rule.rationale)
            writer.textObject("help", rule.fix)
            writer.key("helpUri")
            writer.string(rule.helpURI)
            writer.key("defaultConfiguration")
            writer.raw("{")
            writer.key("level", first: true)
            writer.string(Self.level(rule.severity))
            writer.raw("}")
            writer.key("properties")
            writer.raw("{")
            writer.key("practice", first: true)
            writer.string(rule.practice.rawValue)
            writer.key("tags")
            writer.stringArray([rule.practice.rawValue, rule.target.rawValue])
            writer.raw("}}")
        }
        writer.raw("}}")
        writer.key("results")
        writer.array(run.findings) { writer, finding in
            writer.raw("{")
            writer.key("ruleId", first: true)
            writer.string(finding.rule)
            if let ruleIndex = index[finding.rule] {
                writer.key("ruleIndex")
                writer.number(ruleIndex)
            }
            writer.key("level")
            writer.string(Self.level(finding.severity))
            writer.textObject("message", finding.message)
            writer.key("locations")
            writer.raw("[{")
            writer.key("physicalLocation", first: true)
            writer.raw("{")
            writer.key("artifactLocation", first: true)
            writer.raw("{")
            writer.key("uri", first: true)
            writer.string(Self.uri(finding.location.file))
            writer.raw("}")
            writer.key("region")
            writer.raw("{")
            writer.key("startLine", first: true)
            writer.number(max(1, finding.location.line))
            writer.key("startColumn")
            writer.number(max(1, finding.location.column))
            writer.key("endLine")
            writer.number(max(finding.location.line, finding.endLine))
            writer.raw("}}}]")
            if let template = finding.template {
                // The chart template the rendered object came from: no line maps back into it.
                writer.key("relatedLocations")
                writer.raw("[{")
                writer.key("id", first: true)
                writer.number(1)
                writer.key("physicalLocation")
                writer.raw("{")
                writer.key("artifactLocation", first: true)
                writer.raw("{")
                writer.key("uri", first: true)
                writer.string(Self.uri(template))
                writer.raw("}}")
                writer.textObject("message", "the Helm template this object was rendered from")
                writer.raw("}]")
            }
            writer.key("properties")
            writer.raw("{")
            writer.key("practice", first: true)
            writer.string(finding.practice.rawValue)
            writer.key("fix")
            writer.string(finding.fix)
            if let template = finding.template {
                writer.key("template")
                writer.string(template)
            }
            writer.raw("}}")
        }
        writer.key("invocations")
        writer.raw("[{")
        writer.key("executionSuccessful", first: true)
        writer.bool(run.errors.isEmpty)
        if !run.errors.isEmpty {
            writer.key("toolExecutionNotifications")
            writer.array(run.errors) { writer, error in
                writer.raw("{")
                writer.key("level", first: true)
                writer.string("error")
                writer.textObject("message", error.message)
                writer.key("locations")
                writer.raw("[{")
                writer.key("physicalLocation", first: true)
                writer.raw("{")
                writer.key("artifactLocation", first: true)
                writer.raw("{")
                writer.key("uri", first: true)
                writer.string(Self.uri(error.file))
                writer.raw("}}}]}")
            }
        }
        writer.raw("}]}]}\n")
        return writer.output
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
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded()
            }
        }
        return out
    }
}

extension JSONWriter {
    /// `,"key":{"text":"..."}`: SARIF's message and description objects.
    fileprivate mutating func textObject(_ key: String, _ text: String) {
        self.key(key)
        raw("{")
        self.key("text", first: true)
        string(text)
        raw("}")
    }
}

extension String {
    fileprivate func leftPadded() -> String { count == 1 ? "0" + self : self }
}

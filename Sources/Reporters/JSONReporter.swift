import BerthCore

/// The documented JSON format (docs/output.md), schema version 1.
public struct JSONReporter: Reporter {
    public static let name = "json"
    public static let schemaVersion = 1

    public init() {}

    public func render(_ run: CheckRun) -> String {
        var writer = JSONWriter()
        writer.raw("{")
        writer.key("version", first: true)
        writer.number(Self.schemaVersion)
        writer.key("tool")
        writer.raw("{")
        writer.key("name", first: true)
        writer.string("berth")
        writer.key("version")
        writer.string(run.toolVersion)
        writer.raw("}")
        writer.key("findings")
        writer.array(run.findings) { writer, finding in
            writer.raw("{")
            writer.key("file", first: true)
            writer.string(finding.location.file)
            writer.key("line")
            writer.number(finding.location.line)
            writer.key("column")
            writer.number(finding.location.column)
            writer.key("endLine")
            writer.number(finding.endLine)
            writer.key("rule")
            writer.string(finding.rule)
            writer.key("practice")
            writer.string(finding.practice.rawValue)
            writer.key("severity")
            writer.string(finding.severity.rawValue)
            writer.key("message")
            writer.string(finding.message)
            writer.key("fix")
            writer.string(finding.fix)
            if let template = finding.template {
                writer.key("template")
                writer.string(template)
            }
            writer.raw("}")
        }
        writer.key("errors")
        writer.array(run.errors) { writer, error in
            writer.raw("{")
            writer.key("file", first: true)
            writer.string(error.file)
            writer.key("message")
            writer.string(error.message)
            writer.raw("}")
        }
        writer.key("summary")
        writer.raw("{")
        writer.key("files", first: true)
        writer.number(run.reports.count)
        for severity in [Severity.error, .warning, .info] {
            writer.key(severity.rawValue)
            writer.number(run.count(severity))
        }
        writer.key("suppressed")
        writer.number(run.suppressed)
        writer.raw("}}\n")
        return writer.output
    }
}

import BerthCore

/// Checkstyle XML, as Jenkins, SonarQube and reviewdog read it.
public struct CheckstyleReporter: Reporter {
    public static let name = "checkstyle"

    public init() {}

    public func render(_ run: CheckRun) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n"
        for report in run.reports {
            out += "  <file name=\"\(xmlEscape(report.file))\">\n"
            if let error = report.error {
                out +=
                    "    <error line=\"1\" column=\"1\" severity=\"error\" message=\"\(xmlEscape(error))\" source=\"berth\"/>\n"
            }
            for finding in report.findings {
                out += "    <error line=\"\(finding.location.line)\" column=\"\(finding.location.column)\" "
                out += "severity=\"\(finding.severity == .info ? "info" : finding.severity.rawValue)\" "
                out += "message=\"\(xmlEscape(finding.message))\" source=\"berth.\(xmlEscape(finding.rule))\"/>\n"
            }
            out += "  </file>\n"
        }
        out += "</checkstyle>\n"
        return out
    }
}

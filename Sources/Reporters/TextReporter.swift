import BerthCore

/// `path:line:col: severity [RULE practice] message`, then a summary line. Colour only on a TTY.
public struct TextReporter: Reporter {
    public static let name = "text"
    public var colour: Bool

    public init(colour: Bool = false) {
        self.colour = colour
    }

    func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    public func render(_ run: CheckRun) -> String {
        var out = ""
        for report in run.reports {
            if let error = report.error {
                out += paint("error", "1;31") + ": " + error + "\n"
            }
            for finding in report.findings {
                let severity: String
                switch finding.severity {
                case .error: severity = paint("error", "1;31")
                case .warning: severity = paint("warning", "1;33")
                case .info: severity = paint("info", "1;36")
                }
                out += "\(finding.location.file):\(finding.location.line):\(finding.location.column): \(severity) "
                out += paint("[\(finding.rule) \(finding.practice.rawValue)]", "2") + " \(finding.message)"
                if let template = finding.template { out += paint(" (template \(template))", "2") }
                out += "\n"
            }
        }
        out += paint(run.summary, "1") + "\n"
        return out
    }
}

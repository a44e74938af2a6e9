import BerthCore

/// GitHub Actions workflow commands: annotations on the changed lines.
public struct GitHubReporter: Reporter {
    public static let name = "github"

    public init() {}

    static func escapeData(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }

    public func render(_ run: CheckRun) -> String {
        var out = ""
        for (file, message) in run.errors {
            out += "::error file=\(Self.escapeProperty(file)),title=berth::\(Self.escapeData(message))\n"
        }
        for finding in run.findings {
            let command: String
            switch finding.severity {
            case .error: command = "error"
            case .warning: command = "warning"
            case .info: command = "notice"
            }
            out += "::\(command) file=\(Self.escapeProperty(finding.location.file)),line=\(finding.location.line),"
            out += "endLine=\(finding.endLine),col=\(finding.location.column),"
            out += "title=\(Self.escapeProperty("\(finding.rule) (\(finding.practice.rawValue))"))::"
            out += Self.escapeData("\(finding.message). Fix: \(finding.fix)") + "\n"
        }
        return out
    }
}

/// The outcome of checking one file.
public struct FileReport: Sendable {
    public var file: String
    public var findings: [Finding]
    /// Set when the file could not be read or parsed; no findings then.
    public var error: String?
    /// Suppressed findings, for auditing.
    public var suppressed: Int

    public init(file: String, findings: [Finding], error: String? = nil, suppressed: Int = 0) {
        self.file = file
        self.findings = findings
        self.error = error
        self.suppressed = suppressed
    }
}

/// Everything a reporter needs: the reports of every file checked, in stable order.
public struct CheckRun: Sendable {
    public var reports: [FileReport]
    public var rules: [RuleDescription]
    public var toolVersion: String

    public init(reports: [FileReport], rules: [RuleDescription], toolVersion: String) {
        self.reports = reports
        self.rules = rules
        self.toolVersion = toolVersion
    }

    public var findings: [Finding] { reports.flatMap(\.findings) }
    public var errors: [(file: String, message: String)] { reports.compactMap { r in r.error.map { (r.file, $0) } } }
    public var suppressed: Int { reports.reduce(0) { $0 + $1.suppressed } }

    public func count(_ severity: Severity) -> Int { findings.filter { $0.severity == severity }.count }

    /// `N errors, N warnings, N info in N files (N suppressed)`.
    public var summary: String {
        let files = reports.count
        var text =
            "\(count(.error)) error\(count(.error) == 1 ? "" : "s"), \(count(.warning)) warning\(count(.warning) == 1 ? "" : "s"), \(count(.info)) info in \(files) file\(files == 1 ? "" : "s")"
        if suppressed > 0 { text += " (\(suppressed) suppressed)" }
        if !errors.isEmpty { text += "; \(errors.count) could not be checked" }
        return text
    }
}

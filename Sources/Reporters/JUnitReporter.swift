import BerthCore

/// JUnit XML: one test case per file, failing with its findings.
public struct JUnitReporter: Reporter {
    public static let name = "junit"

    public init() {}

    public func render(_ run: CheckRun) -> String {
        let failures = run.reports.filter { !$0.findings.isEmpty }.count
        let errors = run.errors.count
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out +=
            "<testsuites name=\"berth check\" tests=\"\(run.reports.count)\" failures=\"\(failures)\" errors=\"\(errors)\">\n"
        out +=
            "  <testsuite name=\"berth\" tests=\"\(run.reports.count)\" failures=\"\(failures)\" errors=\"\(errors)\">\n"
        for report in run.reports {
            out += "    <testcase classname=\"berth.check\" name=\"\(xmlEscape(report.file))\">\n"
            if let error = report.error {
                out += "      <error message=\"\(xmlEscape(error))\"/>\n"
            }
            if !report.findings.isEmpty {
                let text = report.findings.map {
                    "\($0.location.file):\($0.location.line):\($0.location.column): \($0.severity.rawValue) [\($0.rule) \($0.practice.rawValue)] \($0.message)"
                }.joined(separator: "\n")
                out +=
                    "      <failure message=\"\(report.findings.count) finding\(report.findings.count == 1 ? "" : "s")\" type=\"berth\">\(xmlEscape(text))</failure>\n"
            }
            out += "    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }
}

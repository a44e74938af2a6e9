import BerthCore

/// CIS 2.13: container logs go to a central system.
public struct DaemonRemoteLoggingRule: DaemonAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-daemon-remote-logging", cis: "2.13", scope: .daemon, practice: .centralizedLogging,
        severity: .info,
        summary: "daemon keeps container logs on the host only",
        rationale: """
            json-file, local and k8s-file logs stay on the host, where they are lost with it and can be \
            changed by whoever owns it; a remote driver ships them to a central system.
            """,
        fix: "Set a remote \"log-driver\" (syslog, fluentd, gelf, splunk, awslogs, gcplogs) in daemon.json.",
        fields: ["daemon.json log-driver", "GET /info LoggingDriver"],
        triggering: [RuleExample(#"{"log-driver": "json-file"}"#), RuleExample("{}")],
        nonTriggering: [RuleExample(#"{"log-driver": "syslog"}"#)])

    static let local: Set<String> = ["json-file", "local", "k8s-file", "none", "passthrough"]

    public init() {}

    public func judge(_ daemon: DaemonFacts) -> Verdict {
        if let configuration = daemon.configuration {
            let driver = configuration.logDriver ?? "json-file"
            return Self.local.contains(driver)
                ? .fail("logs with \(driver)", field: "daemon.json log-driver") : .pass
        }
        guard let driver = daemon.info?.loggingDriver, !driver.isEmpty else {
            return .notDecidable("the engine does not report its logging driver")
        }
        return Self.local.contains(driver) ? .fail("logs with \(driver)", field: "GET /info LoggingDriver") : .pass
    }
}

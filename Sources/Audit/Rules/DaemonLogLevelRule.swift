import BerthCore

/// CIS 2.3: the daemon logs at level info.
public struct DaemonLogLevelRule: DaemonAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-daemon-log-level", cis: "2.3", scope: .daemon, severity: .info,
        summary: "daemon log level is not info",
        rationale: """
            At `info` the daemon logs what an audit needs; `debug` logs far more (including request \
            details), and `warn` or higher loses events.
            """,
        fix: "Set \"log-level\": \"info\" in daemon.json, or remove the key.",
        fields: ["daemon.json log-level", "GET /info Debug"],
        triggering: [
            RuleExample(#"{"log-level": "debug"}"#),
            RuleExample("{}", files: ["info": #"{"Debug": true}"#]),
        ],
        nonTriggering: [RuleExample(#"{"log-level": "info"}"#), RuleExample("{}")])

    public init() {}

    public func judge(_ daemon: DaemonFacts) -> Verdict {
        if let level = daemon.configuration?.logLevel, level != "info" {
            return .fail("log level is '\(level)'", field: "daemon.json log-level")
        }
        if daemon.info?.debug == true { return .fail("runs in debug mode", field: "GET /info Debug") }
        if daemon.configuration == nil && daemon.info?.debug == nil {
            return .notDecidable("needs daemon.json or the engine's info")
        }
        return .pass
    }
}

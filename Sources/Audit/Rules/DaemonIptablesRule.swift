import BerthCore

/// CIS 2.4: the daemon may manage iptables.
public struct DaemonIptablesRule: DaemonAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-daemon-iptables", cis: "2.4", scope: .daemon, practice: .networkIsolation, severity: .warning,
        summary: "daemon is not allowed to manage iptables",
        rationale: """
            With iptables management off, the firewall rules that isolate container networks and \
            publish ports must be kept by hand, and they drift.
            """,
        fix: "Remove \"iptables\": false from daemon.json.",
        fields: ["daemon.json iptables"],
        triggering: [RuleExample(#"{"iptables": false}"#)],
        nonTriggering: [RuleExample(#"{"iptables": true}"#), RuleExample("{}")])

    public init() {}

    public func judge(_ daemon: DaemonFacts) -> Verdict {
        guard let configuration = daemon.configuration else {
            return .notDecidable("needs daemon.json (--daemon-config)")
        }
        return configuration.iptables == false
            ? .fail("iptables management is off", field: "daemon.json iptables") : .pass
    }
}

import BerthCore

/// CIS 2.2: containers on the default bridge cannot talk to each other.
public struct DaemonICCRule: DaemonAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-daemon-icc", cis: "2.2", scope: .daemon, practice: .networkIsolation, severity: .warning,
        summary: "daemon lets containers on the default bridge talk to each other",
        rationale: """
            With inter-container communication on (Docker's default), every container on the default \
            bridge reaches every other one; turn it off and link what needs to talk through \
            user-defined networks. Decided from daemon.json; the engine API does not report it.
            """,
        fix: "Set \"icc\": false in daemon.json.",
        fields: ["daemon.json icc"],
        triggering: [RuleExample(#"{"icc": true}"#), RuleExample("{}")],
        nonTriggering: [RuleExample(#"{"icc": false}"#)])

    public init() {}

    public func judge(_ daemon: DaemonFacts) -> Verdict {
        guard let configuration = daemon.configuration else {
            return daemon.engine == .podman
                ? .notApplicable("Podman has no default-bridge ICC setting")
                : .notDecidable("needs daemon.json (--daemon-config)")
        }
        return configuration.icc == false
            ? .pass : .fail("inter-container communication is on", field: "daemon.json icc")
    }
}

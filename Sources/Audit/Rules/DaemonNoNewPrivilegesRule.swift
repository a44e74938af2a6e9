import BerthCore

/// CIS 2.14: containers are restricted from acquiring new privileges by default.
public struct DaemonNoNewPrivilegesRule: DaemonAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-daemon-no-new-privileges", cis: "2.14", scope: .daemon, practice: .leastPrivilege,
        severity: .warning,
        summary: "daemon does not set no-new-privileges by default",
        rationale: """
            Set daemon-wide, no-new-privileges stops setuid binaries from raising privileges in every \
            container, including those started without the flag.
            """,
        fix: "Set \"no-new-privileges\": true in daemon.json.",
        fields: ["daemon.json no-new-privileges"],
        triggering: [RuleExample("{}")],
        nonTriggering: [RuleExample(#"{"no-new-privileges": true}"#)])

    public init() {}

    public func judge(_ daemon: DaemonFacts) -> Verdict {
        guard let configuration = daemon.configuration else {
            return .notDecidable("needs daemon.json (--daemon-config)")
        }
        return configuration.noNewPrivileges == true
            ? .pass : .fail("no-new-privileges is not set", field: "daemon.json no-new-privileges")
    }
}

import BerthCore

/// CIS 5.22: the default seccomp profile is not disabled.
public struct ContainerSeccompRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-seccomp", cis: "5.22", scope: .container, practice: .leastPrivilege, severity: .error,
        summary: "container runs without a seccomp profile",
        rationale: """
            The default seccomp profile blocks the system calls most kernel exploits need; \
            seccomp=unconfined removes that layer.
            """,
        fix: "Remove --security-opt seccomp=unconfined; use a custom profile if a call is needed.",
        fields: ["HostConfig.SecurityOpt"],
        triggering: [RuleExample(#"{"Id": "a1", "HostConfig": {"SecurityOpt": ["seccomp=unconfined"]}}"#)],
        nonTriggering: [
            RuleExample(#"{"Id": "a1", "HostConfig": {"SecurityOpt": []}}"#),
            RuleExample(#"{"Id": "a1", "HostConfig": {"SecurityOpt": ["seccomp=/etc/app/seccomp.json"]}}"#),
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        container.securityOptions("seccomp").contains("unconfined")
            ? .fail("runs with seccomp=unconfined", field: "HostConfig.SecurityOpt") : .pass
    }
}

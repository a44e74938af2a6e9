import BerthCore

/// CIS 5.16: container shares the host's PID namespace.
public struct ContainerHostPIDRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-host-pid", cis: "5.16", scope: .container, severity: .error,
        summary: "container shares the host's PID namespace",
        rationale: """
            In the host PID namespace the container sees every host process and, with enough privilege, can signal or trace them.
            """,
        fix: "Remove --pid=host.",
        fields: ["HostConfig.PidMode"],
        triggering: [RuleExample(#"{"Id": "a1", "HostConfig": {"PidMode": "host"}}"#)],
        nonTriggering: [
            RuleExample(#"{"Id": "a1", "HostConfig": {"PidMode": "private"}}"#),
            RuleExample(#"{"Id": "a1", "HostConfig": {}}"#),
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        container.pidMode == "host" ? .fail("shares the host's PID namespace", field: "HostConfig.PidMode") : .pass
    }
}

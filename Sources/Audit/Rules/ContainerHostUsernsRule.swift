import BerthCore

/// CIS 5.31: container shares the host's user namespace.
public struct ContainerHostUsernsRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-host-userns", cis: "5.31", scope: .container, severity: .warning,
        summary: "container shares the host's user namespace",
        rationale: """
            When the engine remaps users, --userns=host opts the container out: its root is the host's root again.
            """,
        fix: "Remove --userns=host.",
        fields: ["HostConfig.UsernsMode"],
        triggering: [RuleExample(#"{"Id": "a1", "HostConfig": {"UsernsMode": "host"}}"#)],
        nonTriggering: [
            RuleExample(#"{"Id": "a1", "HostConfig": {"UsernsMode": ""}}"#),
            RuleExample(#"{"Id": "a1", "HostConfig": {}}"#),
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        container.usernsMode == "host"
            ? .fail("shares the host's user namespace", field: "HostConfig.UsernsMode") : .pass
    }
}

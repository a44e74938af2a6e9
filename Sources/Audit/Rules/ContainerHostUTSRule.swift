import BerthCore

/// CIS 5.21: container shares the host's UTS namespace.
public struct ContainerHostUTSRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-host-uts", cis: "5.21", scope: .container, severity: .warning,
        summary: "container shares the host's UTS namespace",
        rationale: """
            In the host UTS namespace the container can change the host's hostname and domain name.
            """,
        fix: "Remove --uts=host.",
        fields: ["HostConfig.UTSMode"],
        triggering: [RuleExample(#"{"Id": "a1", "HostConfig": {"UTSMode": "host"}}"#)],
        nonTriggering: [
            RuleExample(#"{"Id": "a1", "HostConfig": {"UTSMode": "private"}}"#),
            RuleExample(#"{"Id": "a1", "HostConfig": {}}"#),
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        container.utsMode == "host" ? .fail("shares the host's UTS namespace", field: "HostConfig.UTSMode") : .pass
    }
}

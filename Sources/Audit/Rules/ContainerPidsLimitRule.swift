import BerthCore

/// CIS 5.29: the PIDs cgroup limit is set.
public struct ContainerPidsLimitRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-pids-limit", cis: "5.29", scope: .container, severity: .warning,
        summary: "container has no PIDs limit",
        rationale: """
            Without a PIDs limit a fork bomb in one container exhausts the host's process table. \
            Podman applies a default limit (2048) from its configuration, which is a real limit and passes.
            """,
        fix: "Set --pids-limit (e.g. --pids-limit 100).",
        fields: ["HostConfig.PidsLimit"],
        triggering: [
            RuleExample(#"{"Id": "a1", "HostConfig": {"PidsLimit": null}}"#),
            RuleExample(#"{"Id": "a1", "HostConfig": {"PidsLimit": -1}}"#),
        ],
        nonTriggering: [RuleExample(#"{"Id": "a1", "HostConfig": {"PidsLimit": 100}}"#)])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        container.pidsLimit == nil ? .fail("has no PIDs limit", field: "HostConfig.PidsLimit") : .pass
    }
}

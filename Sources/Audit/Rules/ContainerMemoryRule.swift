import BerthCore

/// CIS 5.11: a memory limit is set.
public struct ContainerMemoryRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-memory", cis: "5.11", scope: .container, practice: .resourceRequests,
        severity: .warning,
        summary: "container has no memory limit",
        rationale: """
            Without a memory limit one container can exhaust the host's memory and take every other \
            container down with it; the practice asks for limits on every container.
            """,
        fix: "Set --memory (e.g. --memory 512m) to what the workload needs.",
        fields: ["HostConfig.Memory"],
        triggering: [RuleExample(#"{"Id": "a1", "HostConfig": {"Memory": 0}}"#)],
        nonTriggering: [RuleExample(#"{"Id": "a1", "HostConfig": {"Memory": 536870912}}"#)])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        container.memory > 0 ? .pass : .fail("has no memory limit", field: "HostConfig.Memory")
    }
}

import BerthCore

/// CIS 5.25: the container stays in the engine's default cgroup.
public struct ContainerCgroupParentRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-cgroup-parent", cis: "5.25", scope: .container, severity: .info,
        summary: "container runs under a custom cgroup parent",
        rationale: """
            A custom --cgroup-parent moves the container out of the cgroup whose limits the engine \
            manages; confirm that the parent enforces the intended limits.
            """,
        fix: "Remove --cgroup-parent, or confirm the parent cgroup's limits.",
        fields: ["HostConfig.CgroupParent"],
        triggering: [RuleExample(#"{"Id": "a1", "HostConfig": {"CgroupParent": "/custom"}}"#)],
        nonTriggering: [RuleExample(#"{"Id": "a1", "HostConfig": {"CgroupParent": ""}}"#)])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        container.cgroupParent.isEmpty
            ? .pass : .fail("runs under cgroup parent \(container.cgroupParent)", field: "HostConfig.CgroupParent")
    }
}

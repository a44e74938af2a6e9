import BerthCore

/// CIS 5.5: no privileged containers.
public struct ContainerPrivilegedRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-privileged", cis: "5.5", scope: .container, practice: .leastPrivilege, severity: .error,
        summary: "container runs privileged",
        rationale: """
            A privileged container gets every capability, every host device and no seccomp or \
            AppArmor confinement: root in it is root on the host. The practice asks to drop privileges.
            """,
        fix: "Remove --privileged; add the single capability or device the workload needs.",
        fields: ["HostConfig.Privileged"],
        triggering: [RuleExample(#"{"Id": "a1", "Name": "/web", "HostConfig": {"Privileged": true}}"#)],
        nonTriggering: [RuleExample(#"{"Id": "a1", "Name": "/web", "HostConfig": {"Privileged": false}}"#)])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        container.privileged ? .fail("runs privileged", field: "HostConfig.Privileged") : .pass
    }
}

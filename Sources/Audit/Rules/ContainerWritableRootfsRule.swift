import BerthCore

/// CIS 5.13: the root filesystem is read-only.
public struct ContainerWritableRootfsRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-writable-rootfs", cis: "5.13", scope: .container, severity: .warning,
        summary: "container's root filesystem is writable",
        rationale: """
            A read-only root filesystem stops an intruder from changing binaries or planting files; \
            data the application writes belongs on volumes.
            """,
        fix: "Run with --read-only and mount volumes (or tmpfs) for the paths the application writes.",
        fields: ["HostConfig.ReadonlyRootfs"],
        triggering: [RuleExample(#"{"Id": "a1", "HostConfig": {"ReadonlyRootfs": false}}"#)],
        nonTriggering: [RuleExample(#"{"Id": "a1", "HostConfig": {"ReadonlyRootfs": true}}"#)])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        container.readonlyRootfs ? .pass : .fail("root filesystem is writable", field: "HostConfig.ReadonlyRootfs")
    }
}

import BerthCore

/// CIS 5.17: container shares the host's IPC namespace.
public struct ContainerHostIPCRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-host-ipc", cis: "5.17", scope: .container, severity: .error,
        summary: "container shares the host's IPC namespace",
        rationale: """
            In the host IPC namespace the container can read and change the host's shared memory segments and semaphores.
            """,
        fix: "Remove --ipc=host.",
        fields: ["HostConfig.IpcMode"],
        triggering: [RuleExample(#"{"Id": "a1", "HostConfig": {"IpcMode": "host"}}"#)],
        nonTriggering: [
            RuleExample(#"{"Id": "a1", "HostConfig": {"IpcMode": "shareable"}}"#),
            RuleExample(#"{"Id": "a1", "HostConfig": {}}"#),
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        container.ipcMode == "host" ? .fail("shares the host's IPC namespace", field: "HostConfig.IpcMode") : .pass
    }
}

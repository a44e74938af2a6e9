import BerthCore

/// CIS 5.10: container shares the host's network namespace.
public struct ContainerHostNetworkRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-host-network", cis: "5.10", scope: .container, severity: .error,
        summary: "container shares the host's network namespace",
        rationale: """
            With the host network the container sees every host interface and can bind any host port or reach services listening on loopback; it bypasses the engine's network isolation.
            """,
        fix: "Use a bridge or user-defined network and publish only the ports needed.",
        fields: ["HostConfig.NetworkMode"],
        triggering: [RuleExample(#"{"Id": "a1", "HostConfig": {"NetworkMode": "host"}}"#)],
        nonTriggering: [
            RuleExample(#"{"Id": "a1", "HostConfig": {"NetworkMode": "bridge"}}"#),
            RuleExample(#"{"Id": "a1", "HostConfig": {}}"#),
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        container.networkMode == "host"
            ? .fail("shares the host's network namespace", field: "HostConfig.NetworkMode") : .pass
    }
}

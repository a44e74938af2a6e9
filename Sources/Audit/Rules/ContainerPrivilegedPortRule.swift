import BerthCore

/// CIS 5.8: privileged host ports are not mapped.
public struct ContainerPrivilegedPortRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-privileged-port", cis: "5.8", scope: .container, practice: .requiredPortsOnly,
        severity: .warning,
        summary: "container publishes a privileged host port (below 1024)",
        rationale: """
            Ports below 1024 are reserved for the host's privileged services; publishing one lets a \
            container take a well-known service's place. Publish on a high port and let a proxy or load \
            balancer use the low one.
            """,
        fix: "Publish on a host port of 1024 or above (-p 8080:8080).",
        fields: ["NetworkSettings.Ports", "HostConfig.PortBindings"],
        triggering: [
            RuleExample(
                #"{"Id": "a1", "HostConfig": {"PortBindings": {"8080/tcp": [{"HostIp": "", "HostPort": "80"}]}}}"#)
        ],
        nonTriggering: [
            RuleExample(
                #"{"Id": "a1", "HostConfig": {"PortBindings": {"8080/tcp": [{"HostIp": "", "HostPort": "8080"}]}}}"#),
            RuleExample(#"{"Id": "a1", "NetworkSettings": {"Ports": {"80/tcp": null}}}"#),
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        let violations = container.ports.compactMap { port -> Violation? in
            guard port.hostPort > 0, port.hostPort < 1024 else { return nil }
            return Violation(
                "publishes \(port.containerPort) on privileged host port \(port.hostPort)",
                field: "HostConfig.PortBindings[\"\(port.containerPort)\"]")
        }
        return violations.isEmpty ? .pass : .fail(violations)
    }
}

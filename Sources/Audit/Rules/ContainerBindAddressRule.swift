import BerthCore

/// CIS 5.14: published ports are bound to a specific host interface.
public struct ContainerBindAddressRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-bind-address", cis: "5.14", scope: .container, practice: .requiredPortsOnly,
        severity: .warning,
        summary: "container publishes a port on every host interface",
        rationale: """
            A port published without a host address (or on 0.0.0.0 or ::) is reachable on every host \
            interface, including public ones; bind it to the interface that should serve it.
            """,
        fix: "Publish with an address: -p 10.0.0.5:8443:8443 (or 127.0.0.1 for local use).",
        fields: ["NetworkSettings.Ports", "HostConfig.PortBindings"],
        triggering: [
            RuleExample(
                #"{"Id": "a1", "HostConfig": {"PortBindings": {"8443/tcp": [{"HostIp": "", "HostPort": "8443"}]}}}"#),
            RuleExample(
                #"{"Id": "a1", "HostConfig": {"PortBindings": {"8443/tcp": [{"HostIp": "::", "HostPort": "8443"}]}}}"#),
        ],
        nonTriggering: [
            RuleExample(
                #"{"Id": "a1", "HostConfig": {"PortBindings": {"8443/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8443"}]}}}"#
            )
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        let violations = container.ports.compactMap { port -> Violation? in
            guard ["", "0.0.0.0", "::", "[::]"].contains(port.hostIP) else { return nil }
            let address = port.hostIP.isEmpty ? "all interfaces" : port.hostIP
            return Violation(
                "publishes \(port.containerPort) on \(address) (host port \(port.hostPort))",
                field: "HostConfig.PortBindings[\"\(port.containerPort)\"].HostIp")
        }
        return violations.isEmpty ? .pass : .fail(violations)
    }
}

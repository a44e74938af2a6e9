import BerthCore

/// CIS 2.16: the userland proxy is off.
public struct DaemonUserlandProxyRule: DaemonAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-daemon-userland-proxy", cis: "2.16", scope: .daemon, severity: .info,
        summary: "daemon forwards published ports through the userland proxy",
        rationale: """
            Where iptables hairpin NAT works, the userland proxy is an extra process per published port \
            and extra attack surface.
            """,
        fix: "Set \"userland-proxy\": false in daemon.json.",
        fields: ["daemon.json userland-proxy"],
        triggering: [RuleExample("{}")],
        nonTriggering: [RuleExample(#"{"userland-proxy": false}"#)])

    public init() {}

    public func judge(_ daemon: DaemonFacts) -> Verdict {
        guard let configuration = daemon.configuration else {
            return daemon.engine == .podman
                ? .notApplicable("Podman has no userland-proxy setting")
                : .notDecidable("needs daemon.json (--daemon-config)")
        }
        return configuration.userlandProxy == false
            ? .pass : .fail("the userland proxy is on", field: "daemon.json userland-proxy")
    }
}

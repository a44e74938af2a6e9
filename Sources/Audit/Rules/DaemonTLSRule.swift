import BerthCore

/// CIS 2.7: a daemon listening on TCP requires TLS client authentication.
public struct DaemonTLSRule: DaemonAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-daemon-tls", cis: "2.7", scope: .daemon, severity: .error,
        summary: "daemon listens on TCP without TLS client verification",
        rationale: """
            The engine API is root on the host; on a TCP socket without tlsverify anyone who can reach \
            the port controls the host. Reported from daemon.json's hosts, and when Berth itself reached \
            the engine over plain TCP.
            """,
        fix: "Set \"tlsverify\": true with tlscacert, tlscert and tlskey, or listen on the unix socket only.",
        fields: ["daemon.json hosts", "daemon.json tlsverify"],
        triggering: [RuleExample(#"{"hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]}"#)],
        nonTriggering: [
            RuleExample(#"{"hosts": ["tcp://0.0.0.0:2376"], "tlsverify": true}"#),
            RuleExample(#"{"hosts": ["unix:///var/run/docker.sock"]}"#),
        ])

    public init() {}

    public func judge(_ daemon: DaemonFacts) -> Verdict {
        if daemon.plainTCP {
            return .fail("answered Berth over TCP without TLS", field: "connection")
        }
        guard let configuration = daemon.configuration else {
            return .notDecidable("needs daemon.json (the engine API does not report its listeners)")
        }
        let tcp = configuration.hosts.filter { $0.hasPrefix("tcp://") }
        if tcp.isEmpty || configuration.tlsVerify == true { return .pass }
        return .fail("listens on \(tcp.joined(separator: ", ")) without tlsverify", field: "daemon.json hosts")
    }
}

import BerthCore

/// CIS 5.1: swarm mode is off unless needed.
public struct DaemonSwarmRule: DaemonAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-daemon-swarm", cis: "5.1", scope: .daemon, severity: .info,
        summary: "engine has swarm mode enabled",
        rationale: """
            Swarm mode opens management and gossip ports on the host; leave it off unless the host is \
            part of a swarm on purpose.
            """,
        fix: "Leave the swarm (docker swarm leave) if the host does not need it.",
        fields: ["GET /info Swarm.LocalNodeState"],
        triggering: [RuleExample("{}", files: ["info": #"{"Swarm": {"LocalNodeState": "active"}}"#])],
        nonTriggering: [RuleExample("{}", files: ["info": #"{"Swarm": {"LocalNodeState": "inactive"}}"#])])

    public init() {}

    public func judge(_ daemon: DaemonFacts) -> Verdict {
        guard let info = daemon.info else { return .notDecidable("needs the engine's info") }
        return info.swarmState == "active"
            ? .fail("swarm mode is active", field: "GET /info Swarm.LocalNodeState") : .pass
    }
}

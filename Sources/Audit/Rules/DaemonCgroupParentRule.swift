import BerthCore

/// CIS 2.10: the default cgroup parent is confirmed.
public struct DaemonCgroupParentRule: DaemonAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-daemon-cgroup-parent", cis: "2.10", scope: .daemon, severity: .info,
        summary: "daemon places containers under a custom cgroup parent",
        rationale: """
            A daemon-wide cgroup-parent moves every container under a cgroup the engine does not manage; \
            confirm that it enforces the intended limits.
            """,
        fix: "Remove cgroup-parent from daemon.json, or confirm the parent cgroup's limits.",
        fields: ["daemon.json cgroup-parent"],
        triggering: [RuleExample(#"{"cgroup-parent": "/containers"}"#)],
        nonTriggering: [RuleExample("{}")])

    public init() {}

    public func judge(_ daemon: DaemonFacts) -> Verdict {
        guard let configuration = daemon.configuration else {
            return .notDecidable("needs daemon.json (--daemon-config)")
        }
        guard let parent = configuration.cgroupParent, !parent.isEmpty else { return .pass }
        return .fail("cgroup parent is \(parent)", field: "daemon.json cgroup-parent")
    }
}

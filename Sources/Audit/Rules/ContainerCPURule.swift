import BerthCore

/// CIS 5.12: CPU use is bounded or weighted.
public struct ContainerCPURule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-cpu", cis: "5.12", scope: .container, practice: .resourceRequests, severity: .warning,
        summary: "container has no CPU limit or priority",
        rationale: """
            Without CPU shares, a CPU quota (--cpus) or a CPU set, one busy container starves the others. \
            The benchmark names CPU shares; a quota or CPU set bounds use more strictly, so each counts.
            """,
        fix: "Set --cpus (or --cpu-shares, --cpuset-cpus) to what the workload needs.",
        fields: ["HostConfig.CpuShares", "HostConfig.NanoCpus", "HostConfig.CpuQuota", "HostConfig.CpusetCpus"],
        triggering: [RuleExample(#"{"Id": "a1", "HostConfig": {"CpuShares": 0, "NanoCpus": 0, "CpuQuota": 0}}"#)],
        nonTriggering: [
            RuleExample(#"{"Id": "a1", "HostConfig": {"NanoCpus": 1000000000}}"#),
            RuleExample(#"{"Id": "a1", "HostConfig": {"CpuShares": 512}}"#),
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        let weighted = container.cpuShares > 0 && container.cpuShares != 1024
        if weighted || container.nanoCpus > 0 || container.cpuQuota > 0 || !container.cpusetCpus.isEmpty {
            return .pass
        }
        return .fail("has no CPU limit, quota, set or non-default shares", field: "HostConfig.NanoCpus")
    }
}

import BerthCore

/// CIS 5.19: the default ulimits are overridden only where needed.
public struct ContainerUlimitRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-ulimits", cis: "5.19", scope: .container, severity: .info,
        summary: "container overrides the engine's default ulimits",
        rationale: """
            The engine's default ulimits are the reviewed baseline; a per-container override should be \
            a deliberate, needed exception. Podman writes its own open-file and process limits into \
            every container (equal soft and hard values); those are read as its defaults, not overrides.
            """,
        fix: "Remove --ulimit unless the workload needs it; review the values when it does.",
        fields: ["HostConfig.Ulimits"],
        triggering: [
            RuleExample(#"{"Id": "a1", "HostConfig": {"Ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 2048}]}}"#)
        ],
        nonTriggering: [
            RuleExample(#"{"Id": "a1", "HostConfig": {"Ulimits": null}}"#),
            RuleExample(
                #"{"Id": "a1", "ImageName": "x", "HostConfig": {"Ulimits": [{"Name": "RLIMIT_NOFILE", "Soft": 1048576, "Hard": 1048576}]}}"#
            ),
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        let violations = container.ulimits.map { ulimit in
            Violation(
                "overrides ulimit \(ulimit.name) (soft \(ulimit.soft), hard \(ulimit.hard))",
                field: "HostConfig.Ulimits")
        }
        return violations.isEmpty ? .pass : .fail(violations)
    }
}

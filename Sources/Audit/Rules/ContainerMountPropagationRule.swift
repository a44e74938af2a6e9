import BerthCore

/// CIS 5.20: mount propagation is not shared.
public struct ContainerMountPropagationRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-mount-propagation", cis: "5.20", scope: .container, severity: .warning,
        summary: "container mounts a volume with shared propagation",
        rationale: """
            With shared (or rshared) propagation, mounts made inside the container appear on the host \
            and the other way round, so a container can change the host's mount table.
            """,
        fix: "Use the default private propagation (drop :shared / :rshared from the mount).",
        fields: ["Mounts[].Propagation"],
        triggering: [
            RuleExample(
                #"{"Id": "a1", "Mounts": [{"Type": "bind", "Source": "/srv", "Destination": "/srv", "Propagation": "rshared"}]}"#
            )
        ],
        nonTriggering: [
            RuleExample(
                #"{"Id": "a1", "Mounts": [{"Type": "bind", "Source": "/srv", "Destination": "/srv", "Propagation": "rprivate"}]}"#
            )
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        let violations = container.mounts.enumerated().compactMap { offset, mount -> Violation? in
            guard mount.propagation == "shared" || mount.propagation == "rshared" else { return nil }
            return Violation(
                "mounts \(mount.source) at \(mount.destination) with \(mount.propagation) propagation",
                field: "Mounts[\(offset)].Propagation")
        }
        return violations.isEmpty ? .pass : .fail(violations)
    }
}

import BerthCore

/// CIS 5.4: capabilities beyond the engine's default set are not added.
public struct ContainerCapabilitiesRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-capabilities", cis: "5.4", scope: .container, practice: .leastPrivilege,
        severity: .warning,
        summary: "container adds Linux capabilities beyond the default set",
        rationale: """
            Every added capability (SYS_ADMIN above all) widens what a compromised process can do to \
            the host. The benchmark asks for the default set at most, better only what the workload \
            needs. A capability outside the engine's default set is reported whatever --cap-drop \
            removes, since dropping others does not make an added one safe; names are read with or \
            without Podman's CAP_ prefix.
            """,
        fix: "Remove --cap-add (or add only what is needed after --cap-drop ALL).",
        fields: ["HostConfig.CapAdd", "HostConfig.CapDrop"],
        triggering: [
            RuleExample(#"{"Id": "a1", "HostConfig": {"CapAdd": ["SYS_ADMIN"], "CapDrop": null}}"#),
            RuleExample(#"{"Id": "a1", "ImageName": "x", "HostConfig": {"CapAdd": ["CAP_NET_ADMIN"]}}"#),
            RuleExample(#"{"Id": "a1", "HostConfig": {"CapAdd": ["ALL"]}}"#),
        ],
        nonTriggering: [
            RuleExample(#"{"Id": "a1", "HostConfig": {"CapAdd": null, "CapDrop": ["ALL"]}}"#),
            RuleExample(#"{"Id": "a1", "HostConfig": {"CapAdd": ["NET_BIND_SERVICE"], "CapDrop": ["ALL"]}}"#),
            RuleExample(#"{"Id": "a1", "HostConfig": {"CapAdd": ["CAP_CHOWN"]}}"#),
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        let extra = container.capAdd.filter { name in
            name == "ALL" || !ContainerInspect.defaultCapabilities.contains(name)
        }
        guard !extra.isEmpty else { return .pass }
        return .fail("adds capabilities \(extra.joined(separator: ", "))", field: "HostConfig.CapAdd")
    }
}

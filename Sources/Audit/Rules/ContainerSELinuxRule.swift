import BerthCore

/// CIS 5.3: SELinux confines the container, where SELinux is in use.
public struct ContainerSELinuxRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-selinux", cis: "5.3", scope: .container, practice: .leastPrivilege, severity: .warning,
        summary: "container runs with SELinux labelling disabled",
        rationale: """
            On an SELinux host each container gets its own label, which keeps it away from other \
            containers' and the host's files; label=disable removes that. Without --security-opt \
            label=disable, the verdict needs the engine's security options (GET /info).
            """,
        fix: "Remove --security-opt label=disable; relabel volumes with :z or :Z instead.",
        fields: ["HostConfig.SecurityOpt", "ProcessLabel"],
        triggering: [
            RuleExample(#"{"Id": "a1", "HostConfig": {"SecurityOpt": ["label=disable"]}}"#),
            RuleExample(
                #"{"Id": "a1", "ProcessLabel": ""}"#, files: ["info": #"{"SecurityOptions": ["name=selinux"]}"#]),
        ],
        nonTriggering: [
            RuleExample(#"{"Id": "a1", "ProcessLabel": "system_u:system_r:container_t:s0:c1,c2"}"#),
            RuleExample(
                #"{"Id": "a1", "ProcessLabel": ""}"#, files: ["info": #"{"SecurityOptions": ["name=seccomp"]}"#]),
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        let labels = container.securityOptions("label")
        if labels.contains("disable") || labels.contains("type:spc_t") {
            return .fail("runs with SELinux labelling disabled", field: "HostConfig.SecurityOpt")
        }
        if !container.processLabel.isEmpty { return .pass }
        guard let info = context.daemon?.info else {
            return .notDecidable("no SELinux label recorded, and the engine's security options are not known")
        }
        guard info.hasSecurityOption("selinux") else { return .notApplicable("the engine does not use SELinux") }
        return .fail("has no SELinux label on an SELinux host", field: "ProcessLabel")
    }
}

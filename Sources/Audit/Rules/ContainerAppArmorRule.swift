import BerthCore

/// CIS 5.2: an AppArmor profile confines the container, where AppArmor is in use.
public struct ContainerAppArmorRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-apparmor", cis: "5.2", scope: .container, practice: .leastPrivilege, severity: .warning,
        summary: "container runs without an AppArmor profile",
        rationale: """
            On an AppArmor host the engine's default profile limits file and mount access; an \
            unconfined container loses it. An empty profile is a failure only when the engine says \
            AppArmor is enabled (GET /info); from saved inspect JSON alone it is not decidable.
            """,
        fix: "Remove --security-opt apparmor=unconfined; run with the default or a custom profile.",
        fields: ["AppArmorProfile", "HostConfig.SecurityOpt"],
        triggering: [
            RuleExample(#"{"Id": "a1", "AppArmorProfile": "unconfined"}"#),
            RuleExample(
                #"{"Id": "a1", "AppArmorProfile": "", "HostConfig": {"SecurityOpt": ["apparmor=unconfined"]}}"#),
            RuleExample(
                #"{"Id": "a1", "AppArmorProfile": ""}"#, files: ["info": #"{"SecurityOptions": ["name=apparmor"]}"#]),
        ],
        nonTriggering: [
            RuleExample(#"{"Id": "a1", "AppArmorProfile": "docker-default"}"#),
            RuleExample(#"{"Id": "a1", "AppArmorProfile": ""}"#),
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        if container.appArmorProfile == "unconfined" || container.securityOptions("apparmor").contains("unconfined") {
            return .fail("runs with AppArmor unconfined", field: "HostConfig.SecurityOpt")
        }
        if !container.appArmorProfile.isEmpty { return .pass }
        guard let info = context.daemon?.info else {
            return .notDecidable("no AppArmor profile recorded, and the engine's security options are not known")
        }
        guard info.hasSecurityOption("apparmor") else { return .notApplicable("the engine does not use AppArmor") }
        return .fail("has no AppArmor profile on an AppArmor host", field: "AppArmorProfile")
    }
}

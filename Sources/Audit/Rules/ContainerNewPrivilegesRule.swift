import BerthCore

/// CIS 5.26: processes cannot gain new privileges.
public struct ContainerNewPrivilegesRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-new-privileges", cis: "5.26", scope: .container, practice: .leastPrivilege,
        severity: .warning,
        summary: "container allows processes to gain new privileges",
        rationale: """
            Without no-new-privileges, setuid and setgid binaries in the image can raise a process's \
            privileges; the practice asks for no privilege escalation.
            """,
        fix: "Run with --security-opt no-new-privileges (or set it daemon-wide).",
        fields: ["HostConfig.SecurityOpt"],
        triggering: [RuleExample(#"{"Id": "a1", "HostConfig": {"SecurityOpt": null}}"#)],
        nonTriggering: [
            RuleExample(#"{"Id": "a1", "HostConfig": {"SecurityOpt": ["no-new-privileges"]}}"#),
            RuleExample(#"{"Id": "a1", "HostConfig": {"SecurityOpt": ["no-new-privileges:true"]}}"#),
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        let set = container.securityOpt.contains { option in
            option == "no-new-privileges" || option == "no-new-privileges:true" || option == "no-new-privileges=true"
        }
        if set { return .pass }
        if context.daemon?.configuration?.noNewPrivileges == true { return .pass }
        return .fail("does not set no-new-privileges", field: "HostConfig.SecurityOpt")
    }
}

import BerthCore

/// CIS 4.1, as a container check: the container does not run as root.
public struct ContainerUserRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-user", cis: "4.1", scope: .container, practice: .nonRootUser, severity: .warning,
        summary: "container runs as root",
        rationale: """
            A container whose user is empty, 0 or root runs its processes as root; with any escape \
            that is root on the host. The practice: never run as root.
            """,
        fix: "Set USER in the image, or run with --user UID:GID (a non-zero id).",
        fields: ["Config.User"],
        triggering: [
            RuleExample(#"{"Id": "a1", "Config": {"User": ""}}"#),
            RuleExample(#"{"Id": "a1", "Config": {"User": "0:0"}}"#),
        ],
        nonTriggering: [
            RuleExample(#"{"Id": "a1", "Config": {"User": "10001"}}"#),
            RuleExample(#"{"Id": "a1", "Config": {"User": "wso2carbon"}}"#),
        ])

    public init() {}

    /// True for an empty user, `0`, `root`, with or without a group.
    public static func isRoot(_ user: String) -> Bool {
        let name =
            user.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return name.isEmpty || name == "0" || name == "root"
    }

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        guard Self.isRoot(container.user) else { return .pass }
        return .fail(
            container.user.isEmpty ? "runs as root (no user set)" : "runs as '\(container.user)'", field: "Config.User")
    }
}

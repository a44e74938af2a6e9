import BerthCore

/// CIS 4.1: the image sets a non-root user.
public struct ImageUserRule: ImageAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-image-user", cis: "4.1", scope: .image, practice: .nonRootUser, severity: .warning,
        summary: "image runs as root by default",
        rationale: """
            An image without a USER (or with USER 0 or root) starts every container as root unless \
            each run overrides it. The practice: the final stage sets a non-root USER.
            """,
        fix: "Create a user in the image and end with USER that-user (a non-zero UID).",
        fields: ["Config.User"],
        triggering: [RuleExample(#"{"Id": "sha256:1", "RepoTags": ["app:1"], "Config": {"User": ""}}"#)],
        nonTriggering: [RuleExample(#"{"Id": "sha256:1", "RepoTags": ["app:1"], "Config": {"User": "10001"}}"#)])

    public init() {}

    public func judge(_ image: ImageInspect) -> Verdict {
        guard ContainerUserRule.isRoot(image.user) else { return .pass }
        return .fail(image.user.isEmpty ? "sets no USER" : "sets USER '\(image.user)'", field: "Config.User")
    }
}

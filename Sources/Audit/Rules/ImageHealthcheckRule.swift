import BerthCore

/// CIS 4.6: the image has a HEALTHCHECK.
public struct ImageHealthcheckRule: ImageAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-image-healthcheck", cis: "4.6", scope: .image, practice: .healthProbes, severity: .warning,
        summary: "image has no HEALTHCHECK",
        rationale: """
            A HEALTHCHECK in the image lets every engine that runs it tell a working service from a hung \
            one, without each deployment repeating the check.
            """,
        fix: "Add HEALTHCHECK CMD ... to the Dockerfile (e.g. a request to the service's health endpoint).",
        fields: ["Config.Healthcheck"],
        triggering: [RuleExample(#"{"Id": "sha256:1", "Config": {"Healthcheck": null}}"#)],
        nonTriggering: [
            RuleExample(#"{"Id": "sha256:1", "Config": {"Healthcheck": {"Test": ["CMD-SHELL", "curl -f localhost"]}}}"#)
        ])

    public init() {}

    public func judge(_ image: ImageInspect) -> Verdict {
        image.healthcheck ? .pass : .fail("has no HEALTHCHECK", field: "Config.Healthcheck")
    }
}

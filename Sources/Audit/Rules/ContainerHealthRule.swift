import BerthCore

/// CIS 5.27: container health is checked at runtime.
public struct ContainerHealthRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-health", cis: "5.27", scope: .container, practice: .healthProbes, severity: .warning,
        summary: "container has no health check, or is unhealthy",
        rationale: """
            Without a health check the engine cannot tell a hung service from a working one; an \
            unhealthy container is serving errors now. Podman reports an empty health status for \
            containers without a check, which reads the same as Docker's absent one.
            """,
        fix: "Add a HEALTHCHECK to the image or --health-cmd to the container; investigate unhealthy ones.",
        fields: ["Config.Healthcheck", "State.Health.Status"],
        triggering: [
            RuleExample(#"{"Id": "a1", "State": {"Health": {"Status": ""}}}"#),
            RuleExample(
                #"{"Id": "a1", "Config": {"Healthcheck": {"Test": ["CMD", "true"]}}, "State": {"Health": {"Status": "unhealthy"}}}"#
            ),
        ],
        nonTriggering: [
            RuleExample(
                #"{"Id": "a1", "Config": {"Healthcheck": {"Test": ["CMD", "true"]}}, "State": {"Health": {"Status": "healthy"}}}"#
            )
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        switch container.healthStatus {
        case nil:
            return .fail("has no health check", field: "State.Health.Status")
        case "unhealthy":
            return .fail("is unhealthy", field: "State.Health.Status", severity: .error)
        default:
            return .pass
        }
    }
}

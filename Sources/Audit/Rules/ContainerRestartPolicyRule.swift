import BerthCore

/// CIS 5.15: restarts are bounded (`on-failure` with at most 5 retries).
public struct ContainerRestartPolicyRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-restart-policy", cis: "5.15", scope: .container, severity: .warning,
        summary: "container restarts without a bound",
        rationale: """
            `always`, `unless-stopped` and `on-failure` without a small retry count restart a failing \
            container forever, which can hide an attack or exhaust the host. The benchmark asks for \
            `on-failure` with at most 5 retries (or no restart policy).
            """,
        fix: "Use --restart on-failure:5, or leave restarts to an orchestrator.",
        fields: ["HostConfig.RestartPolicy.Name", "HostConfig.RestartPolicy.MaximumRetryCount"],
        triggering: [
            RuleExample(#"{"Id": "a1", "HostConfig": {"RestartPolicy": {"Name": "always"}}}"#),
            RuleExample(
                #"{"Id": "a1", "HostConfig": {"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 10}}}"#),
        ],
        nonTriggering: [
            RuleExample(
                #"{"Id": "a1", "HostConfig": {"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 5}}}"#),
            RuleExample(#"{"Id": "a1", "HostConfig": {"RestartPolicy": {"Name": "no"}}}"#),
        ])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        switch container.restartPolicy {
        case "", "no":
            return .pass
        case "on-failure":
            if (1...5).contains(container.restartRetries) { return .pass }
            let count = container.restartRetries == 0 ? "unlimited" : "\(container.restartRetries)"
            return .fail(
                "restarts on failure \(count) times (at most 5)", field: "HostConfig.RestartPolicy.MaximumRetryCount")
        default:
            return .fail(
                "restart policy '\(container.restartPolicy)' has no bound", field: "HostConfig.RestartPolicy.Name")
        }
    }
}

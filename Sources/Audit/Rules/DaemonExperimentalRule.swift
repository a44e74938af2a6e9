import BerthCore

/// CIS 2.18: experimental features are off in production.
public struct DaemonExperimentalRule: DaemonAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-daemon-experimental", cis: "2.18", scope: .daemon, severity: .warning,
        summary: "daemon runs with experimental features",
        rationale: """
            Experimental features are unstable and not covered by security review. Podman's \
            Docker-compatible info always reports an experimental build, so that field is not read for it.
            """,
        fix: "Remove \"experimental\": true from daemon.json.",
        fields: ["daemon.json experimental", "GET /info ExperimentalBuild"],
        triggering: [
            RuleExample(#"{"experimental": true}"#),
            RuleExample("{}", files: ["info": #"{"ExperimentalBuild": true}"#]),
        ],
        nonTriggering: [RuleExample("{}"), RuleExample("{}", files: ["info": #"{"ExperimentalBuild": false}"#])])

    public init() {}

    public func judge(_ daemon: DaemonFacts) -> Verdict {
        if daemon.configuration?.experimental == true {
            return .fail("experimental features are on", field: "daemon.json experimental")
        }
        if daemon.engine != .podman, daemon.info?.experimental == true {
            return .fail("experimental features are on", field: "GET /info ExperimentalBuild")
        }
        if daemon.configuration == nil && (daemon.info == nil || daemon.engine == .podman) {
            return .notDecidable("needs daemon.json or a Docker engine's info")
        }
        return .pass
    }
}

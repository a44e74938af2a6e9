import BerthCore

/// CIS 2.12: an authorization plugin controls client commands.
public struct DaemonAuthorizationRule: DaemonAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-daemon-authorization", cis: "2.12", scope: .daemon, severity: .info,
        summary: "daemon has no authorization plugin",
        rationale: """
            Without an authorization plugin anyone who can reach the engine's socket may run any \
            command. Podman has no such plugins (access is the socket's permissions), so the rule does \
            not apply to it.
            """,
        fix: "Configure an authorization plugin (\"authorization-plugins\" in daemon.json).",
        fields: ["daemon.json authorization-plugins", "GET /info Plugins.Authorization"],
        triggering: [RuleExample("{}"), RuleExample("{}", files: ["info": #"{"Plugins": {"Authorization": null}}"#])],
        nonTriggering: [RuleExample(#"{"authorization-plugins": ["opa-docker-authz"]}"#)])

    public init() {}

    public func judge(_ daemon: DaemonFacts) -> Verdict {
        if daemon.engine == .podman { return .notApplicable("Podman has no authorization plugins") }
        if !(daemon.configuration?.authorizationPlugins ?? []).isEmpty { return .pass }
        if let info = daemon.info {
            return info.authorizationPlugins.isEmpty
                ? .fail("has no authorization plugin", field: "GET /info Plugins.Authorization") : .pass
        }
        guard daemon.configuration != nil else { return .notDecidable("needs daemon.json or the engine's info") }
        return .fail("has no authorization plugin", field: "daemon.json authorization-plugins")
    }
}

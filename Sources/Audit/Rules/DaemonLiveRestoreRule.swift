import BerthCore

/// CIS 2.15: live restore is enabled.
public struct DaemonLiveRestoreRule: DaemonAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-daemon-live-restore", cis: "2.15", scope: .daemon, severity: .info,
        summary: "daemon stops containers when it restarts",
        rationale: """
            With live-restore, containers keep running while the daemon is upgraded or restarted, so \
            patching the engine needs no downtime. Either daemon.json or GET /info may show it. Podman \
            has no daemon whose restart stops containers, so it does not apply there.
            """,
        fix: "Set \"live-restore\": true in daemon.json.",
        fields: ["daemon.json live-restore", "GET /info LiveRestoreEnabled"],
        triggering: [RuleExample("{}"), RuleExample("{}", files: ["info": #"{"LiveRestoreEnabled": false}"#])],
        nonTriggering: [
            RuleExample(#"{"live-restore": true}"#),
            RuleExample("{}", files: ["info": #"{"LiveRestoreEnabled": true}"#]),
        ])

    public init() {}

    public func judge(_ daemon: DaemonFacts) -> Verdict {
        if daemon.engine == .podman { return .notApplicable("Podman runs containers without a daemon") }
        if daemon.configuration?.liveRestore == true || daemon.info?.liveRestore == true { return .pass }
        if let enabled = daemon.info?.liveRestore, !enabled {
            return .fail("live restore is off", field: "GET /info LiveRestoreEnabled")
        }
        guard daemon.configuration != nil else { return .notDecidable("needs daemon.json or the engine's info") }
        return .fail("live restore is off", field: "daemon.json live-restore")
    }
}

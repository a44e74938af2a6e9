import BerthCore

/// CIS 2.9: user namespace remapping is on.
public struct DaemonUsernsRule: DaemonAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-daemon-userns", cis: "2.9", scope: .daemon, severity: .info,
        summary: "daemon does not remap container users to unprivileged host users",
        rationale: """
            With user namespace remapping (or a rootless engine) root in a container is an unprivileged \
            user on the host, which blunts most escapes.
            """,
        fix: "Set \"userns-remap\": \"default\" in daemon.json, or run the engine rootless.",
        fields: ["daemon.json userns-remap", "GET /info SecurityOptions"],
        triggering: [RuleExample("{}"), RuleExample("{}", files: ["info": #"{"SecurityOptions": ["name=seccomp"]}"#])],
        nonTriggering: [
            RuleExample(#"{"userns-remap": "default"}"#),
            RuleExample("{}", files: ["info": #"{"SecurityOptions": ["name=seccomp", "name=rootless"]}"#]),
        ])

    public init() {}

    public func judge(_ daemon: DaemonFacts) -> Verdict {
        if let remap = daemon.configuration?.usernsRemap, !remap.isEmpty { return .pass }
        if let info = daemon.info {
            if info.hasSecurityOption("userns") || info.hasSecurityOption("rootless") { return .pass }
            return .fail("runs containers in the host's user namespace", field: "GET /info SecurityOptions")
        }
        guard daemon.configuration != nil else { return .notDecidable("needs daemon.json or the engine's info") }
        return .fail("userns-remap is not set", field: "daemon.json userns-remap")
    }
}

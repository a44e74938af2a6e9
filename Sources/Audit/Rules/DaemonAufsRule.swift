import BerthCore

/// CIS 2.6: the aufs storage driver is not used.
public struct DaemonAufsRule: DaemonAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-daemon-aufs", cis: "2.6", scope: .daemon, severity: .warning,
        summary: "daemon uses the aufs storage driver",
        rationale: """
            aufs is unmaintained, removed from current engines and known to crash kernels; overlay2 \
            replaces it.
            """,
        fix: "Switch the storage driver to overlay2 (\"storage-driver\": \"overlay2\").",
        fields: ["daemon.json storage-driver", "GET /info Driver"],
        triggering: [
            RuleExample(#"{"storage-driver": "aufs"}"#), RuleExample("{}", files: ["info": #"{"Driver": "aufs"}"#]),
        ],
        nonTriggering: [RuleExample(#"{"storage-driver": "overlay2"}"#)])

    public init() {}

    public func judge(_ daemon: DaemonFacts) -> Verdict {
        if daemon.configuration?.storageDriver == "aufs" {
            return .fail("storage driver is aufs", field: "daemon.json storage-driver")
        }
        if daemon.info?.driver == "aufs" { return .fail("storage driver is aufs", field: "GET /info Driver") }
        if daemon.info == nil && daemon.configuration?.storageDriver == nil {
            return .notDecidable("needs the engine's info or a storage-driver in daemon.json")
        }
        return .pass
    }
}

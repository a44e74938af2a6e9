import BerthCore

/// CIS 2.11: the base device size is left alone until needed.
public struct DaemonBaseDeviceSizeRule: DaemonAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-daemon-base-device-size", cis: "2.11", scope: .daemon, severity: .info,
        summary: "daemon changes the base device size",
        rationale: """
            A larger dm.basesize lets every container fill more of the host's disk; change it only \
            when a workload needs it.
            """,
        fix: "Remove dm.basesize from storage-opts unless a workload needs it.",
        fields: ["daemon.json storage-opts"],
        triggering: [RuleExample(#"{"storage-opts": ["dm.basesize=50G"]}"#)],
        nonTriggering: [RuleExample(#"{"storage-opts": ["overlay2.size=10G"]}"#)])

    public init() {}

    public func judge(_ daemon: DaemonFacts) -> Verdict {
        guard let configuration = daemon.configuration else {
            return .notDecidable("needs daemon.json (--daemon-config)")
        }
        guard let option = configuration.storageOptions.first(where: { $0.hasPrefix("dm.basesize") }) else {
            return .pass
        }
        return .fail("sets \(option)", field: "daemon.json storage-opts")
    }
}

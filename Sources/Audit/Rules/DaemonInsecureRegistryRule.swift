import BerthCore

/// CIS 2.5: no insecure registries.
public struct DaemonInsecureRegistryRule: DaemonAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-daemon-insecure-registries", cis: "2.5", scope: .daemon, practice: .httpsOnly, severity: .error,
        summary: "daemon pulls from registries without verified TLS",
        rationale: """
            An insecure registry is reached over plain HTTP or unverified TLS, so anyone on the path can \
            swap the images the engine pulls. The practice: remote files only over HTTPS. Loopback \
            ranges, which Docker lists by default, are not reported.
            """,
        fix: "Remove the registry from insecure-registries and give it a trusted certificate.",
        fields: ["daemon.json insecure-registries", "GET /info RegistryConfig"],
        triggering: [
            RuleExample(#"{"insecure-registries": ["registry.local:5000"]}"#),
            RuleExample(
                "{}",
                files: [
                    "info": #"{"RegistryConfig": {"InsecureRegistryCIDRs": ["127.0.0.0/8", "10.0.0.0/8"]}}"#
                ]),
        ],
        nonTriggering: [
            RuleExample("{}"),
            RuleExample("{}", files: ["info": #"{"RegistryConfig": {"InsecureRegistryCIDRs": ["127.0.0.0/8"]}}"#]),
        ])

    public init() {}

    public func judge(_ daemon: DaemonFacts) -> Verdict {
        var violations: [Violation] = []
        for registry in daemon.configuration?.insecureRegistries ?? [] {
            violations.append(Violation("registry \(registry) is insecure", field: "daemon.json insecure-registries"))
        }
        for registry in daemon.info?.insecureRegistries ?? []
        where !(daemon.configuration?.insecureRegistries ?? []).contains(registry) {
            violations.append(Violation("registry \(registry) is insecure", field: "GET /info RegistryConfig"))
        }
        if !violations.isEmpty { return .fail(violations) }
        return daemon.configuration == nil && daemon.info == nil
            ? .notDecidable("needs daemon.json or the engine's info") : .pass
    }
}

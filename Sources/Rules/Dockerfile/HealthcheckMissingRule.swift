import BerthCore
import Dockerfile

/// No HEALTHCHECK in the image (CIS Docker Benchmark 4.6).
public struct HealthcheckMissingRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-healthcheck-missing", practice: .cisBenchmark, severity: .warning, target: .dockerfile,
        summary: "the image has no HEALTHCHECK (CIS Docker Benchmark 4.6)",
        rationale: """
            The CIS Docker Benchmark (cis-benchmark), check 4.6 "Ensure that HEALTHCHECK instructions \
            have been added to container images": without one, Docker reports a hung WSO2 server as \
            running and nothing restarts it.
            """,
        fix:
            "HEALTHCHECK --interval=30s --timeout=5s --start-period=120s CMD curl -fsk https://localhost:9443/carbon/admin/login.jsp || exit 1",
        triggering: [
            RuleExample("↓FROM alpine:3.20\nUSER 802\n"),
            RuleExample("FROM alpine:3.20\n↓HEALTHCHECK NONE\n"),
        ],
        nonTriggering: [
            RuleExample("FROM alpine:3.20\nHEALTHCHECK CMD curl -f http://localhost:8080/health || exit 1\n"),
            RuleExample("FROM alpine:3.20 AS base\nHEALTHCHECK CMD /healthcheck\nFROM base\n"),
        ],
        hadolintCodes: [])

    public init() {}

    public func check(_ context: DockerfileContext) -> [Finding] {
        guard let final = context.finalStage else { return [] }
        if let last = context.shippedInstructions.last(where: { $0.keyword == "HEALTHCHECK" }) {
            if last.arguments.first?.uppercased() == "NONE" {
                return [
                    context.finding(Self.description, at: last, message: "HEALTHCHECK NONE disables the health check")
                ]
            }
            return []
        }
        return [context.finding(Self.description, at: final.from)]
    }
}

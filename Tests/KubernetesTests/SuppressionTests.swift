import BerthCore
import Kubernetes
import Testing

@testable import Rules

/// `berth.dev/ignore` annotations on the object or its pod template, scoped to a container when named.
@Suite struct SuppressionTests {
    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
          annotations:
            berth.dev/ignore: "kubernetes-network-policy-missing -- policies live in the platform repository"
        spec:
          selector:
            matchLabels: {app: api}
          template:
            metadata:
              labels: {app: api}
              annotations:
                berth.dev/ignore: |
                  kubernetes-probes-missing:shipper -- the sidecar's port is for metrics only
                  kubernetes-image-unpinned
            spec:
              containers:
                - name: api
                  image: registry.example.com/api
                  ports:
                    - containerPort: 8080
                - name: shipper
                  image: registry.example.com/shipper:1.0
                  ports:
                    - containerPort: 9100

        """

    static func findings(_ text: String, honour: Bool = true) -> (findings: [Finding], suppressed: Int) {
        let rules: [any KubernetesRule] = [
            ProbesMissingRule(), NetworkPolicyMissingRule(), ContainerImageUnpinnedRule(),
        ]
        let report = KubernetesChecker(rules: rules, honourAnnotations: honour).check(
            inputs: [("d.yaml", Array(text.utf8))], configuration: CheckConfiguration())
        return (report.reports.flatMap(\.findings), report.reports.map(\.suppressed).reduce(0, +))
    }

    @Test func objectAndTemplateAnnotationsSuppressWithContainerScope() {
        let result = Self.findings(Self.deployment)
        let summary = result.findings.map { "\($0.location.line) \($0.rule)" }
        // The api container still lacks probes; the shipper's probes finding is suppressed for that
        // container only; the entry without a reason suppresses nothing.
        #expect(summary == ["19 kubernetes-probes-missing", "20 kubernetes-image-unpinned"], "\(summary)")
        #expect(result.suppressed == 2)
    }

    @Test func annotationsCanBeIgnoredForAudit() {
        let result = Self.findings(Self.deployment, honour: false)
        #expect(result.findings.count == 4)
        #expect(result.suppressed == 0)
    }

    @Test func parsesEntries() {
        let entries = KubernetesSuppressions.parse("a,b:c -- why; d -- ; e:f -- because\n g")
        #expect(
            entries == [
                .init(rule: "a", container: nil), .init(rule: "b", container: "c"), .init(rule: "e", container: "f"),
            ])
    }
}

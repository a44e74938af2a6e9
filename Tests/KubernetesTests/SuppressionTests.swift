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
            ProbesMissingRule(), NetworkPolicyMissingRule(), ContainerImageUntaggedRule(),
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
        #expect(summary == ["19 kubernetes-probes-missing", "20 kubernetes-image-untagged"], "\(summary)")
        #expect(result.suppressed == 2)
    }

    @Test func annotationsCanBeIgnoredForAudit() {
        let result = Self.findings(Self.deployment, honour: false)
        #expect(result.findings.count == 4)
        #expect(result.suppressed == 0)
    }

    static let privileged = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: agent
          annotations:
            berth.dev/ignore: IGNORE
        spec:
          hostPID: true
          containers:
            - name: agent
              image: registry.example.com/agent:1.0
              securityContext:
                privileged: true
              livenessProbe: {exec: {command: [/bin/agent, health]}}
            - name: shipper
              image: registry.example.com/shipper:1.0
              securityContext:
                allowPrivilegeEscalation: true
              livenessProbe: {exec: {command: [/bin/shipper, health]}}

        """

    static func privilegeFindings(ignoring entry: String) -> (rules: [String], suppressed: Int) {
        let rules: [any KubernetesRule] = [
            PrivilegedContainerRule(), PrivilegeEscalationRule(), HostNamespaceRule(), ProbesMissingRule(),
        ]
        let text = privileged.replacingOccurrences(of: "IGNORE", with: "\"\(entry)\"")
        let report = KubernetesChecker(rules: rules).check(
            inputs: [("p.yaml", Array(text.utf8))], configuration: CheckConfiguration())
        return (report.reports.flatMap(\.findings).map(\.rule), report.reports.map(\.suppressed).reduce(0, +))
    }

    @Test func aFormerIDSuppressesEveryRuleSplitFromIt() {
        let all = Self.privilegeFindings(ignoring: "kubernetes-secret-literal -- unrelated")
        #expect(
            all.rules == [
                "kubernetes-host-namespace", "kubernetes-privileged-container",
                "kubernetes-privilege-escalation-allowed",
            ], "\(all.rules)")
        let former = Self.privilegeFindings(ignoring: "kubernetes-privilege -- a node agent")
        #expect(former.rules.isEmpty, "\(former.rules)")
        #expect(former.suppressed == 3)
        let scoped = Self.privilegeFindings(ignoring: "kubernetes-privilege:shipper -- the shipper only")
        #expect(
            scoped.rules == ["kubernetes-host-namespace", "kubernetes-privileged-container"], "\(scoped.rules)")
        let new = Self.privilegeFindings(ignoring: "kubernetes-host-namespace -- a node agent")
        #expect(
            new.rules == ["kubernetes-privileged-container", "kubernetes-privilege-escalation-allowed"],
            "\(new.rules)")
    }

    @Test func parsesEntries() {
        let entries = KubernetesSuppressions.parse("a,b:c -- why; d -- ; e:f -- because\n g")
        #expect(
            entries == [
                .init(rule: "a", container: nil), .init(rule: "b", container: "c"), .init(rule: "e", container: "f"),
            ])
    }
}

import BerthCore
import Foundation
import Kubernetes
import Rules
import Testing

/// Deployments spread over several files are judged as one set.
@Suite struct DeploymentSetTests {
    static func fixtures(_ name: String) throws -> [(file: String, bytes: [UInt8])] {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }
            .sorted()
        return try names.map { name in
            (name, [UInt8](try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }

    static func check(_ name: String, configuration: CheckConfiguration = CheckConfiguration()) throws
        -> KubernetesReport
    {
        KubernetesChecker().check(inputs: try fixtures(name), configuration: configuration)
    }

    static func summary(_ report: KubernetesReport) -> [String] {
        report.reports.flatMap(\.findings).map { "\($0.location.file):\($0.location.line) \($0.rule)" }.sorted()
    }

    @Test func correctedSetIsClean() throws {
        let report = try Self.check("corrected")
        #expect(report.reports.allSatisfy { $0.error == nil })
        #expect(report.objectCount == 16)
        let findings = report.reports.flatMap(\.findings)
        #expect(findings.isEmpty, "\(findings.map { "\($0.location) \($0.rule): \($0.message)" })")
    }

    @Test func defectsAcrossObjectsAreCaughtAtTheirLines() throws {
        let report = try Self.check("defective")
        #expect(
            Self.summary(report) == [
                "gateway.yaml:117 kubernetes-pdb-selector-unmatched",
                "gateway.yaml:133 kubernetes-hpa-not-cpu",
                "gateway.yaml:14 kubernetes-config-service-host-missing",
                "storage.yaml:13 kubernetes-single-writer-claim-shared",
            ])
        let messages = report.reports.flatMap(\.findings).map(\.message)
        #expect(
            messages.contains { $0.contains("PersistentVolumeClaim/apim-gw-synapse") && $0.contains("up to 5 pods") })
        #expect(messages.contains { $0.contains("deployment=apim-gw-deployment") && $0.contains("protects nothing") })
        #expect(messages.contains { $0.contains("scales on memory, not CPU") })
        #expect(messages.contains { $0.contains("'apim-km-service'") })
    }

    @Test func eachDefectIsCaughtAlone() throws {
        // Only the claim file and the gateway: the RWO claim shared by a scaled gateway.
        let inputs = try Self.fixtures("defective").filter { $0.file != "network.yaml" }
        let report = KubernetesChecker().check(inputs: inputs, configuration: CheckConfiguration())
        #expect(Self.summary(report).contains("storage.yaml:13 kubernetes-single-writer-claim-shared"))
        // Without the claim, nothing can be said about its access mode.
        let withoutClaim = KubernetesChecker().check(
            inputs: try Self.fixtures("defective").filter { $0.file != "storage.yaml" },
            configuration: CheckConfiguration())
        #expect(!Self.summary(withoutClaim).contains { $0.contains("kubernetes-single-writer-claim-shared") })
    }

    @Test func findingsPointAtTheFieldNotTheObject() throws {
        let report = try Self.check("defective")
        for finding in report.reports.flatMap(\.findings) {
            let source = try Self.fixtures("defective").first { $0.file == finding.location.file }.map {
                String(decoding: $0.bytes, as: UTF8.self)
            }
            let line = try #require(
                source?.split(separator: "\n", omittingEmptySubsequences: false)[finding.location.line - 1])
            #expect(!line.hasPrefix("kind:") && !line.hasPrefix("apiVersion:"), "\(finding.rule) points at '\(line)'")
        }
    }

    @Test func configurationTurnsRulesOffAndChangesSeverity() throws {
        let configuration = try CheckConfiguration.parse(
            "rules:\n  kubernetes-dangling-reference: off\n  kubernetes-autoscaling: error\n", file: ".berth.yaml",
            knownRules: Set(BuiltInRules.descriptions.map(\.id)))
        let report = try Self.check("defective", configuration: configuration)
        let findings = report.reports.flatMap(\.findings)
        // Former ids stand for the rules split from them.
        #expect(!findings.contains { RuleCatalog.expand("kubernetes-dangling-reference").contains($0.rule) })
        #expect(findings.first { $0.rule == "kubernetes-hpa-not-cpu" }?.severity == .error)
    }
}

extension DeploymentSetTests {
    static func findings(_ text: String) -> [String] {
        let report = KubernetesChecker().check(
            inputs: [("set.yaml", Array(text.utf8))], configuration: CheckConfiguration())
        return report.reports.flatMap(\.findings).map { "\($0.location.line) \($0.rule)" }
    }

    static let pod = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: NAME, namespace: NS}
        spec:
          replicas: REPLICAS
          selector: {matchLabels: {app: NAME}}
          template:
            metadata: {labels: {app: NAME}}
            spec:
              containers:
                - {name: c, image: "r.example.com/c:1"}
              volumes:
                - name: data
                  persistentVolumeClaim: {claimName: data}

        """

    static func deployment(_ name: String, namespace: String = "a", replicas: Int = 1) -> String {
        pod.replacingOccurrences(of: "NAME", with: name).replacingOccurrences(of: "NS", with: namespace)
            .replacingOccurrences(of: "REPLICAS", with: "\(replicas)")
    }

    static let claim = """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data, namespace: a}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 1Gi}}

        """

    @Test func readWriteOnceClaimSharedByTwoSingleReplicaWorkloads() {
        let text = Self.claim + "---\n" + Self.deployment("one") + "---\n" + Self.deployment("two")
        #expect(
            Self.findings(text).filter { $0.hasSuffix("kubernetes-single-writer-claim-shared") } == [
                "5 kubernetes-single-writer-claim-shared"
            ])
        // One single-replica user is fine; the same name in another namespace is another claim.
        let alone = Self.claim + "---\n" + Self.deployment("one") + "---\n" + Self.deployment("two", namespace: "b")
        #expect(!Self.findings(alone).contains { $0.hasSuffix("kubernetes-single-writer-claim-shared") })
    }

    @Test func selectorsDoNotMatchAcrossNamespaces() {
        let service = """
            apiVersion: v1
            kind: Service
            metadata: {name: one, namespace: b}
            spec:
              selector: {app: one}
              ports: [{port: 80}]

            """
        // Namespace b holds a workload of its own, so the set settles what the Service selects.
        let text = Self.deployment("one") + "---\n" + service + "---\n" + Self.deployment("two", namespace: "b")
        // Line 20 is the Service's selector (the Deployment document has 14 lines, then '---').
        #expect(Self.findings(text).contains("20 kubernetes-service-selector-unmatched"), "\(Self.findings(text))")
        let same =
            Self.deployment("one") + "---\n" + service.replacingOccurrences(of: "namespace: b", with: "namespace: a")
        #expect(!Self.findings(same).contains { $0.hasSuffix("kubernetes-service-selector-unmatched") })
    }

    @Test func hpaMaximumCountsAsReplicasForSharedClaims() {
        let hpa = """
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: one, namespace: a}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: one}
              maxReplicas: 3
              metrics:
                - type: Resource
                  resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}

            """
        let text = Self.claim + "---\n" + Self.deployment("one") + "---\n" + hpa
        #expect(Self.findings(text).contains("5 kubernetes-single-writer-claim-shared"))
        #expect(
            !Self.findings(Self.claim + "---\n" + Self.deployment("one")).contains(
                "5 kubernetes-single-writer-claim-shared"))
    }
}

extension DeploymentSetTests {
    /// WSO2's own gateway chart, rendered at its defaults: the two known defects and nothing else.
    @Test func wso2GatewayChartShowsItsKnownDefects() throws {
        let report = try Self.check("wso2-gateway")
        #expect(
            Self.summary(report) == [
                "rendered.yaml:219 kubernetes-pdb-selector-unmatched",
                "rendered.yaml:38 kubernetes-network-policy-missing",
            ])
        let pdb = try #require(
            report.reports.flatMap(\.findings).first { $0.rule == "kubernetes-pdb-selector-unmatched" })
        #expect(pdb.message.contains("deployment=apim-wso2am-universal-gw-deployment"))
        #expect(pdb.severity == .error)
    }
}

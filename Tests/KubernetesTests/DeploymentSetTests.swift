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
        #expect(report.objectCount == 13)
        let findings = report.reports.flatMap(\.findings)
        #expect(findings.isEmpty, "\(findings.map { "\($0.location) \($0.rule): \($0.message)" })")
    }

    @Test func defectsAcrossObjectsAreCaughtAtTheirLines() throws {
        let report = try Self.check("defective")
        #expect(
            Self.summary(report) == [
                "gateway.yaml:117 kubernetes-dangling-reference",
                "gateway.yaml:133 kubernetes-autoscaling",
                "gateway.yaml:14 kubernetes-dangling-reference",
                "storage.yaml:13 kubernetes-shared-storage",
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
        #expect(Self.summary(report).contains("storage.yaml:13 kubernetes-shared-storage"))
        // Without the claim, nothing can be said about its access mode.
        let withoutClaim = KubernetesChecker().check(
            inputs: try Self.fixtures("defective").filter { $0.file != "storage.yaml" },
            configuration: CheckConfiguration())
        #expect(!Self.summary(withoutClaim).contains { $0.contains("kubernetes-shared-storage") })
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
        #expect(!findings.contains { $0.rule == "kubernetes-dangling-reference" })
        #expect(findings.first { $0.rule == "kubernetes-autoscaling" }?.severity == .error)
    }
}

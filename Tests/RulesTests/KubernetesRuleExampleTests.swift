import BerthCore
import Foundation
import Kubernetes
import Testing

@testable import Rules

/// Every Kubernetes rule's examples are tests: triggering examples produce findings on exactly the
/// marked lines (one finding a marked line), non-triggering examples produce none.
@Suite struct KubernetesRuleExampleTests {
    static let rules: [any KubernetesRule] = BuiltInRules.kubernetes
    static let ruleIDs = rules.map { type(of: $0).description.id }

    static func run(_ rule: any KubernetesRule, _ example: RuleExample) throws -> [Finding] {
        let description = type(of: rule).description
        var configuration = CheckConfiguration()
        if let text = example.configuration {
            configuration = try CheckConfiguration.parse(text, file: "example.berth.yaml", knownRules: Set(ruleIDs))
        }
        let checker = KubernetesChecker(rules: [rule])
        // Files beside the example are more manifests of the same set (alternatives, other apps).
        let others = example.files.sorted { $0.key < $1.key }.map { ($0.key, Array($0.value.utf8)) }
        let report = checker.check(
            inputs: [("example.yaml", Array(example.cleanText.utf8))] + others, configuration: configuration)
        #expect(
            report.reports.count == 1 + others.count, "\(description.id): example holds no Kubernetes object")
        for file in report.reports {
            #expect(file.error == nil, "\(description.id): \(file.file) does not parse: \(file.error ?? "")")
        }
        return report.reports.flatMap(\.findings).filter { $0.rule == description.id }
    }

    @Test(arguments: ruleIDs)
    func triggeringExamplesFindTheMarkedLines(_ id: String) throws {
        let rule = try #require(Self.rules.first { type(of: $0).description.id == id })
        let description = type(of: rule).description
        #expect(!description.triggering.isEmpty, "\(id) has no triggering example")
        for example in description.triggering {
            #expect(!example.markedLines.isEmpty, "\(id): a triggering example marks no line with ↓")
            // Marked lines are lines of the example itself, not of the files beside it.
            let findings = try Self.run(rule, example).filter { $0.location.file == "example.yaml" }
            let lines = findings.map(\.location.line)
            #expect(
                lines == example.markedLines,
                "\(id) on:\n\(example.cleanText)\n\(findings.map { "\($0.location.line): \($0.message)" })")
        }
    }

    @Test(arguments: ruleIDs)
    func nonTriggeringExamplesAreClean(_ id: String) throws {
        let rule = try #require(Self.rules.first { type(of: $0).description.id == id })
        let description = type(of: rule).description
        #expect(!description.nonTriggering.isEmpty, "\(id) has no non-triggering example")
        for example in description.nonTriggering {
            let findings = try Self.run(rule, example)
            #expect(
                findings.isEmpty,
                "\(id) fired on:\n\(example.cleanText)\n\(findings.map { "\($0.location.line): \($0.message)" })")
        }
    }

    @Test func descriptionsAreComplete() {
        var seen: Set<String> = []
        var practices: Set<Practice> = []
        for rule in Self.rules {
            let description = type(of: rule).description
            #expect(seen.insert(description.id).inserted, "duplicate id \(description.id)")
            #expect(description.id.hasPrefix("kubernetes-"))
            #expect(description.target == .kubernetes)
            #expect(!description.summary.isEmpty && !description.summary.contains("\n"))
            #expect(description.rationale.count > 40)
            #expect(!description.fix.isEmpty)
            practices.insert(description.practice)
        }
        let required: [Practice] = [
            .managedWorkloads, .persistentStorage, .cpuAutoscaling, .rollingUpdates, .serviceInterconnect,
            .ingressExposure,
            .nonRootUser, .leastPrivilege, .pinnedImages, .privateRegistry, .healthProbes, .resourceRequests,
            .secretsManagement, .productionRDBMS, .configViaConfigMap, .gracefulShutdown, .networkIsolation,
            .currentAPIs,
        ]
        for practice in required {
            #expect(practices.contains(practice), "no Kubernetes rule for \(practice.rawValue)")
        }
    }
}

/// Findings inside a `|` block point at the offending text's own line and column.
@Suite struct BlockScalarPositionTests {
    @Test func secretInADeploymentTomlPointsAtItsColumn() {
        let text = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: apim-conf
            data:
              deployment.toml: |
                [super_admin]
                  password = "admin"

                [database.shared_db]
                    password = "wso2carbon"
            """
        let checker = KubernetesChecker(rules: BuiltInRules.kubernetes.filter { $0 is SecretLiteralRule })
        let report = checker.check(inputs: [("cm.yaml", Array(text.utf8))], configuration: CheckConfiguration())
        let positions = report.reports.flatMap(\.findings).map { [$0.location.line, $0.location.column] }
        #expect(positions == [[8, 7], [11, 9]], "\(positions)")
    }
}

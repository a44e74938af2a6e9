import BerthCore
import Foundation
import Kubernetes
import Testing

@testable import Rules

/// Former rule ids stand for the rules they were split into, wherever a rule id is written.
@Suite struct RuleAliasTests {
    static let knownRules = Set(BuiltInRules.descriptions.map(\.id))

    @Test func everyAliasExpandsToBuiltInRulesAndNamesNoRule() {
        #expect(!RuleCatalog.aliases.isEmpty)
        var claimed: [String: String] = [:]
        for (alias, ids) in RuleCatalog.aliases {
            #expect(!Self.knownRules.contains(alias), "\(alias) is both a former id and a rule")
            #expect(ids.count > 1, "\(alias) was split, so it stands for several rules")
            #expect(Set(ids).count == ids.count, "\(alias) lists a rule twice")
            for id in ids {
                #expect(Self.knownRules.contains(id), "\(alias) expands to unknown rule \(id)")
                if let other = claimed.updateValue(alias, forKey: id) {
                    #expect(Bool(false), "\(id) is claimed by both \(other) and \(alias)")
                }
                #expect(RuleCatalog.formerIDs(of: id) == [alias])
            }
            #expect(RuleCatalog.expand(alias) == ids)
        }
        #expect(RuleCatalog.expand("kubernetes-secret-literal") == ["kubernetes-secret-literal"])
        #expect(RuleCatalog.formerIDs(of: "kubernetes-secret-literal").isEmpty)
    }

    @Test func docsListEveryAlias() {
        let markdown = RuleCatalog.markdown(BuiltInRules.descriptions)
        #expect(markdown.contains("## Aliases"))
        for (alias, ids) in RuleCatalog.aliases {
            let row = "| `\(alias)` | " + ids.map { "[`\($0)`](#\($0))" }.joined(separator: ", ") + " |"
            #expect(markdown.contains(row), "docs lack the alias row for \(alias)")
        }
    }

    static let privileged = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: agent
        spec:
          hostPID: true
          containers:
            - name: agent
              image: registry.example.com/agent:1.0
              securityContext:
                privileged: true

        """

    static func kubernetes(_ configuration: String) throws -> [Finding] {
        let parsed = try CheckConfiguration.parse(configuration, file: ".berth.yaml", knownRules: knownRules)
        let report = KubernetesChecker().check(
            inputs: [("p.yaml", Array(privileged.utf8))], configuration: parsed)
        return report.reports.flatMap(\.findings).filter {
            ["kubernetes-host-namespace", "kubernetes-privileged-container"].contains($0.rule)
        }
    }

    @Test func aFormerIDInConfigurationSetsEveryRuleSplitFromIt() throws {
        let defaults = try Self.kubernetes("failOn: error\n")
        #expect(defaults.map(\.rule) == ["kubernetes-host-namespace", "kubernetes-privileged-container"])
        #expect(defaults.allSatisfy { $0.severity == .error })

        #expect(try Self.kubernetes("rules:\n  kubernetes-privilege: off\n").isEmpty)

        let lowered = try Self.kubernetes("rules:\n  kubernetes-privilege: info\n")
        #expect(lowered.count == 2 && lowered.allSatisfy { $0.severity == .info })

        // A setting under the new id wins over the former id's, whatever the order.
        for text in [
            "rules:\n  kubernetes-privilege: off\n  kubernetes-privileged-container: warning\n",
            "rules:\n  kubernetes-privileged-container: warning\n  kubernetes-privilege: off\n",
        ] {
            let findings = try Self.kubernetes(text)
            #expect(findings.map(\.rule) == ["kubernetes-privileged-container"], "\(text)")
            #expect(findings.first?.severity == .warning)
        }
    }

    @Test func unknownIDsAreStillRejected() {
        #expect(throws: BerthError.self) {
            try CheckConfiguration.parse(
                "rules:\n  kubernetes-privileges: off\n", file: "c", knownRules: Self.knownRules)
        }
        // A former id is known only while one of its rules is.
        #expect(throws: BerthError.self) {
            try CheckConfiguration.parse("rules:\n  kubernetes-privilege: off\n", file: "c", knownRules: ["x"])
        }
    }

    @Test func aFormerIDWorksInDockerfileConfigurationAndComments() throws {
        let source = "FROM ubuntu\nFROM alpine:latest\n"
        func rules(_ text: String, configuration: CheckConfiguration = CheckConfiguration()) -> [String] {
            DockerfileChecker().check(bytes: Array(text.utf8), file: "Dockerfile", configuration: configuration)
                .findings.map(\.rule).filter { $0.hasPrefix("dockerfile-image-") }
        }
        #expect(rules(source) == ["dockerfile-image-untagged", "dockerfile-image-latest"])
        let off = try CheckConfiguration.parse(
            "rules:\n  dockerfile-image-unpinned: off\n", file: "c", knownRules: Self.knownRules)
        #expect(rules(source, configuration: off).isEmpty)
        let severity = try CheckConfiguration.parse(
            "rules:\n  dockerfile-image-unpinned: error\n  dockerfile-image-latest: info\n", file: "c",
            knownRules: Self.knownRules)
        let findings = DockerfileChecker().check(
            bytes: Array(source.utf8), file: "Dockerfile", configuration: severity
        ).findings.filter { $0.rule.hasPrefix("dockerfile-image-") }
        #expect(findings.map(\.severity) == [.error, .info])
        #expect(
            rules("# berth:ignore-file dockerfile-image-unpinned -- base images come from a mirror\n" + source).isEmpty)
        #expect(
            rules("FROM ubuntu\n# berth:ignore dockerfile-image-unpinned -- a test image\nFROM alpine:latest\n")
                == ["dockerfile-image-untagged"])
        // hadolint's codes still map to the one rule each.
        #expect(rules("# hadolint ignore=DL3007\n" + source.split(separator: "\n")[1] + "\n").isEmpty)
    }
}

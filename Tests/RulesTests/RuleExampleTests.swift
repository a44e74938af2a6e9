import BerthCore
import Foundation
import Testing

@testable import Rules

/// Every rule's examples are tests: triggering examples produce findings on exactly the marked
/// lines, non-triggering examples produce none.
@Suite struct RuleExampleTests {
    static let rules: [any DockerfileRule] = BuiltInRules.dockerfile
    static let ruleIDs = rules.map { type(of: $0).description.id }

    static func run(_ rule: any DockerfileRule, _ example: RuleExample) throws -> [Finding] {
        let description = type(of: rule).description
        var configuration = CheckConfiguration()
        if let text = example.configuration {
            configuration = try CheckConfiguration.parse(text, file: "example.berth.yaml", knownRules: Set(ruleIDs))
        }
        let files = example.files
        let checker = DockerfileChecker(rules: [rule])
        let report = checker.check(
            bytes: Array(example.cleanText.utf8), file: "Dockerfile", configuration: configuration,
            readContextFile: { files[$0.hasPrefix("./") ? String($0.dropFirst(2)) : $0] })
        #expect(report.error == nil, "\(description.id): example does not parse: \(report.error ?? "")")
        return report.findings.filter { $0.rule == description.id }
    }

    @Test(arguments: ruleIDs)
    func triggeringExamplesFindTheMarkedLines(_ id: String) throws {
        let rule = try #require(Self.rules.first { type(of: $0).description.id == id })
        let description = type(of: rule).description
        #expect(!description.triggering.isEmpty, "\(id) has no triggering example")
        for example in description.triggering {
            #expect(!example.markedLines.isEmpty, "\(id): a triggering example marks no line with ↓")
            let lines = try Self.run(rule, example).map(\.location.line)
            #expect(lines == example.markedLines, "\(id) on:\n\(example.cleanText)")
        }
    }

    @Test(arguments: ruleIDs)
    func nonTriggeringExamplesAreClean(_ id: String) throws {
        let rule = try #require(Self.rules.first { type(of: $0).description.id == id })
        let description = type(of: rule).description
        #expect(!description.nonTriggering.isEmpty, "\(id) has no non-triggering example")
        for example in description.nonTriggering {
            let findings = try Self.run(rule, example)
            #expect(findings.isEmpty, "\(id) fired on:\n\(example.cleanText)\n\(findings.map(\.message))")
        }
    }

    @Test func descriptionsAreComplete() {
        var seen: Set<String> = []
        for rule in Self.rules {
            let description = type(of: rule).description
            #expect(seen.insert(description.id).inserted, "duplicate id \(description.id)")
            #expect(description.id.hasPrefix("dockerfile-"))
            #expect(!description.summary.isEmpty && !description.summary.contains("\n"))
            #expect(description.rationale.count > 40)
            #expect(!description.fix.isEmpty)
        }
    }
}

import BerthCore
import Foundation
import Rules
import Testing

@testable import Audit

/// Every audit rule's examples are tests: a triggering example produces at least one finding of
/// that rule, a non-triggering one produces none.
@Suite struct AuditRuleExampleTests {
    static let ruleIDs = AuditRules.descriptions.map(\.id)

    static func input(for description: AuditRuleDescription, _ example: RuleExample) throws -> AuditInput {
        let text = Data(example.cleanText.utf8)
        switch description.scope {
        case .container:
            let info = try example.files["info"].map { try EngineInfo.decode(Data($0.utf8), file: "info.json") }
            let daemon = info.map { DaemonFacts(engine: .unknown, source: "engine", info: $0) }
            return AuditInput(
                containers: try ContainerInspect.decodeAll(text, file: "example.json"), daemon: daemon)
        case .image:
            return AuditInput(images: try ImageInspect.decodeAll(text, file: "example.json"))
        case .daemon:
            let info = try example.files["info"].map { try EngineInfo.decode(Data($0.utf8), file: "info.json") }
            let configuration = try DaemonConfiguration.decode(text, file: "daemon.json")
            return AuditInput(
                daemon: DaemonFacts(engine: .unknown, source: "daemon.json", configuration: configuration, info: info))
        }
    }

    static func findings(_ id: String, _ example: RuleExample) throws -> [Finding] {
        let rule = try #require(AuditRules.all.first { type(of: $0).description.id == id })
        let description = type(of: rule).description
        let result = Auditor(rules: [rule]).run(try input(for: description, example))
        return result.findings.filter { $0.rule == id }
    }

    @Test(arguments: ruleIDs)
    func triggeringExamplesFire(_ id: String) throws {
        let description = try #require(AuditRules.descriptions.first { $0.id == id })
        #expect(!description.rule.triggering.isEmpty, "\(id) has no triggering example")
        for example in description.rule.triggering {
            let findings = try Self.findings(id, example)
            #expect(!findings.isEmpty, "\(id) did not fire on \(example.text)")
            for finding in findings {
                #expect(finding.message.contains("CIS \(description.cis)"), "\(finding.message)")
            }
        }
    }

    @Test(arguments: ruleIDs)
    func nonTriggeringExamplesAreClean(_ id: String) throws {
        let description = try #require(AuditRules.descriptions.first { $0.id == id })
        #expect(!description.rule.nonTriggering.isEmpty, "\(id) has no non-triggering example")
        for example in description.rule.nonTriggering {
            let findings = try Self.findings(id, example)
            #expect(findings.isEmpty, "\(id) fired on \(example.text): \(findings.map(\.message))")
        }
    }

    @Test func descriptionsAreComplete() {
        var seen: Set<String> = []
        for description in AuditRules.descriptions {
            #expect(seen.insert(description.id).inserted, "duplicate id \(description.id)")
            #expect(description.id.hasPrefix("audit-\(description.scope.rawValue)-"), "\(description.id)")
            #expect(description.rule.target == .engine)
            #expect(!description.rule.summary.isEmpty && !description.rule.summary.contains("\n"))
            #expect(description.rule.rationale.count > 40, "\(description.id)")
            #expect(!description.rule.fix.isEmpty)
            #expect(!description.fields.isEmpty)
            #expect(description.cis.split(separator: ".").allSatisfy { Int($0) != nil }, "\(description.cis)")
        }
        let automated = Set(AuditRules.descriptions.map(\.cis))
        for manual in AuditRules.manual {
            #expect(!automated.contains(manual.cis), "\(manual.cis) is both automated and manual")
        }
        // Every recommendation of sections 2 (2.1-2.18), 4 (4.1-4.12) and 5 (5.1-5.32) is either a rule or listed as manual.
        let all = Set(automated).union(AuditRules.manual.map(\.cis))
        let expected =
            (1...18).map { "2.\($0)" } + (1...12).map { "4.\($0)" } + (1...32).map { "5.\($0)" }
        for id in expected { #expect(all.contains(id), "CIS \(id) is neither automated nor listed as manual") }
    }
}

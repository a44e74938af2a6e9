import BerthCore
import Foundation
import Testing

@testable import Rules

/// The fixtures behind docs/comparison.md: each practice's bad variant is flagged for that practice,
/// its good variant is clean.
@Suite struct ComparisonFixtureTests {
    static let root = TestPaths.fixtures.appendingPathComponent("comparison")
    static let practices: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }()

    static func findings(_ practice: String, _ variant: String) throws -> [Finding] {
        let directory = root.appendingPathComponent(practice)
        let configPath = directory.appendingPathComponent(".berth.yaml").path
        var configuration = CheckConfiguration()
        if FileManager.default.fileExists(atPath: configPath) {
            configuration = try CheckConfiguration.load(
                path: configPath, knownRules: Set(BuiltInRules.descriptions.map(\.id)))
        }
        let report = DockerfileChecker().check(
            path: directory.appendingPathComponent("\(variant).Dockerfile").path, configuration: configuration)
        #expect(report.error == nil)
        return report.findings
    }

    @Test func thereIsAFixturePerDockerfilePractice() {
        #expect(Self.practices.count == 16)
        #expect(Self.practices.allSatisfy { Practice(rawValue: $0) != nil })
    }

    @Test(arguments: practices)
    func badIsFlaggedGoodIsClean(_ practice: String) throws {
        let bad = try Self.findings(practice, "bad")
        #expect(bad.contains { $0.practice.rawValue == practice }, "\(practice): bad variant not flagged")
        let good = try Self.findings(practice, "good")
        #expect(good.isEmpty, "\(practice): good variant flagged: \(good.map { "\($0.rule): \($0.message)" })")
    }
}

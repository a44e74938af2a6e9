import Foundation
import ImageTestSupport
import TestSupport
import Testing

@testable import Scan

/// CVSS v4.0 scores: FIRST's published examples, and the reference calculator on random vectors.
@Suite struct CVSS4Tests {
    /// Vectors of FIRST's "CVSS v4.0 Examples" document with the scores and ratings it gives.
    @Test(arguments: [
        ("CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.3, "high"),  // CVE-2022-41741
        ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.7, "high"),  // CVE-2020-3549
        ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N", 8.3, "high"),  // CVE-2023-3089
        ("CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 4.6, "medium"),  // CVE-2021-44714
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 5.1, "medium"),  // CVE-2022-21830
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 6.9, "medium"),  // CVE-2022-22186
        ("CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:N/VI:N/VA:N/SC:H/SI:N/SA:N", 5.9, "medium"),  // CVE-2023-21989
        ("CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 9.4, "critical"),  // CVE-2020-3947
        ("CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:H/SA:N/S:P/V:D", 8.3, "high"),  // CVE-2023-30560
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N/E:A", 8.7, "high"),  // CVE-2014-0160
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A", 10.0, "critical"),  // CVE-2021-44228
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A", 9.3, "critical"),  // CVE-2014-6271
        ("CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:H/SI:N/SA:H", 6.4, "medium"),  // CVE-2013-6014
        ("CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/R:I", 9.3, "critical"),  // CVE-2016-5729
        ("CVSS:4.0/AV:L/AC:L/AT:P/PR:H/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/R:I", 8.7, "high"),  // CVE-2015-2890
        ("CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 8.6, "high"),  // CVE-2018-3652
    ])
    func firstExamples(vector: String, score: Double, severity: String) throws {
        let computed = try #require(CVSS4.score(vector))
        #expect(computed == score)
        #expect(VulnerabilitySeverity(score: computed).rawValue == severity)
    }

    @Test func noImpactScoresZeroAndThreatLowersTheScore() throws {
        #expect(CVSS4.score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N") == 0)
        let attacked = try #require(CVSS4.score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A"))
        let unreported = try #require(
            CVSS4.score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U"))
        #expect(unreported < attacked)
    }

    @Test(arguments: [
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H",  // SA missing
        "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",  // out of order
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:Q",  // undefined value
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A/E:A",  // repeated
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:S/SA:H",  // S only as MSI
    ])
    func invalidVectorsHaveNoScore(vector: String) {
        #expect(CVSS4.score(vector) == nil)
    }

    @Test func aRecordWithAV4VectorIsRatedByIt() throws {
        let record = try OSVImporter.parse(
            Data(
                #"""
                {"id": "GHSA-test-v4", "severity": [
                  {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"},
                  {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"}],
                 "affected": [{"package": {"ecosystem": "Maven", "name": "a:b"}, "versions": ["1.0"]}]}
                """#.utf8), subject: "record")
        #expect(record.cvssVector?.hasPrefix("CVSS:4.0/") == true)
        #expect(record.severity.level == .critical)
        #expect(record.severity.score == 10.0)
    }

    /// The FIRST/Red Hat reference calculator (PyPI `cvss`) on random vectors, Threat and
    /// Environmental metrics included; every disagreement is listed.
    @Test(Tool.enabled(pythonModules: "cvss")) func agreesWithTheReferenceCalculator() throws {
        var generator = SplitMix64(state: TestSeed.value(for: "CVSS4Tests.reference", default: 4040))
        var vectors: [String] = []
        for _ in 0..<3000 {
            var parts = ["CVSS:4.0"]
            for (index, metric) in CVSS4.order.enumerated() {
                let values = metric.values.sorted()
                if index < CVSS4.mandatoryCount {
                    parts.append("\(metric.key):\(values.filter { $0 != "X" }.randomElement(using: &generator) ?? "N")")
                } else if Int.random(in: 0..<4, using: &generator) == 0 {
                    parts.append("\(metric.key):\(values.randomElement(using: &generator) ?? "X")")
                }
            }
            vectors.append(parts.joined(separator: "/"))
        }
        let file = NSTemporaryDirectory() + "cvss4-\(UUID().uuidString)"
        try vectors.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let script = """
            import sys
            from cvss import CVSS4
            for line in open(sys.argv[1]).read().splitlines():
                try:
                    print(CVSS4(line).base_score)
                except Exception:
                    print("invalid")
            """
        let result = try TestImageBuilder.capture("/usr/bin/env", ["python3", "-c", script, file])
        try #require(result.status == 0, "\(result.errors)")
        let answers = result.output.split(separator: "\n").map(String.init)
        try #require(answers.count == vectors.count)
        var disagreements: [String] = []
        var scored = 0
        for (vector, answer) in zip(vectors, answers) {
            let ours = CVSS4.score(vector)
            if answer == "invalid" {
                if ours != nil { disagreements.append("\(vector): reference invalid, berth \(ours ?? -1)") }
                continue
            }
            scored += 1
            if ours != Double(answer) {
                disagreements.append("\(vector): reference \(answer), berth \(ours.map { "\($0)" } ?? "nil")")
            }
        }
        #expect(scored > 2500)
        #expect(
            disagreements.isEmpty,
            "\(disagreements.count) disagreements:\n\(disagreements.prefix(20).joined(separator: "\n"))")
    }
}

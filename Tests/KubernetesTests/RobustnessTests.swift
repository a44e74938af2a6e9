import BerthCore
import Foundation
import Testing

@testable import Kubernetes
@testable import Rules

/// Damaged and hostile input never crashes the parser or the rules: every cut and every byte flip
/// of the fixtures either parses and is checked, or is a file:line error.
@Suite struct RobustnessTests {
    static func fixtureTexts() throws -> [String] {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures/defective", withExtension: nil))
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map {
            try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8)
        }
    }

    static func checkOrError(_ bytes: [UInt8]) -> (parsed: Bool, error: String?) {
        let report = KubernetesChecker().check(inputs: [("f.yaml", bytes)], configuration: CheckConfiguration())
        if let error = report.reports.first?.error { return (false, error) }
        return (true, nil)
    }

    @Test func truncationsAndByteFlipsNeverCrash() throws {
        var parsed = 0
        var errors = 0
        for text in try Self.fixtureTexts() {
            let bytes = Array(text.utf8)
            for cut in stride(from: 0, to: bytes.count, by: 17) {
                let result = Self.checkOrError(Array(bytes[..<cut]))
                if result.parsed { parsed += 1 } else { errors += 1 }
                if let error = result.error { #expect(error.hasPrefix("f.yaml:"), "\(error)") }
            }
            var generator = SystemRandomNumberGenerator()
            let replacements: [UInt8] = Array(":-[]{}&*!|>'\"#\n \t0aZ%@`,?".utf8)
            for _ in 0..<300 {
                var mutated = bytes
                for _ in 0..<3 {
                    let index = Int.random(in: 0..<mutated.count, using: &generator)
                    mutated[index] = replacements.randomElement(using: &generator) ?? 0x20
                }
                let result = Self.checkOrError(mutated)
                if let error = result.error { #expect(error.hasPrefix("f.yaml:"), "\(error)") }
            }
        }
        // Both outcomes occur: the cuts are not all rejected, nor all accepted.
        #expect(parsed > 10 && errors > 10)
    }

    @Test func hostileNumbersDoNotOverflow() {
        let text = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: a}
            spec:
              replicas: 9223372036854775807
              strategy:
                rollingUpdate: {maxUnavailable: "9223372036854775807%"}
              selector: {matchLabels: {a: b}}
              template:
                metadata: {labels: {a: b}}
                spec:
                  terminationGracePeriodSeconds: -9223372036854775808
                  containers:
                    - name: a
                      image: a:1
                      ports: [{containerPort: 80}]
                      lifecycle: {preStop: {exec: {command: ["sleep 99999999999999999999999"]}}}
            ---
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: a}
            spec:
              scaleTargetRef: {kind: Deployment, name: a}
              minReplicas: -9223372036854775808
              maxReplicas: 9223372036854775807
            """
        let result = Self.checkOrError(Array(text.utf8))
        #expect(result.parsed)
    }

    @Test func blockScalarBracketsDoNotLookDeep() throws {
        var text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n"
        for index in 0..<150 { text += "  k\(index): |\n    pattern = [%d {\n" }
        let manifest = try ManifestParser().parse(bytes: Array(text.utf8), file: "f.yaml")
        #expect(manifest.objects.count == 1)
    }
}

extension RobustnessTests {
    @Test(arguments: ["|", "|-\n", "-|\n", ">\n  x\n", "- |\n", "'", "\"\n", "[", "}", "#", "---\n|\n", "a: |\n\n\n"])
    func tinyInputsAreHandled(_ text: String) {
        let result = Self.checkOrError(Array(text.utf8))
        #expect(result.parsed || result.error?.hasPrefix("f.yaml:") == true, "\(result.error ?? "")")
    }
}

import BerthCore
import Foundation
import Rules
import TestSupport
import Testing

/// The manifests rules are judged on are real Kubernetes objects: every fixture and every rule
/// example passes `kubernetes-validate --strict` for one current Kubernetes version.
@Suite struct SchemaValidationTests {
    /// The Kubernetes version fixtures are validated against.
    static let version = "1.37"
    /// Removed APIs validate only against the last version that served them.
    static let legacyVersion = "1.25"

    static var validator: URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("kubernetes-validate")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    static func validate(_ files: [URL], version: String) throws -> (status: Int32, output: String) {
        let validator = try #require(
            Self.validator, "kubernetes-validate is not installed: run .ci/install-kubernetes-deps.sh")
        let process = Process()
        process.executableURL = validator
        process.arguments = ["--strict", "--quiet", "-k", version] + files.map(\.path)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    static func write(_ examples: [(name: String, text: String)], to directory: URL) throws -> [URL] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try examples.map { example in
            let url = directory.appendingPathComponent(example.name + ".yaml")
            try Data(example.text.utf8).write(to: url)
            return url
        }
    }

    @Test(Tool.enabled("kubernetes-validate")) func fixturesAndRuleExamplesAreValidKubernetes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-validate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var current: [(String, String)] = []
        var legacy: [(String, String)] = []
        for rule in BuiltInRules.kubernetes {
            let description = type(of: rule).description
            // Gateway API kinds are custom resources: the validator has no schema for them.
            for (index, example) in description.triggering.enumerated()
            where !example.text.contains("gateway.networking.k8s.io") {
                let entry = ("\(description.id)-triggering-\(index)", example.cleanText)
                if description.practice == .currentAPIs { legacy.append(entry) } else { current.append(entry) }
            }
            for (index, example) in description.nonTriggering.enumerated() {
                current.append(("\(description.id)-clean-\(index)", example.cleanText))
            }
        }
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        var files = try Self.write(current, to: root.appendingPathComponent("current"))
        for set in ["corrected", "defective", "wso2-gateway"] {
            let directory = fixtures.appendingPathComponent(set)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            where name.hasSuffix(".yaml") {
                files.append(directory.appendingPathComponent(name))
            }
        }
        let result = try Self.validate(files, version: Self.version)
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("ERROR"), "\(result.output)")
        #expect(!result.output.contains("Couldn't find schema"), "\(result.output)")
        let legacyResult = try Self.validate(
            try Self.write(legacy, to: root.appendingPathComponent("legacy")), version: Self.legacyVersion)
        #expect(legacyResult.status == 0, "\(legacyResult.output)")
        #expect(!legacyResult.output.contains("Couldn't find schema"), "\(legacyResult.output)")
    }

    @Test(Tool.enabled("kubernetes-validate")) func theValidatorRejectsWhatKubernetesRejects() throws {
        // The check above can fail: an invalid field is reported.
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-validate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let files = try Self.write(
            [
                (
                    "invalid",
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  replicas: two\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: a, image: 'a:1'}]}\n"
                )
            ],
            to: root)
        let result = try Self.validate(files, version: Self.version)
        #expect(result.status != 0)
        #expect(result.output.contains("spec.replicas"))
    }
}

import Foundation
import TestSupport
import Testing

@testable import Dockerfile

/// Berth against BuildKit's own Go parser (the PyPI `dockerfile` package, which embeds BuildKit
/// v0.13), field by field, on the corpus and on generated and mutated Dockerfiles.
@Suite struct DifferentialTests {
    /// Inputs: every Dockerfile of the optional corpus, 600 generated files and 400 mutations of
    /// corpus or generated files.
    static func inputs() throws -> [(String, String)] {
        var inputs: [(String, String)] = []
        var sources: [String] = []
        for url in TestPaths.corpusDockerfiles {
            let text = try String(contentsOf: url, encoding: .utf8)
            sources.append(text)
            inputs.append((url.path, text))
        }
        var generator = DockerfileGenerator(seed: TestSeed.value(for: "differential", default: 0xB3A7_2026))
        for index in 0..<600 {
            let text = generator.dockerfile()
            if index < 50 { sources.append(text) }
            inputs.append(("generated-\(index)", text))
        }
        for index in 0..<400 {
            inputs.append(("mutated-\(index)", generator.mutate(generator.pick(sources))))
        }
        return inputs
    }

    /// Runs the oracle on every input at once; nil when it is not installed (outside CI).
    static func oracle(_ inputs: [(String, String)]) throws -> [String: Any]? {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("berth-differential-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (index, input) in inputs.enumerated() {
            try Data(input.1.utf8).write(to: directory.appendingPathComponent(String(format: "%05d", index)))
        }
        let result = try ChildProcess.runSync(
            "python3", [Repository.url("scripts/buildkit_oracle.py").path, directory.path], timeout: 600)
        if result.status != 0 {
            Issue.record("oracle failed: \(result.error)")
            return nil
        }
        let parsed = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] ?? [:]
        var byIndex: [String: Any] = [:]
        for (path, value) in parsed {
            byIndex[URL(fileURLWithPath: path).lastPathComponent] = value
        }
        return byIndex
    }

    /// What Berth's JSON says, in the oracle's shape. The `dockerfile` package reports the keyword
    /// as written, drops ONBUILD's heredocs and cuts strings at a NUL character (it passes them as
    /// C strings); these are normalised here.
    static func berthView(_ input: String) -> Any {
        let parser = DockerfileParser(options: ParserOptions(dialect: .v013, rejectBinary: true, maxBytes: nil))
        do {
            let parsed = try parser.parse(input)
            let json = try JSONSerialization.jsonObject(with: Data(parsed.jsonDump().utf8)) as! [[String: Any]]
            var instructions: [[String: Any]] = []
            for (instruction, var object) in zip(parsed.instructions, json) {
                if instruction.onbuildTrigger != nil {
                    object["heredocs"] = []
                    object["original"] = instruction.node.original.isEmpty ? NSNull() : instruction.node.original
                }
                instructions.append(object)
            }
            return ["instructions": instructions.map(cutAtNUL)]
        } catch {
            return ["error": error.message]
        }
    }

    static func cutAtNUL(_ value: Any) -> Any {
        if let string = value as? String, let nul = string.firstIndex(of: "\0") {
            return String(string[..<nul])
        }
        if let array = value as? [Any] { return array.map(cutAtNUL) }
        if let object = value as? [String: Any] { return object.mapValues(cutAtNUL) }
        return value
    }

    static func normaliseOracle(_ value: Any) -> Any {
        guard var object = value as? [String: Any], let instructions = object["instructions"] as? [[String: Any]]
        else { return value }
        object["instructions"] = instructions.map { instruction -> [String: Any] in
            var instruction = instruction
            for key in ["cmd", "subCmd"] {
                if let text = instruction[key] as? String { instruction[key] = goUpper(text) }
            }
            return instruction
        }
        return object
    }

    @Test(.timeLimit(.minutes(5)), Tool.enabled(pythonModules: "dockerfile"))
    func berthMatchesBuildKitFieldByField() throws {
        let inputs = try Self.inputs()
        #expect(inputs.count >= 1000)
        guard let oracle = try Self.oracle(inputs) else { return }
        var agreed = 0
        var bothRejected = 0
        var disagreements: [String] = []
        for (index, (name, text)) in inputs.enumerated() {
            guard let expected = oracle[String(format: "%05d", index)] else {
                disagreements.append("\(name): no oracle result")
                continue
            }
            let ours = Self.berthView(text)
            let theirs = Self.normaliseOracle(expected)
            if let oursError = (ours as? [String: Any])?["error"] {
                if (theirs as? [String: Any])?["error"] != nil {
                    bothRejected += 1
                } else {
                    disagreements.append("\(name): berth rejected (\(oursError)), BuildKit accepted\n\(text)")
                }
                continue
            }
            if let theirError = (theirs as? [String: Any])?["error"] {
                disagreements.append("\(name): BuildKit rejected (\(theirError)), berth accepted\n\(text)")
                continue
            }
            let oursData = try JSONSerialization.data(withJSONObject: ours, options: [.sortedKeys])
            let theirsData = try JSONSerialization.data(withJSONObject: theirs, options: [.sortedKeys])
            if oursData == theirsData {
                agreed += 1
            } else {
                disagreements.append(
                    "\(name): fields differ\n--- input\n\(text)\n--- berth\n\(String(decoding: oursData, as: UTF8.self))\n--- buildkit\n\(String(decoding: theirsData, as: UTF8.self))"
                )
            }
        }
        let current = DockerfileParser()
        let legacy = DockerfileParser(options: ParserOptions(dialect: .v013))
        let dialectChanges = inputs.filter { input in
            let a = try? current.parse(input.1).jsonDump()
            let b = try? legacy.parse(input.1).jsonDump()
            return a != b
        }.count
        print("differential: \(dialectChanges) of these parse differently in current BuildKit than in v0.13")
        print(
            "differential: \(inputs.count) Dockerfiles, \(agreed) parsed identically, \(bothRejected) rejected by both, \(disagreements.count) disagreements"
        )
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5).joined(separator: "\n\n"))")
        #expect(agreed > 300, "too few accepted inputs to be a meaningful comparison")
    }
}

extension Error {
    var message: String { (self as? DockerfileParseError)?.message ?? "\(self)" }
}

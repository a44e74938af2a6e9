import BerthCore
import Foundation
import Kubernetes
import Registry
import Render
import Rules
import TestSupport
import Testing
import YAMLSupport

/// Randomly nested, aliased and damaged YAML fed to every YAML reader Berth has: manifests,
/// `.berth.yaml`, `berth.yaml` and `registry.yaml`. Each returns or throws a located error; none
/// crashes, hangs or expands without bound. A failure prints the seed and the input.
@Suite struct YAMLFuzzTests {
    /// Deterministic generator of YAML-shaped text.
    struct Generator {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

        mutating func scalar() -> String {
            [
                "a", "1", "true", "null", "'quoted'", "\"x\\ny\"", "~", "1Gi", "-", "|\n  text", ">-\n  folded", "[]",
                "{}",
            ][
                below(13)]
        }

        /// A value nested up to `depth`, with anchors and aliases when `aliases` is set.
        mutating func value(depth: Int, anchors: inout [String]) -> String {
            if depth <= 0 || below(4) == 0 {
                if !anchors.isEmpty, below(5) == 0 { return "*" + anchors[below(anchors.count)] }
                return scalar()
            }
            let count = 1 + below(4)
            var anchor = ""
            if below(4) == 0 {
                let name = "a\(anchors.count)"
                anchors.append(name)
                anchor = "&\(name) "
            }
            var items: [String] = []
            for index in 0..<count {
                let child = value(depth: depth - 1, anchors: &anchors)
                items.append(below(2) == 0 ? child : "k\(index): \(child)")
            }
            if items.allSatisfy({ $0.hasPrefix("k") }) { return anchor + "{" + items.joined(separator: ", ") + "}" }
            return anchor + "[" + items.map { $0.hasPrefix("k") ? "{\($0)}" : $0 }.joined(separator: ", ") + "]"
        }

        mutating func document() -> String {
            var anchors: [String] = []
            var text = ""
            switch below(6) {
            case 0:
                // Deep nesting, flow or block.
                let depth = 50 + below(5000)
                text =
                    below(2) == 0
                    ? "rules: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
                    : (0..<min(depth, 800)).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(
                        separator: "\n")
            case 1:
                // An alias bomb of random width and height.
                let width = 2 + below(9)
                text = "a0: &a0 [" + Array(repeating: "x", count: width).joined(separator: ", ") + "]\n"
                for level in 1...(3 + below(15)) {
                    let references = Array(repeating: "*a\(level - 1)", count: width).joined(separator: ", ")
                    text += "a\(level): &a\(level) [\(references)]\n"
                }
            default:
                text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
                for index in 0..<(1 + below(6)) {
                    text += "f\(index): \(value(depth: 1 + below(8), anchors: &anchors))\n"
                }
            }
            // Damage: a byte flipped, truncated, a NUL, a duplicate key.
            var bytes = Array(text.utf8)
            switch below(6) {
            case 0 where !bytes.isEmpty: bytes[below(bytes.count)] = UInt8(below(256))
            case 1 where !bytes.isEmpty: bytes = Array(bytes.prefix(below(bytes.count)))
            case 2: bytes.insert(0, at: below(bytes.count + 1))
            case 3: bytes += Array("f0: again\n".utf8)
            default: break
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func everyYAMLReaderSurvivesRandomNestedAndAliasedInput() throws {
        let seed = TestSeed.value(for: "YAML readers", default: 0xBE27_44A1)
        var generator = Generator(state: seed)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("berth-yaml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let registryFile = directory.appendingPathComponent("registry.yaml")
        for round in 0..<400 {
            let text = generator.document()
            let bytes = Array(text.utf8)
            let input = "round \(round), seed 0x\(String(seed, radix: 16)):\n\(text.prefix(2000))"
            // Manifests.
            do {
                _ = try ManifestParser().parse(bytes: bytes, file: "m.yaml")
            } catch let error as BerthError {
                if case .invalidInput(let location, _) = error {
                    #expect(location.file == "m.yaml" && location.line >= 1, "\(input)")
                }
            }
            // .berth.yaml
            do {
                _ = try CheckConfiguration.parse(bytes: bytes, file: ".berth.yaml", knownRules: [])
            } catch let error as BerthError {
                #expect(error.description.hasPrefix(".berth.yaml:"), "\(error)\n\(input)")
            }
            // berth.yaml
            do {
                _ = try RenderSpec.parse(bytes: bytes, file: "berth.yaml")
            } catch {
                #expect(error.items.allSatisfy { $0.file == "berth.yaml" && $0.line >= 1 }, "\(input)")
            }
            // registry.yaml
            try Data(bytes).write(to: registryFile)
            do {
                _ = try RegistryConfiguration.load(path: registryFile.path)
            } catch {
                #expect(
                    "\(error)".contains("registry.yaml") || "\(error)".contains("invalid configuration"),
                    "\(error)\n\(input)")
            }
        }
    }
}

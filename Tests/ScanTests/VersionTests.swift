import Foundation
import ImageTestSupport
import TestSupport
import Testing

@testable import Scan

/// A small seeded generator so property tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func sign(_ value: Int) -> Int { value < 0 ? -1 : (value > 0 ? 1 : 0) }

@Suite struct VersionTests {
    @Test(arguments: [
        ("1.0", "1.0", 0), ("1.0", "1.1", -1), ("1.0~rc1", "1.0", -1), ("1.0~~", "1.0~", -1), ("1.0", "1.0+b1", -1),
        ("1:0.9", "2.0", 1), ("0:1.0", "1.0", 0), ("1.0-1", "1.0-1~bpo1", 1), ("2.36-9+deb12u4", "2.36-9+deb12u14", -1),
        ("1.0a", "1.0", 1), ("1.0.", "1.0", 1), ("1.0-0", "1.0", 0), ("1.2.3-1", "1.2.3-1.1", -1), ("010", "10", 0),
        ("3.0.19-1~deb12u2", "3.0.19-1", -1), ("3.0.19-1~deb12u1", "3.0.19-1~deb12u2", -1), ("1.0-a-1", "1.0-a", 1),
    ])
    func debian(lhs: String, rhs: String, expected: Int) {
        #expect(sign(DebianVersion.compare(lhs, rhs)) == expected)
        #expect(sign(DebianVersion.compare(rhs, lhs)) == -expected)
    }

    @Test(arguments: [
        ("1.0", "1.0", 0), ("1.0~rc1", "1.0", -1), ("1.0", "1.0^git1", -1), ("1.0^git1", "1.0.1", -1),
        ("1.0^", "1.0", 1), ("1:1.0", "2.0", 1), ("1.0-1.el9", "1.0-2.el9", -1), ("1.0a", "1.0", 1),
        ("1.0", "1.0.0", -1), ("2.0", "10", -1), ("a", "1", -1), ("1.01", "1.1", 0), ("1.0-1", "1.0", 0),
        ("3.0.7-25.el9", "3.0.7-27.el9_3", -1),
    ])
    func rpm(lhs: String, rhs: String, expected: Int) {
        #expect(sign(RPMVersion.compare(lhs, rhs)) == expected)
        #expect(sign(RPMVersion.compare(rhs, lhs)) == -expected)
    }

    @Test(arguments: [
        ("1.0", "1.0", 0), ("1.2_rc1", "1.2", -1), ("1.2_alpha1", "1.2_beta1", -1), ("1.2", "1.2_p1", -1),
        ("1.2-r0", "1.2-r1", -1), ("1.2a", "1.2", 1), ("1.2a", "1.2b", -1), ("1.10", "1.9", 1),
        ("1.36.1-r5", "1.36.1-r15", -1), ("1.2.3", "1.2", 1), ("1.2_pre2", "1.2_rc1", -1), ("1.2_git2", "1.2_p1", -1),
    ])
    func apk(lhs: String, rhs: String, expected: Int) {
        #expect(sign(APKVersion.compare(lhs, rhs)) == expected)
        #expect(sign(APKVersion.compare(rhs, lhs)) == -expected)
    }

    @Test(arguments: [
        ("1.0", "1.0.0", 0), ("1.0", "1", 0), ("1.0-alpha1", "1.0-beta1", -1), ("1.0-beta1", "1.0-rc1", -1),
        ("1.0-rc1", "1.0-SNAPSHOT", -1), ("1.0-SNAPSHOT", "1.0", -1), ("1.0", "1.0-sp1", -1), ("1.0-ga", "1.0", 0),
        ("1.0-final", "1.0", 0), ("1.0-cr1", "1.0-rc1", 0), ("2.12.2", "2.13.0", -1), ("2.0-beta9", "2.0", -1),
        ("2.15.0", "2.14.1", 1), ("1.0a1", "1.0-alpha-1", 0), ("1.0-foo", "1.0-sp", 1), ("1.0.1", "1.0-sp", 1),
        ("1-1", "1.1", -1),
    ])
    func maven(lhs: String, rhs: String, expected: Int) {
        #expect(sign(MavenVersion.compare(lhs, rhs)) == expected)
        #expect(sign(MavenVersion.compare(rhs, lhs)) == -expected)
    }

    /// Random Debian versions: optional epoch, an upstream starting with a digit, an optional revision,
    /// drawn from the characters that matter to the order (`~`, `+`, `.`, letters, digits, leading zeros).
    static func randomDebian(_ generator: inout SplitMix64) -> String {
        let upstreamCharacters = Array("0123456789012345678900.~+abcz")
        let revisionCharacters = Array("0123456789.~+bdeu")
        var text = ""
        if Int.random(in: 0..<4, using: &generator) == 0 { text += "\(Int.random(in: 0...2, using: &generator)):" }
        text += String(Int.random(in: 0...12, using: &generator))
        for _ in 0..<Int.random(in: 0...6, using: &generator) {
            text.append(upstreamCharacters[Int.random(in: 0..<upstreamCharacters.count, using: &generator)])
        }
        if Int.random(in: 0..<2, using: &generator) == 0 {
            text += "-"
            text.append(revisionCharacters[Int.random(in: 0..<10, using: &generator)])
            for _ in 0..<Int.random(in: 0...5, using: &generator) {
                text.append(revisionCharacters[Int.random(in: 0..<revisionCharacters.count, using: &generator)])
            }
        }
        return text
    }

    /// Pairs that differ only near the end, where off-by-one mistakes live.
    static func pairs(count: Int, seed: UInt64, make: (inout SplitMix64) -> String) -> [(String, String)] {
        var generator = SplitMix64(state: seed)
        return (0..<count).map { index in
            let a = make(&generator)
            if index % 3 == 0 {
                var b = a
                let suffixes = ["~", "~rc1", "+b1", ".0", "a", "-1", "0", "~~"]
                b += suffixes[Int.random(in: 0..<suffixes.count, using: &generator)]
                return (a, b)
            }
            return (a, make(&generator))
        }
    }

    /// `dpkg --compare-versions` on random and edge-case pairs; every disagreement is listed.
    /// `BERTH_DPKG_PAIRS` sets how many (default 1,500; the full oracle run uses 100000).
    @Test(Tool.enabled("dpkg")) func debianAgreesWithDpkg() throws {
        guard let dpkg = Tool.require("dpkg") else { return }
        let count = ProcessInfo.processInfo.environment["BERTH_DPKG_PAIRS"].flatMap { Int($0) } ?? 1500
        let pairs = Self.pairs(count: count, seed: 12, make: Self.randomDebian).filter {
            !$0.0.hasSuffix("-") && !$0.1.hasSuffix("-")
        }
        let input = pairs.map { "\($0.0) \($0.1)" }.joined(separator: "\n") + "\n"
        let file = NSTemporaryDirectory() + "dpkg-pairs-\(UUID().uuidString)"
        try input.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let script = """
            while read -r a b; do
              if \(dpkg) --compare-versions "$a" lt "$b" 2>/dev/null; then echo -1
              elif \(dpkg) --compare-versions "$a" eq "$b" 2>/dev/null; then echo 0
              else echo 1; fi
            done < "$1"
            """
        // Up to two dpkg processes a pair: allow 20 ms a pair beyond the usual two minutes.
        let result = try ChildProcess.runSync(
            "/bin/bash", ["-c", script, "oracle", file], timeout: 120 + Double(pairs.count) * 0.02)
        let answers = result.output.split(separator: "\n").compactMap { Int($0) }
        try #require(answers.count == pairs.count)
        var disagreements: [String] = []
        for (pair, expected) in zip(pairs, answers) where sign(DebianVersion.compare(pair.0, pair.1)) != expected {
            disagreements.append(
                "\(pair.0) vs \(pair.1): dpkg \(expected), berth \(DebianVersion.compare(pair.0, pair.1))")
        }
        print("dpkg --compare-versions: \(pairs.count) pairs compared, \(disagreements.count) disagreements")
        #expect(disagreements.isEmpty, "\(disagreements.prefix(20).joined(separator: "\n"))")
    }

    /// univers (PyPI) for Maven, rpm, apk and Debian on random pairs in one Python process.
    @Test(Tool.enabled(pythonModules: "univers"), arguments: ["maven", "rpm", "apk"])
    func agreesWithUnivers(scheme: String) throws {
        var generator = SplitMix64(state: 99)
        let pieces: [String]
        switch scheme {
        case "maven":
            pieces = [
                "1", "2", "0", "10", ".", ".", "-", "alpha", "beta", "rc", "SNAPSHOT", "final", "sp", "a", "b", "m",
            ]
        case "rpm": pieces = ["1", "2", "0", "10", "01", ".", ".", "~", "^", "a", "b", "rc", "el9", "_"]
        default: pieces = ["1", "2", "0", "10", ".", ".", "a", "_rc", "_alpha", "_p", "_pre", "_git", "-r1", "-r0"]
        }
        var versions: [(String, String)] = []
        for _ in 0..<3000 {
            func make() -> String {
                var text = String(Int.random(in: 0...9, using: &generator))
                for _ in 0..<Int.random(in: 0...5, using: &generator) {
                    text += pieces[Int.random(in: 0..<pieces.count, using: &generator)]
                }
                return text
            }
            versions.append((make(), make()))
        }
        let className = ["maven": "MavenVersion", "rpm": "RpmVersion", "apk": "AlpineLinuxVersion"][scheme] ?? ""
        let script = """
            import sys
            from univers.versions import \(className) as V
            for line in sys.stdin.read().splitlines():
                a, b = line.split(" ")
                try:
                    x, y = V(a), V(b)
                    print(-1 if x < y else (1 if x > y else 0))
                except Exception:
                    print("invalid")
            """
        let input = versions.map { "\($0.0) \($0.1)" }.joined(separator: "\n")
        let file = NSTemporaryDirectory() + "univers-\(UUID().uuidString)"
        try input.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try TestImageBuilder.capture("/bin/bash", ["-c", "python3 -c '\(script)' < \(file)"])
        guard result.status == 0 else {
            Issue.record("univers failed: \(result.errors)")
            return
        }
        let answers = result.output.split(separator: "\n").map(String.init)
        try #require(answers.count == versions.count)
        var compared = 0
        var disagreements: [String] = []
        for (pair, answer) in zip(versions, answers) {
            guard let expected = Int(answer) else { continue }
            compared += 1
            let ours: Int
            switch scheme {
            case "maven": ours = sign(MavenVersion.compare(pair.0, pair.1))
            case "rpm": ours = sign(RPMVersion.compare(pair.0, pair.1))
            default: ours = sign(APKVersion.compare(pair.0, pair.1))
            }
            if ours != expected { disagreements.append("\(pair.0) vs \(pair.1): univers \(expected), berth \(ours)") }
        }
        #expect(compared > 1000)
        // Each remaining disagreement must be one univers gets wrong for a stated reason.
        let unexplained = disagreements.filter { line in
            let parts = line.split(separator: ":").first?.components(separatedBy: " vs ") ?? []
            guard parts.count == 2 else { return true }
            return Self.universDeparture(scheme: scheme, parts[0], parts[1]) == nil
        }
        #expect(
            unexplained.isEmpty, "\(unexplained.count) unexplained:\n\(unexplained.prefix(30).joined(separator: "\n"))")
    }

    /// Why univers orders a pair differently from the ecosystem's own tool, when the reason is known.
    ///
    /// apk: apk-tools reads the first component as a plain number (`0100` is 100) where univers
    /// treats leading zeros as it does after a dot; apk-tools orders `1` before `1-r0`, univers
    /// treats them as equal; and strings apk-tools' `apk_version_validate` rejects have no order.
    static func universDeparture(scheme: String, _ a: String, _ b: String) -> String? {
        guard scheme == "apk" else { return nil }
        if !APKVersion.isValid(a) || !APKVersion.isValid(b) { return "not a valid apk version" }
        func leadingZeros(_ text: String) -> Bool {
            let first = text.prefix { $0.isASCII && $0.isNumber }
            return first.count > 1 && first.hasPrefix("0")
        }
        if leadingZeros(a) || leadingZeros(b) { return "leading zeros in the first component" }
        if a == b + "-r0" || b == a + "-r0" { return "-r0 is a revision, not the default" }
        return nil
    }
}

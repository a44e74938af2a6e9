import Foundation

/// Seeds for randomised tests: fixed by default so runs are repeatable, overridable with
/// `BERTH_TEST_SEED` (decimal or 0x-hex) to explore, and always printed so a failure can be replayed.
public enum TestSeed {
    /// The seed to use for `test`, printed once.
    public static func value(for test: String, default fallback: UInt64) -> UInt64 {
        var seed = fallback
        if let text = ProcessInfo.processInfo.environment["BERTH_TEST_SEED"] {
            let parsed = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
            if let parsed { seed = parsed }
        }
        print("\(test): seed 0x\(String(seed, radix: 16)) (replay with BERTH_TEST_SEED=0x\(String(seed, radix: 16)))")
        return seed
    }
}

import Foundation

/// Where the package is, found from this file's location, so tests run the same from any directory.
public enum Repository {
    /// The package root (the folder holding `Package.swift`).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A path inside the package.
    public static func url(_ relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }

    /// The fixtures folder of a test target, e.g. `fixtures("RulesTests")`.
    public static func fixtures(_ target: String) -> URL {
        url("Tests/\(target)/Fixtures")
    }
}

/// Facts about the environment the tests run in.
public enum Environment {
    /// Whether the tests run under CI (`CI` set to anything but empty, `0` or `false`): missing tools
    /// and corpora are then failures, not skips.
    public static var isCI: Bool {
        guard let value = ProcessInfo.processInfo.environment["CI"] else { return false }
        return !["", "0", "false", "no"].contains(value.lowercased())
    }
}

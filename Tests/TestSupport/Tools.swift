import Foundation
import Testing

/// Peer tools the tests compare against (helm, hadolint, skopeo, BuildKit's parser, ...).
///
/// `.ci/run` installs them all, pinned. Locally a missing tool skips the tests that need it (a real
/// skip, listed in the test output); under CI it is a failure.
public enum Tool {
    /// The executable `name` on PATH.
    public static func find(_ name: String) -> String? {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The executable `name`, or nil after recording a failure under CI.
    public static func require(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        if let path = find(name) { return path }
        if Environment.isCI {
            Issue.record("\(name) is required under CI (.ci/run installs it)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// Runs the test when every tool is on PATH, or under CI (where a missing one fails).
    public static func enabled(_ names: String...) -> ConditionTrait {
        let missing = names.filter { find($0) == nil }
        return .enabled(
            if: missing.isEmpty || Environment.isCI,
            Comment(rawValue: "needs \(missing.joined(separator: ", ")) on PATH (.ci/run installs it)"))
    }

    /// Whether `python3` can import `module`.
    public static func hasPythonModule(_ module: String) -> Bool {
        guard let python = find("python3") else { return false }
        let result = try? ChildProcess.runSync(python, ["-c", "import \(module)"])
        return result?.status == 0
    }

    /// Runs the test when `python3` can import every module, or under CI.
    public static func enabled(pythonModules modules: String...) -> ConditionTrait {
        let missing = modules.filter { !hasPythonModule($0) }
        return .enabled(
            if: missing.isEmpty || Environment.isCI,
            Comment(rawValue: "needs the Python modules \(missing.joined(separator: ", ")) (.ci/run installs them)"))
    }
}

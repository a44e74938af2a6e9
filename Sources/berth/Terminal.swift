import BerthCore
import Foundation

/// Standard output and error for commands.
enum Terminal {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(("berth: " + text + "\n").utf8))
    }

    /// Colour only on a terminal, and never when `NO_COLOR` is set.
    static var standardOutputIsColourTerminal: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    /// Whether standard error is a terminal (for progress lines).
    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

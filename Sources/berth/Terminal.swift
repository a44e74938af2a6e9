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

/// Reads files named on the command line; `-` is standard input.
enum SourceReader {
    static func read(_ path: String) throws -> [UInt8] {
        if path == "-" {
            return [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BerthError.io(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw BerthError.io(path: path, reason: "is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BerthError.io(path: path, reason: "permission denied or unreadable")
        }
        return [UInt8](data)
    }
}

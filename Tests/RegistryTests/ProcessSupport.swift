import Foundation
import Testing

/// The result of a finished child process.
struct ProcessResult: Sendable {
    var status: Int32
    var output: String
    var error: String
}

enum ProcessError: Error, CustomStringConvertible {
    case timedOut(String)
    var description: String {
        switch self {
        case .timedOut(let command): return "timed out: \(command)"
        }
    }
}

/// Where the repository and the shared material are, from this file's location.
enum Paths {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let shared = repository + "/../shared"
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures"
}

/// Finds an executable on PATH. When it is missing the test fails under CI and is skipped otherwise.
func requireTool(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    if ProcessInfo.processInfo.environment["CI"] != nil {
        Issue.record("\(name) is required under CI (install it with .ci/install-registry-deps.sh)")
    }
    return nil
}

/// Runs a command without blocking the cooperative pool, killing it after `timeout` seconds.
@discardableResult
func run(
    _ executable: String, _ arguments: [String], timeout: TimeInterval = 120, input: String? = nil,
    environment: [String: String]? = nil, directory: String? = nil
) async throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe()
    let err = Pipe()
    let inPipe = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = inPipe
    let outData = DataCollector()
    let errData = DataCollector()
    out.fileHandleForReading.readabilityHandler = { handle in outData.append(handle.availableData) }
    err.fileHandleForReading.readabilityHandler = { handle in errData.append(handle.availableData) }
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { process in continuation.resume(returning: process.terminationStatus) }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
            return
        }
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            if process.isRunning { kill(pid, SIGKILL) }
        }
    }
    out.fileHandleForReading.readabilityHandler = nil
    err.fileHandleForReading.readabilityHandler = nil
    outData.append(out.fileHandleForReading.readDataToEndOfFile())
    errData.append(err.fileHandleForReading.readDataToEndOfFile())
    let result = ProcessResult(status: status, output: outData.string, error: errData.string)
    if status == SIGKILL + 128 || (status == 9) {
        throw ProcessError.timedOut("\(executable) \(arguments.joined(separator: " "))")
    }
    return result
}

final class DataCollector: @unchecked Sendable {
    private var data = Data()
    private let lock = NSLock()
    func append(_ chunk: Data) {
        lock.lock()
        data.append(chunk)
        lock.unlock()
    }
    var string: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}

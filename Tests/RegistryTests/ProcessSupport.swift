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
///
/// Output is drained by blocking reads on dedicated threads: `FileHandle.readabilityHandler` registers
/// libdispatch read sources whose teardown can crash the process on Linux when many pipes come and go.
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
    let child = UncheckedBox(process)
    return try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            let process = child.value
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
                return
            }
            let pid = process.processIdentifier
            let killer = DispatchWorkItem { kill(pid, SIGKILL) }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
            let writer = BlockingDrain.start {
                if let input { try? inPipe.fileHandleForWriting.write(contentsOf: Data(input.utf8)) }
                try? inPipe.fileHandleForWriting.close()
                return Data()
            }
            let errors = BlockingDrain.start { err.fileHandleForReading.readDataToEndOfFile() }
            let output = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            killer.cancel()
            _ = writer.wait()
            let errorOutput = errors.wait()
            let terminatedBySignal = process.terminationReason == .uncaughtSignal
            let code = process.terminationStatus
            if terminatedBySignal && code == SIGKILL {
                continuation.resume(
                    throwing: ProcessError.timedOut("\(executable) \(arguments.joined(separator: " "))"))
                return
            }
            continuation.resume(
                returning: ProcessResult(
                    status: terminatedBySignal ? 128 + code : code,
                    output: String(decoding: output, as: UTF8.self),
                    error: String(decoding: errorOutput, as: UTF8.self)))
        }
    }
}

/// Carries a non-Sendable value to the one thread that uses it.
final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Reads (or writes) on its own thread until the work returns; `wait()` joins it.
final class BlockingDrain: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    static func start(_ work: @escaping @Sendable () -> Data) -> BlockingDrain {
        let drain = BlockingDrain()
        Thread.detachNewThread {
            drain.data = work()
            drain.done.signal()
        }
        return drain
    }

    func wait() -> Data {
        done.wait()
        return data
    }
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

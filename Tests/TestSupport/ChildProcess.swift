import Foundation

/// The result of a finished child process.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var output: String
    public var error: String

    public init(status: Int32, output: String, error: String) {
        self.status = status
        self.output = output
        self.error = error
    }
}

/// A child process that did not finish in time (it was killed).
public struct ProcessTimedOut: Error, CustomStringConvertible {
    public var command: String
    public init(command: String) { self.command = command }
    public var description: String { "timed out: \(command)" }
}

/// Runs child processes for tests.
///
/// Output is drained by blocking reads on dedicated threads: `FileHandle.readabilityHandler` registers
/// libdispatch read sources whose teardown can crash the process on Linux when many pipes come and go.
public enum ChildProcess {
    /// A child that exits before reading all its input (berth refusing an oversized stream, say)
    /// must not kill the test process with SIGPIPE: the write fails with EPIPE instead.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Runs `executable` (a path, or a name looked up on PATH) and waits, killing it after `timeout` seconds.
    public static func runSync(
        _ executable: String, _ arguments: [String], timeout: TimeInterval = 120, input: Data? = nil,
        environment: [String: String]? = nil, directory: String? = nil
    ) throws -> ProcessResult {
        ignoreBrokenPipes
        let process = Process()
        let resolved = executable.hasPrefix("/") ? executable : (Tool.find(executable) ?? executable)
        process.executableURL = URL(fileURLWithPath: resolved)
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        let inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        let pid = process.processIdentifier
        let killer = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        let writer = BlockingDrain.start {
            if let input { try? inPipe.fileHandleForWriting.write(contentsOf: input) }
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
            throw ProcessTimedOut(command: "\(executable) \(arguments.joined(separator: " "))")
        }
        return ProcessResult(
            status: terminatedBySignal ? 128 + code : code,
            output: String(decoding: output, as: UTF8.self),
            error: String(decoding: errorOutput, as: UTF8.self))
    }

    /// ``runSync(_:_:timeout:input:environment:directory:)`` on its own thread, off the cooperative pool.
    public static func run(
        _ executable: String, _ arguments: [String], timeout: TimeInterval = 120, input: Data? = nil,
        environment: [String: String]? = nil, directory: String? = nil
    ) async throws -> ProcessResult {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    continuation.resume(
                        returning: try runSync(
                            executable, arguments, timeout: timeout, input: input, environment: environment,
                            directory: directory))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}

/// The `berth` executable built with the tests.
public enum BerthExecutable {
    /// Its path: beside the test bundle, or in the package's debug build folder.
    public static let path: String? = {
        var candidates: [URL] = []
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("berth"))
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(Repository.url(".build/debug/berth"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path
    }()

    /// Runs `berth` with `arguments`.
    public static func run(
        _ arguments: [String], input: String? = nil, timeout: TimeInterval = 120,
        environment: [String: String]? = nil, directory: String? = nil
    ) throws -> ProcessResult {
        guard let path else { throw MissingExecutable() }
        return try ChildProcess.runSync(
            path, arguments, timeout: timeout, input: input.map { Data($0.utf8) }, environment: environment,
            directory: directory)
    }

    /// The executable was not built.
    public struct MissingExecutable: Error, CustomStringConvertible {
        public var description: String { "the berth executable is built with the tests (swift build)" }
    }
}

/// Reads (or writes) on its own thread until the work returns; `wait()` joins it.
public final class BlockingDrain: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    public static func start(_ work: @escaping @Sendable () -> Data) -> BlockingDrain {
        let drain = BlockingDrain()
        Thread.detachNewThread {
            drain.data = work()
            drain.done.signal()
        }
        return drain
    }

    public func wait() -> Data {
        done.wait()
        return data
    }
}

/// Carries a non-Sendable value to the one thread that uses it.
public final class UncheckedBox<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

import Foundation
import TestSupport
import Testing

/// Where the repository and its fixtures are.
enum Paths {
    static let repository = Repository.root.path
    static let fixtures = Repository.fixtures("RegistryTests").path
}

/// The executable `name` on PATH, or nil after recording a failure under CI.
func requireTool(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    Tool.require(name, sourceLocation: sourceLocation)
}

/// Runs a command off the cooperative pool, killing it after `timeout` seconds.
@discardableResult
func run(
    _ executable: String, _ arguments: [String], timeout: TimeInterval = 120, input: String? = nil,
    environment: [String: String]? = nil, directory: String? = nil
) async throws -> ProcessResult {
    try await ChildProcess.run(
        executable, arguments, timeout: timeout, input: input.map { Data($0.utf8) }, environment: environment,
        directory: directory)
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

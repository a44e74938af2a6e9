import Foundation
import OCI
import Testing

/// Where the package and the optional corpora are.
enum Paths {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures"

    /// The corpus root: `BERTH_CORPUS`, else `../shared/corpus` beside the package.
    static var corpus: String {
        ProcessInfo.processInfo.environment["BERTH_CORPUS"] ?? package + "/../shared/corpus"
    }

    /// A corpus folder, or nil to skip: missing is a failure when `CI` is set.
    static func requireCorpus(_ name: String) -> String? {
        let path = corpus + "/" + name
        if FileManager.default.fileExists(atPath: path) { return path }
        let message =
            "corpus '\(name)' not found under \(corpus): set BERTH_CORPUS or run scripts/fetch-corpora.sh"
        if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record(Comment(rawValue: message))
        } else {
            print("skipped: \(message)")
        }
        return nil
    }
}

/// A fresh directory under the temporary directory, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "berth-sign-test-\(UUID().uuidString.lowercased())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Finds an executable on PATH; missing, the test is skipped locally and fails under CI.
func requireTool(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    if ProcessInfo.processInfo.environment["CI"] != nil {
        Issue.record("\(name) is required under CI (install it with .ci/install-sign-deps.sh)")
    }
    return nil
}

struct ProcessResult: Sendable {
    var status: Int32
    var output: String
    var error: String
}

/// Runs a command to completion on its own thread, with its output collected.
func run(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil
) async throws -> ProcessResult {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let output = Pipe()
            let error = Pipe()
            let stdin = Pipe()
            process.standardOutput = output
            process.standardError = error
            process.standardInput = stdin
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
                return
            }
            if let input { try? stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8)) }
            try? stdin.fileHandleForWriting.close()
            let errorBox = DataBox()
            let reader = Thread {
                errorBox.data = error.fileHandleForReading.readDataToEndOfFile()
                errorBox.done.signal()
            }
            reader.start()
            let out = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            errorBox.done.wait()
            continuation.resume(
                returning: ProcessResult(
                    status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
                    error: String(decoding: errorBox.data, as: UTF8.self)))
        }
    }
}

final class DataBox: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}

/// The built `berth` executable beside the test bundle, or nil to skip (a failure under CI).
var berthExecutable: String? {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [
        directory.appendingPathComponent("berth").path,
        directory.deletingLastPathComponent().appendingPathComponent("berth").path,
    ] where FileManager.default.isExecutableFile(atPath: candidate) {
        return candidate
    }
    if ProcessInfo.processInfo.environment["CI"] != nil {
        Issue.record("the berth executable was not built next to the tests")
    }
    return nil
}

/// `berth registry serve` on an ephemeral loopback port, stopped by `stop()`.
final class RegistryServer: @unchecked Sendable {
    let process = Process()
    let root: TemporaryDirectory
    private(set) var port = 0

    init(berth: String, configure: [[String]] = []) async throws {
        root = try TemporaryDirectory()
        for arguments in configure {
            let result = try await run(berth, arguments + ["--root", root.path], input: "long-enough-password\n")
            guard result.status == 0 else { throw ServerError.setup(result.error) }
        }
        process.executableURL = URL(fileURLWithPath: berth)
        process.arguments = [
            "registry", "serve", "--root", root.path, "--addr", "127.0.0.1:0", "--log-level", "error",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let box = DataBox()
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                synchronized { box.data.append(chunk) }
            }
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let text = synchronized { String(decoding: box.data, as: UTF8.self) }
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }),
                let port = Int(line.split(separator: ":").last ?? "")
            {
                self.port = port
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        stop()
        throw ServerError.setup("berth registry serve did not start")
    }

    var host: String { "127.0.0.1:\(port)" }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        root.cleanup()
    }
}

enum ServerError: Error { case setup(String) }

private let outputLock = NSLock()
/// Runs `body` under the one lock that guards server output.
func synchronized<T>(_ body: () -> T) -> T {
    outputLock.lock()
    defer { outputLock.unlock() }
    return body()
}

/// Pushes a small random image (config, one layer, OCI manifest) and returns its manifest digest.
@discardableResult
func pushRandomImage(_ client: RegistryClient, repository: String, tag: String) async throws -> Digest {
    let layer = Data((0..<512).map { _ in UInt8.random(in: 0...255) })
    let config = Data(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
    let layerDescriptor = try await client.uploadBlob(
        repository: repository, data: layer, mediaType: "application/vnd.oci.image.layer.v1.tar")
    let configDescriptor = try await client.uploadBlob(
        repository: repository, data: config, mediaType: "application/vnd.oci.image.config.v1+json")
    let manifest = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
        "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(configDescriptor.digest)","size":\(config.count)},\
        "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\(layerDescriptor.digest)","size":\(layer.count)}]}
        """
    return try await client.putManifest(
        repository: repository, reference: tag, data: Data(manifest.utf8), mediaType: MediaType.ociManifest)
}

import Foundation
import OCI
import TestSupport
import Testing

/// Where the signing tests' own fixtures are.
enum Paths {
    static let fixtures = Repository.fixtures("SignTests").path

    /// The cosign corpus folder, or nil (a failure under CI, where it must be present).
    static func cosignCorpus() -> String? { Corpus.require("cosign")?.path }
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

/// Runs a command to completion off the cooperative pool.
func run(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil
) async throws -> ProcessResult {
    try await ChildProcess.run(
        executable, arguments, timeout: 120, input: input.map { Data($0.utf8) }, environment: environment)
}

/// The built `berth` executable, or nil to skip (a failure under CI).
var berthExecutable: String? {
    if let path = BerthExecutable.path { return path }
    if Environment.isCI { Issue.record("the berth executable was not built next to the tests") }
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
        let errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        try process.run()
        let box = OutputBuffer()
        let errorBox = OutputBuffer()
        for (handle, target) in [(pipe.fileHandleForReading, box), (errors.fileHandleForReading, errorBox)] {
            Thread.detachNewThread {
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    synchronized { target.data.append(chunk) }
                }
            }
        }
        // Generous: with the whole suite running, two shared cores can take long to start a debug build.
        // The output is read again after every wait, the last one included: a test task kept off
        // the oversubscribed cooperative pool past the deadline (synchronous tests hold its threads)
        // still sees a server that started meanwhile.
        let deadline = ContinuousClock.now + .seconds(120)
        while true {
            let text = synchronized { String(decoding: box.data, as: UTF8.self) }
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }),
                let port = Int(line.split(separator: ":").last ?? "")
            {
                self.port = port
                return
            }
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Say what the server said and whether it was still running, so a failure can be read.
        let running = process.isRunning
        stop()
        let said = synchronized { String(decoding: errorBox.data.suffix(2000), as: UTF8.self) }
        throw ServerError.setup(
            "berth registry serve did not start within 120 s (\(running ? "still running" : "exited")): \(said)")
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

/// Bytes a reader thread appends to, read under ``synchronized(_:)``.
final class OutputBuffer: @unchecked Sendable {
    var data = Data()
}

/// A free TCP port on 127.0.0.1 (bound, read and released).
func freeLoopbackPort() -> Int? {
    let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketDescriptor >= 0 else { return nil }
    defer { close(socketDescriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard bound == 0 else { return nil }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketDescriptor, $0, &length) }
    }
    guard named == 0 else { return nil }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// CNCF distribution (`docker-registry`) on a free loopback port with file-system storage.
final class DistributionServer: @unchecked Sendable {
    let process = Process()
    let root: TemporaryDirectory
    let port: Int

    init(executable: String) async throws {
        root = try TemporaryDirectory()
        guard let port = freeLoopbackPort() else { throw ServerError.setup("no free port") }
        self.port = port
        let configuration = """
            version: 0.1
            log:
              level: error
            storage:
              filesystem:
                rootdirectory: \(root.path)/data
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
            """
        try configuration.write(toFile: root.path + "/config.yml", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", root.path + "/config.yml"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let connection = try? await RegistryClient(host: "127.0.0.1:\(port)", tlsVerify: false)
                .tags(repository: "probe/probe"), connection.isEmpty
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop()
        throw ServerError.setup("docker-registry did not start")
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

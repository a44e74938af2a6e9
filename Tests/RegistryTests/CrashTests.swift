import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCI
import TestSupport
import Testing

@testable import Registry

/// A `berth registry serve` child process on an ephemeral loopback port.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let output = DataCollector()
    private(set) var port = 0

    /// The built `berth` executable, or nil after recording a failure: `swift test` builds it.
    static var required: String? {
        if let path = BerthExecutable.path { return path }
        Issue.record("the berth executable was not built next to the tests")
        return nil
    }

    /// A server is never left running: whatever path a test takes, the process ends with this object.
    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    init(
        executable: String, root: String, extraArguments: [String] = [], environment: [String: String] = [:]
    ) async throws {
        process.executableURL = URL(fileURLWithPath: executable)
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.arguments =
            ["registry", "serve", "--root", root, "--addr", "127.0.0.1:0", "--log-level", "error"] + extraArguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let output = self.output
        try process.run()
        // A blocking read on its own thread, not a readabilityHandler (see `run`).
        let reader = pipe.fileHandleForReading
        Thread.detachNewThread {
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                output.append(chunk)
            }
        }
        // Generous: at the start of a full parallel test run the machine is oversubscribed for a minute.
        // The output is read again after every wait, the last one included: a test task kept off
        // the oversubscribed cooperative pool past the deadline still sees a server that started.
        let deadline = ContinuousClock.now + .seconds(150)
        while true {
            if let line = output.string.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }),
                let port = Int(line.split(separator: ":").last ?? "")
            {
                self.port = port
                return
            }
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let exited = !process.isRunning
        kill(process.processIdentifier, SIGKILL)
        throw ProcessTimedOut(
            command: "berth registry serve did not start (\(exited ? "it exited" : "still running after 150 s"))")
    }

    func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// SIGTERM, then wait (bounded) for a clean exit; returns the exit status.
    func terminate() async throws -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(20)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill9()
            throw ProcessTimedOut(command: "graceful shutdown")
        }
        return process.terminationStatus
    }
}

/// What the server acknowledged (201) and therefore must never lose.
struct Acknowledged: Sendable {
    var repository: String
    var tag: String
    var manifest: Data
    var blobs: [Data]
}

/// A minimal distribution client over AsyncHTTPClient.
struct HTTPPusher: Sendable {
    let client: HTTPClient
    let base: String
    /// The deadline of each request.
    var timeout: TimeAmount = .seconds(5)

    func send(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: Data? = nil,
        timeout: TimeAmount? = nil
    ) async throws
        -> (status: Int, headers: HTTPHeaders, body: Data)
    {
        var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: timeout ?? self.timeout)
        let collected = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return (Int(response.status.code), response.headers, Data(buffer: collected))
    }

    func pushBlob(_ repository: String, _ data: Data, chunked: Bool) async throws -> Digest {
        let digest = Digest.of(data)
        let start = try await send(.POST, "/v2/\(repository)/blobs/uploads/")
        guard start.status == 202, var location = start.headers.first(name: "Location") else {
            throw PushError.status(start.status)
        }
        if chunked {
            let half = data.count / 2
            let patch = try await send(
                .PATCH, location,
                headers: [("Content-Range", "0-\(half - 1)"), ("Content-Type", "application/octet-stream")],
                body: data.prefix(half))
            guard patch.status == 202, let next = patch.headers.first(name: "Location") else {
                throw PushError.status(patch.status)
            }
            location = next
            let put = try await send(
                .PUT, "\(location)?digest=\(digest)", headers: [("Content-Range", "\(half)-\(data.count - 1)")],
                body: data.suffix(from: half))
            guard put.status == 201 else { throw PushError.status(put.status) }
        } else {
            let put = try await send(
                .PUT, "\(location)?digest=\(digest)", headers: [("Content-Type", "application/octet-stream")],
                body: data)
            guard put.status == 201 else { throw PushError.status(put.status) }
        }
        return digest
    }

    /// Pushes one image; returns what was acknowledged, or nil when the manifest PUT did not get 201.
    /// With `strict`, a refused manifest throws its status instead.
    func pushImage(
        repository: String, tag: String, layerSize: Int, chunked: Bool, strict: Bool = false
    ) async throws -> Acknowledged? {
        let layer = randomData(layerSize)
        let config = Data(#"{"architecture":"amd64","os":"linux","tag":"\#(tag)"}"#.utf8)
        let layerDigest = try await pushBlob(repository, layer, chunked: chunked)
        let configDigest = Digest.of(config)
        let single = try await send(
            .POST, "/v2/\(repository)/blobs/uploads/?digest=\(configDigest)",
            headers: [("Content-Type", "application/octet-stream")], body: config)
        guard single.status == 201 else { throw PushError.status(single.status) }
        let manifest = Data(
            """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(configDigest)","size":\(config.count)},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\(layerDigest)","size":\(layer.count)}]}
            """.utf8)
        let put = try await send(
            .PUT, "/v2/\(repository)/manifests/\(tag)", headers: [("Content-Type", MediaType.ociManifest)],
            body: manifest)
        guard put.status == 201 else {
            if strict { throw PushError.status(put.status) }
            return nil
        }
        return Acknowledged(repository: repository, tag: tag, manifest: manifest, blobs: [config, layer])
    }
}

enum PushError: Error { case status(Int) }

@Suite(.serialized) struct CrashTests {
    /// Verifies every acknowledged image over HTTP: manifest bytes by tag and every blob's bytes.
    func verify(_ pusher: HTTPPusher, _ acknowledged: [Acknowledged]) async throws {
        for image in acknowledged {
            let manifest = try await pusher.send(.GET, "/v2/\(image.repository)/manifests/\(image.tag)")
            #expect(manifest.status == 200, "\(image.repository):\(image.tag) survives")
            #expect(manifest.body == image.manifest)
            for blob in image.blobs {
                let fetched = try await pusher.send(.GET, "/v2/\(image.repository)/blobs/\(Digest.of(blob))")
                #expect(fetched.status == 200)
                #expect(fetched.body == blob)
            }
        }
    }

    // Alone it takes about 20 s; the limit only catches a hang, since on two cores shared with the
    // whole test run its 300 pushes against a debug build can take minutes.
    @Test(.timeLimit(.minutes(8))) func killNineDuringConcurrentPushesLosesNothingAcknowledged() async throws {
        guard let executable = ServerProcess.required else { return }
        let root = TemporaryRoot()
        defer { root.cleanup() }
        let client = HTTPClient.shared
        var acknowledged: [Acknowledged] = []
        var generator = SystemRandomNumberGenerator()
        for cycle in 0..<3 {
            let server = try await ServerProcess(executable: executable, root: root.path)
            let pusher = HTTPPusher(client: client, base: "http://127.0.0.1:\(server.port)")
            try await verify(pusher, acknowledged)
            // Kill once a random number of pushes has been acknowledged (so every cycle has content to
            // lose) plus a random delay, while the rest are mid-upload or mid-manifest-put.
            let threshold = Int.random(in: 5...60, using: &generator)
            let extraDelay = Int.random(in: 0...150, using: &generator)
            let counter = AcknowledgedCounter()
            enum Outcome: Sendable {
                case pushed(Acknowledged?)
                case killed
            }
            let results = await withTaskGroup(of: Outcome.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        let result = try? await pusher.pushImage(
                            repository: "crash/c\(cycle)", tag: "t\(index)", layerSize: 16 * 1024 + index * 1024,
                            chunked: index % 2 == 1)
                        if result != nil { counter.increment() }
                        return .pushed(result)
                    }
                }
                group.addTask {
                    let deadline = ContinuousClock.now + .seconds(150)
                    while counter.value < threshold && ContinuousClock.now < deadline {
                        try? await Task.sleep(for: .milliseconds(2))
                    }
                    try? await Task.sleep(for: .milliseconds(extraDelay))
                    server.kill9()
                    return .killed
                }
                var collected: [Acknowledged] = []
                for await outcome in group {
                    switch outcome {
                    case .pushed(let result): if let result { collected.append(result) }
                    // Requests still queued in the client would only retry a dead port until their deadline.
                    case .killed: group.cancelAll()
                    }
                }
                return collected
            }
            #expect(results.count >= threshold, "cycle \(cycle): the kill came after \(threshold) acknowledged pushes")
            acknowledged += results
            // Nothing stored is corrupt or dangling, whatever the kill interrupted.
            let scrub = try await Scrubber(storage: RegistryStorage(root: root.path)).run()
            #expect(scrub.problems.isEmpty, "cycle \(cycle): \(scrub.problems)")
        }
        // Restart: everything acknowledged is there, byte for byte.
        let server = try await ServerProcess(executable: executable, root: root.path)
        let pusher = HTTPPusher(client: client, base: "http://127.0.0.1:\(server.port)")
        try await verify(pusher, acknowledged)
        #expect(try await server.terminate() == 0, "SIGTERM shuts down cleanly")

        // GC removes only garbage: nothing acknowledged, and afterwards only referenced content remains.
        let storage = try RegistryStorage(root: root.path)
        let collector = GarbageCollector(storage: storage, gracePeriod: 0, uploadExpiry: 0)
        let live = try await collector.mark()
        let report = try await collector.run(dryRun: false)
        let acknowledgedDigests = Set(
            acknowledged.flatMap { [Digest.of($0.manifest)] + $0.blobs.map { Digest.of($0) } })
        #expect(Set(report.removedBlobs).isDisjoint(with: acknowledgedDigests))
        #expect(Set(report.removedBlobs).isDisjoint(with: live))
        #expect(try await Set(collector.allBlobs()).isSubset(of: live))
        #expect(try await Scrubber(storage: storage).run().problems.isEmpty)
        let after = try await ServerProcess(executable: executable, root: root.path)
        try await verify(HTTPPusher(client: client, base: "http://127.0.0.1:\(after.port)"), acknowledged)
        after.kill9()
        print(
            "crash test: \(acknowledged.count) images acknowledged over 3 kill -9 cycles, gc removed \(report.removedBlobs.count) unreferenced blobs"
        )
    }

    @Test(.timeLimit(.minutes(1))) func uploadResumesAfterKillNine() async throws {
        guard let executable = ServerProcess.required else { return }
        let root = TemporaryRoot()
        defer { root.cleanup() }
        let client = HTTPClient.shared
        let data = randomData(300_000)
        let digest = Digest.of(data)
        let first = try await ServerProcess(executable: executable, root: root.path)
        var pusher = HTTPPusher(client: client, base: "http://127.0.0.1:\(first.port)")
        let start = try await pusher.send(.POST, "/v2/resume/app/blobs/uploads/")
        let location = try #require(start.headers.first(name: "Location"))
        let patch = try await pusher.send(
            .PATCH, location, headers: [("Content-Range", "0-99999")], body: data.prefix(100_000))
        #expect(patch.status == 202)
        first.kill9()

        let second = try await ServerProcess(executable: executable, root: root.path)
        pusher = HTTPPusher(client: client, base: "http://127.0.0.1:\(second.port)")
        let status = try await pusher.send(.GET, location)
        #expect(status.status == 204)
        #expect(status.headers.first(name: "Range") == "0-99999")
        let rest = try await pusher.send(
            .PATCH, location, headers: [("Content-Range", "100000-299999")], body: data.suffix(from: 100_000))
        #expect(rest.status == 202)
        let put = try await pusher.send(.PUT, "\(location)?digest=\(digest)")
        #expect(put.status == 201)
        let fetched = try await pusher.send(.GET, "/v2/resume/app/blobs/\(digest)")
        #expect(fetched.body == data)
        second.kill9()
    }
}

/// Counts acknowledged pushes across tasks.
final class AcknowledgedCounter: @unchecked Sendable {
    private var count = 0
    private let lock = NSLock()
    func increment() {
        lock.lock()
        count += 1
        lock.unlock()
    }
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}

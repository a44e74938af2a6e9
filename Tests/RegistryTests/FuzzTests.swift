import Foundation
import OCI
import Testing

@testable import Registry

/// A blocking TCP socket connected to 127.0.0.1:`port`, with send and receive timeouts.
func loopbackSocket(port: Int, timeoutSeconds: Int) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else {
        close(fd)
        return nil
    }
    return fd
}

/// One request written on a fresh TCP connection; the status line read back, or nil when the server
/// closed without answering (which malformed HTTP may get) or did not answer within the timeout.
func rawExchange(port: Int, _ request: [UInt8], timeoutSeconds: Int = 5) -> Int? {
    guard let fd = loopbackSocket(port: port, timeoutSeconds: timeoutSeconds) else { return nil }
    defer { close(fd) }
    var sent = 0
    while sent < request.count {
        let count = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if count <= 0 { break }
        sent += count
    }
    shutdown(fd, Int32(SHUT_WR))
    var buffer = [UInt8](repeating: 0, count: 4096)
    var received: [UInt8] = []
    while received.count < 64 {
        let count = recv(fd, &buffer, buffer.count, 0)
        if count <= 0 { break }
        received += buffer[..<count]
    }
    let head = String(decoding: received.prefix(64), as: UTF8.self)
    guard head.hasPrefix("HTTP/1.1 ") || head.hasPrefix("HTTP/1.0 ") else { return nil }
    return Int(head.dropFirst(9).prefix(3))
}

/// Random and mutated requests: the server answers each with a 4xx (or closes a connection whose
/// HTTP cannot be parsed), never a 5xx, keeps serving, and its storage stays consistent.
@Suite(.serialized) struct FuzzTests {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)
    static let fragments = [
        "/v2/", "/v2/_catalog", "/v2/a/b/blobs/uploads/", "/v2/a/b/manifests/latest", "/v2/a/b/tags/list",
        "/v2/a/b/blobs/\(digest)", "/v2/a/b/referrers/\(digest)", "/v2/../../etc/passwd/blobs/\(digest)",
        "/v2/a/b/blobs/sha256:zz", "/v2/a/b/blobs/uploads/../../state", "/v2/A/B/manifests/x",
        "/v2/a/b/blobs/uploads/not-a-uuid", "/v2/a/b/manifests/\(digest)?tag=%00", "/v2/%2e%2e/x/tags/list",
        "/v2/a/b/tags/list?n=-1&last=%ff", "/v2/a/b/tags/list?n=99999999999999999999", "/token?scope=%",
        "/v2/" + String(repeating: "a/", count: 300) + "manifests/x", "/metrics", "/healthz", "*", "",
    ]
    static let methods = ["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS", "TRACE", "BREW", "get", ""]
    static let headers = [
        "Content-Length: -5", "Content-Length: 99999999999999999999", "Content-Length: abc",
        "Content-Range: 10-5", "Content-Range: bytes=0-", "Range: bytes=5-1", "Range: bytes=-0",
        "Range: bytes=0-1,4-5", "Content-Type: application/vnd.oci.image.manifest.v1+json",
        "Authorization: Basic !!!", "Authorization: Bearer a.b.c", "Transfer-Encoding: chunked",
        "Accept: */*", "Host: ", "X: " + String(repeating: "y", count: 9000),
    ]
    static let bodies = [
        "", "{", "{\"schemaVersion\":2}", "{\"schemaVersion\":2,\"mediaType\":\"x\",\"config\":{}}",
        "zz\r\nnot chunked\r\n", "0\r\n\r\n", String(repeating: "\u{0}", count: 100),
        "{\"schemaVersion\":2,\"layers\":[{\"digest\":\"sha256:00\",\"size\":-1}]}",
    ]

    static func request(_ generator: inout some RandomNumberGenerator) -> [UInt8] {
        let method = methods.randomElement(using: &generator)!
        let path = fragments.randomElement(using: &generator)!
        var lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1"]
        for _ in 0..<Int.random(in: 0...3, using: &generator) {
            lines.append(headers.randomElement(using: &generator)!)
        }
        let body = bodies.randomElement(using: &generator)!
        if !lines.contains(where: { $0.hasPrefix("Content-Length") || $0.hasPrefix("Transfer-Encoding") }) {
            lines.append("Content-Length: \(body.utf8.count)")
        }
        var bytes = [UInt8]((lines.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
        // A third of the requests get byte-level damage: flips, cuts or inserted bytes.
        if Int.random(in: 0..<3, using: &generator) == 0, !bytes.isEmpty {
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes.removeSubrange(index...)
                default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: index)
                }
                if bytes.isEmpty { break }
            }
        }
        return bytes
    }

    @Test(.timeLimit(.minutes(3))) func malformedRequestsNeverGetA5xxNorHarmTheServer() async throws {
        guard let executable = ServerProcess.required else { return }
        let root = TemporaryRoot()
        defer { root.cleanup() }
        let server = try await ServerProcess(executable: executable, root: root.path)
        defer { server.kill9() }
        // A failure message carries the offending request itself, so it can be replayed.
        var generator = SystemRandomNumberGenerator()
        var statuses: [Int: Int] = [:]
        var serverErrors: [String] = []
        // Random requests, and ones whose chunked body's framing is broken (once answered 503).
        let broken = [
            "PUT /v2/a/b/manifests/latest", "PUT /v2/a/b/manifests/sha256:00", "POST /v2/a/b/blobs/uploads/",
        ].map { line in
            [UInt8](
                (line + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                    + "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n\r\n{\"schemaVersion\":2,\"layers\"")
                    .utf8)
        }
        // Bodies that break off before their Content-Length, or whose chunked framing is wrong, on
        // every endpoint that reads a body (once answered 503 by the token endpoint).
        let cut = [
            "POST /token?scope=%", "POST /token", "POST /api/v1/projects", "PUT /api/v1/projects/p/policy",
            "POST /console/signin", "POST /console/project/members", "PATCH /v2/a/b/blobs/uploads/x",
        ].flatMap { line in
            [
                line + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 19\r\n\r\n{\"schemaVe",
                line + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n{\"schemaVersion\":2}",
            ].map { [UInt8]($0.utf8) }
        }
        let requests = broken + cut + (0..<600).map { _ in Self.request(&generator) }
        let port = server.port
        let answers = await withTaskGroup(of: (Int, Int?).self) { group in
            // Eight connections at a time, each on its own thread (blocking sockets).
            var results: [(Int, Int?)] = []
            var next = 0
            func add(_ index: Int) {
                let request = requests[index]
                group.addTask {
                    // Blocking sockets belong on a thread of their own, not on the cooperative pool.
                    await withCheckedContinuation { continuation in
                        Thread.detachNewThread {
                            continuation.resume(returning: (index, rawExchange(port: port, request)))
                        }
                    }
                }
            }
            while next < min(8, requests.count) {
                add(next)
                next += 1
            }
            while let result = await group.next() {
                results.append(result)
                if next < requests.count {
                    add(next)
                    next += 1
                }
            }
            return results
        }
        for (index, status) in answers {
            statuses[status ?? 0, default: 0] += 1
            if let status, status >= 500 {
                serverErrors.append("\(status) for \(String(decoding: requests[index].prefix(200), as: UTF8.self))")
            }
        }
        #expect(serverErrors.isEmpty, "\(serverErrors.prefix(5))")
        // Most requests are well-formed enough to get an answer.
        #expect(answers.filter { $0.1 != nil }.count > requests.count / 2, "\(statuses)")
        // The server still works: a blob round trip and a consistent store.
        let pusher = HTTPPusher(client: .shared, base: "http://127.0.0.1:\(port)")
        let image = try #require(
            try await pusher.pushImage(repository: "fuzz/after", tag: "v1", layerSize: 50_000, chunked: true))
        let fetched = try await pusher.send(.GET, "/v2/fuzz/after/manifests/v1")
        #expect(fetched.status == 200 && fetched.body == image.manifest)
        #expect(try await Scrubber(storage: RegistryStorage(root: root.path)).run().problems.isEmpty)
    }
}

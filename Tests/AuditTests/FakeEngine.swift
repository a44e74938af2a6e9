import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A local stand-in for an engine API on a unix socket, for fault cases a real engine does not
/// produce on demand. Each request gets the bytes `respond` returns for its path (written raw, so
/// a test can send broken HTTP), then the connection stays open for the next request unless the
/// answer says `close`.
final class FakeEngine: @unchecked Sendable {
    enum Answer {
        /// Raw bytes; the connection stays open afterwards.
        case raw([UInt8])
        /// Raw bytes, then the connection is closed.
        case rawThenClose([UInt8])
        /// Nothing at all: the connection stays silent.
        case silence
    }

    let path: String
    private let listener: Int32
    private let respond: @Sendable (String) -> Answer
    private let lock = NSLock()
    private var stopped = false
    private var requests: [String] = []

    init(respond: @escaping @Sendable (String) -> Answer) throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("fake-\(UUID().uuidString.prefix(8)).sock")
            .path
        self.respond = respond
        listener = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (offset, byte) in path.utf8.enumerated() { raw[offset] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, Glibc.listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    var seen: [String] {
        lock.lock()
        defer { lock.unlock() }
        return requests
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        Glibc.shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
        unlink(path)
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func acceptLoop() {
        while !isStopped {
            let client = Glibc.accept(listener, nil, nil)
            if client < 0 { return }
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    private func serve(_ client: Int32) {
        defer { Glibc.close(client) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !isStopped {
            let count = chunk.withUnsafeMutableBytes { Glibc.recv(client, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return }
            buffer += chunk[..<count]
            while let end = Self.find(buffer) {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                let path = head.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
                lock.lock()
                requests.append(path)
                lock.unlock()
                switch respond(path) {
                case .raw(let bytes):
                    write(client, bytes)
                case .rawThenClose(let bytes):
                    write(client, bytes)
                    return
                case .silence:
                    while !isStopped { usleep(20_000) }
                    return
                }
            }
        }
    }

    private func write(_ client: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return }
            offset += sent
        }
    }

    private static func find(_ buffer: [UInt8]) -> Int? {
        guard buffer.count >= 4 else { return nil }
        for index in 0...(buffer.count - 4)
        where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return index
        }
        return nil
    }

    /// A complete response with a Content-Length.
    static func response(_ status: Int, _ body: String) -> [UInt8] {
        let bytes = Array(body.utf8)
        return Array(
            "HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(bytes.count)\r\n\r\n".utf8)
            + bytes
    }

    /// A complete chunked response, split into chunks of `size` bytes.
    static func chunked(_ body: String, size: Int = 700) -> [UInt8] {
        var out = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        var bytes = Array(body.utf8)[...]
        while !bytes.isEmpty {
            let part = bytes.prefix(size)
            out += Array(String(part.count, radix: 16).utf8) + [13, 10] + part + [13, 10]
            bytes = bytes.dropFirst(part.count)
        }
        return out + Array("0\r\n\r\n".utf8)
    }
}

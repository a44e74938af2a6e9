import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A small blocking HTTP/1.1 client for GET requests to the engine API over a unix socket or TCP.
///
/// One connection, kept alive between requests when the server allows it. Every read waits at
/// most `timeout` seconds, a whole response at most `timeout` seconds more than that, and a body
/// larger than `maxBytes` is refused, so a stalled or flooding server cannot hang the audit.
final class HTTPConnection {
    let endpoint: EngineEndpoint
    let timeout: Double
    let maxBytes: Int
    private var socket: Int32 = -1
    private var buffer: [UInt8] = []
    /// Scratch space for one read, reused.
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)

    init(endpoint: EngineEndpoint, timeout: Double, maxBytes: Int) {
        self.endpoint = endpoint
        self.timeout = timeout
        self.maxBytes = maxBytes
    }

    deinit { close() }

    func close() {
        if socket >= 0 {
            _ = systemClose(socket)
            socket = -1
        }
        buffer.removeAll()
    }

    private func fail(_ reason: String) -> AuditError {
        .engine(endpoint: endpoint.description, reason: reason)
    }

    private func connect() throws {
        switch endpoint.address {
        case .unix(let path):
            let fd = systemSocket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw fail("cannot create a socket: \(errnoText())") }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
                _ = systemClose(fd)
                throw fail("socket path is too long")
            }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (offset, byte) in bytes.enumerated() { raw[offset] = byte }
                raw[bytes.count] = 0
            }
            let result = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard result == 0 else {
                let reason = errnoText()
                _ = systemClose(fd)
                throw fail("cannot connect: \(reason)")
            }
            socket = fd
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
                throw fail("cannot resolve \(host)")
            }
            defer { freeaddrinfo(list) }
            var current: UnsafeMutablePointer<addrinfo>? = first
            var lastError = "no address"
            while let info = current {
                let fd = systemSocket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
                if fd >= 0 {
                    if systemConnect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                        socket = fd
                        return
                    }
                    lastError = errnoText()
                    _ = systemClose(fd)
                }
                current = info.pointee.ai_next
            }
            throw fail("cannot connect: \(lastError)")
        }
    }

    /// GETs `path`; returns the status code and body.
    func get(_ path: String) throws -> (status: Int, body: [UInt8]) {
        let response = try request(path)
        return (response.status, response.body)
    }

    /// GETs `path`; returns the status code, the headers (names in lower case) and the body.
    func request(_ path: String) throws -> (status: Int, headers: [String: String], body: [UInt8]) {
        do {
            return try attempt(path)
        } catch AuditError.engine(_, let reason) where reason == Self.staleConnection {
            close()
            return try attempt(path)
        }
    }

    private static let staleConnection = "connection closed before the response"

    private func attempt(_ path: String) throws -> (status: Int, headers: [String: String], body: [UInt8]) {
        let reused = socket >= 0
        if !reused { try connect() }
        let host: String
        if case .tcp(let name, let port) = endpoint.address { host = "\(name):\(port)" } else { host = "localhost" }
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: berth\r\nAccept: application/json\r\n\r\n"
        do {
            try send(Array(request.utf8))
        } catch AuditError.engine where reused {
            // The server closed the kept-alive connection; the caller reconnects once.
            throw fail(Self.staleConnection)
        }
        let deadline = Date().addingTimeInterval(timeout * 2)
        // Status line and headers.
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = find([13, 10, 13, 10], in: buffer)
            if headerEnd != nil { break }
            guard buffer.count < 64 * 1024 else { throw fail("response headers are larger than 64 KiB") }
            if try !fill(deadline: deadline) {
                close()
                throw fail(
                    reused && buffer.isEmpty ? Self.staleConnection : "connection closed in the response headers")
            }
        }
        guard let end = headerEnd else { throw fail("no response") }
        let head = String(decoding: buffer[..<end], as: UTF8.self)
        buffer.removeFirst(end + 4)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ", maxSplits: 2) ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            close()
            throw fail("not an HTTP response: '\(lines.first?.prefix(60) ?? "")'")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        var keepAlive = headers["connection"]?.lowercased() != "close"
        let body: [UInt8]
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try readChunked(deadline: deadline)
        } else if let lengthText = headers["content-length"] {
            guard let length = Int(lengthText), length >= 0 else { throw fail("bad Content-Length '\(lengthText)'") }
            guard length <= maxBytes else { throw fail("response of \(length) bytes is larger than \(maxBytes)") }
            while buffer.count < length {
                if try !fill(deadline: deadline) {
                    let received = buffer.count
                    close()
                    throw fail("connection closed after \(received) of \(length) body bytes")
                }
            }
            body = Array(buffer[..<length])
            buffer.removeFirst(length)
        } else {
            while try fill(deadline: deadline) {}
            body = buffer
            buffer.removeAll()
            keepAlive = false
        }
        if !keepAlive { close() }
        return (status, headers, body)
    }

    private func readChunked(deadline: Date) throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var lineEnd = find([13, 10], in: buffer)
            while lineEnd == nil {
                guard buffer.count < 1024 else { throw fail("bad chunk header") }
                if try !fill(deadline: deadline) {
                    close()
                    throw fail("connection closed in a chunked body")
                }
                lineEnd = find([13, 10], in: buffer)
            }
            guard let end = lineEnd else { throw fail("bad chunk header") }
            let sizeText = String(decoding: buffer[..<end], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                close()
                throw fail("bad chunk size '\(sizeText)'")
            }
            buffer.removeFirst(end + 2)
            guard body.count + size <= maxBytes else {
                close()
                throw fail("response is larger than \(maxBytes) bytes")
            }
            while buffer.count < size + 2 {
                if try !fill(deadline: deadline) {
                    close()
                    throw fail("connection closed in a chunked body")
                }
            }
            body += buffer[..<size]
            buffer.removeFirst(size + 2)
            if size == 0 { return body }
        }
    }

    private func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { raw in
                systemSend(socket, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else {
                let reason = errnoText()
                close()
                throw fail("cannot send the request: \(reason)")
            }
            offset += written
        }
    }

    /// Reads more bytes into the buffer; false at end of stream. Throws on timeout.
    private func fill(deadline: Date) throws -> Bool {
        let remaining = min(timeout, deadline.timeIntervalSinceNow)
        guard remaining > 0 else {
            close()
            throw fail("no complete response within \(Int(timeout * 2)) s")
        }
        var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, Int32(remaining * 1000))
        if ready == 0 {
            close()
            throw fail("no answer within \(Int(timeout)) s")
        }
        if ready < 0 {
            let reason = errnoText()
            close()
            throw fail("cannot wait for the response: \(reason)")
        }
        let fd = socket
        let count = chunk.withUnsafeMutableBytes { raw in systemRecv(fd, raw.baseAddress, raw.count, 0) }
        if count < 0 {
            // A reset is the peer closing a kept-alive connection that still held our request: the
            // same as an orderly close, so a stale connection is retried once on a new one.
            if errno == ECONNRESET { return false }
            let reason = errnoText()
            close()
            throw fail("cannot read the response: \(reason)")
        }
        if count == 0 { return false }
        guard buffer.count + count <= maxBytes + 64 * 1024 else {
            close()
            throw fail("response is larger than \(maxBytes) bytes")
        }
        buffer += chunk[..<count]
        return true
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0] && Array(haystack[index..<index + needle.count]) == needle { return index }
            index += 1
        }
        return nil
    }
}

private func errnoText() -> String { String(cString: strerror(errno)) }

#if canImport(Glibc)
    private let systemSocket = Glibc.socket
    private let systemConnect = Glibc.connect
    private let systemClose = Glibc.close
    private let systemSend = Glibc.send
    private let systemRecv = Glibc.recv
#else
    private let systemSocket = Darwin.socket
    private let systemConnect = Darwin.connect
    private let systemClose = Darwin.close
    private let systemSend = Darwin.send
    private let systemRecv = Darwin.recv
#endif

import Foundation

/// Where the engine API listens: a unix socket or a plain TCP address.
public struct EngineEndpoint: Sendable, Hashable, CustomStringConvertible {
    public enum Address: Sendable, Hashable {
        case unix(path: String)
        case tcp(host: String, port: Int)
    }

    public var address: Address

    public init(_ address: Address) {
        self.address = address
    }

    public var description: String {
        switch address {
        case .unix(let path): "unix://\(path)"
        case .tcp(let host, let port): "tcp://\(host):\(port)"
        }
    }

    /// True for TCP, which this client speaks without TLS.
    public var isTCP: Bool {
        if case .tcp = address { return true }
        return false
    }

    /// Parses `unix:///path`, `tcp://host:port` or `http://host:port`.
    public static func parse(_ text: String) throws -> EngineEndpoint {
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst("unix://".count))
            guard path.hasPrefix("/") else {
                throw AuditError.invalidHost(text, reason: "expected unix:///absolute/path")
            }
            return EngineEndpoint(.unix(path: path))
        }
        for scheme in ["tcp://", "http://"] where text.hasPrefix(scheme) {
            var rest = Substring(text.dropFirst(scheme.count))
            if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
            let host: Substring
            let portText: Substring
            if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                host = rest[rest.index(after: rest.startIndex)..<close]
                portText = rest[rest.index(after: close)...].drop { $0 == ":" }
            } else if let colon = rest.lastIndex(of: ":") {
                host = rest[..<colon]
                portText = rest[rest.index(after: colon)...]
            } else {
                host = rest
                portText = "2375"
            }
            guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else {
                throw AuditError.invalidHost(text, reason: "expected tcp://HOST:PORT")
            }
            return EngineEndpoint(.tcp(host: String(host), port: port))
        }
        if text.hasPrefix("https://") || text.hasPrefix("ssh://") || text.hasPrefix("npipe://") {
            throw AuditError.invalidHost(text, reason: "only unix:// and plain tcp:// endpoints are supported")
        }
        throw AuditError.invalidHost(text, reason: "expected unix:///PATH or tcp://HOST:PORT")
    }

    /// The endpoint to use: `--host`, else `DOCKER_HOST`, else the first existing socket of
    /// /var/run/docker.sock, $XDG_RUNTIME_DIR/podman/podman.sock and /run/podman/podman.sock.
    public static func resolve(
        host: String?, environment: [String: String],
        exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    ) throws -> EngineEndpoint {
        if let host { return try parse(host) }
        if let host = environment["DOCKER_HOST"], !host.isEmpty { return try parse(host) }
        for path in candidates(environment: environment) where exists(path) {
            return EngineEndpoint(.unix(path: path))
        }
        throw AuditError.engine(
            endpoint: "default sockets",
            reason:
                "no engine socket found (looked at \(candidates(environment: environment).joined(separator: ", "))); use --host or DOCKER_HOST"
        )
    }

    static func candidates(environment: [String: String]) -> [String] {
        var paths = ["/var/run/docker.sock"]
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            paths.append(runtime + "/podman/podman.sock")
        }
        paths.append("/run/podman/podman.sock")
        return paths
    }
}

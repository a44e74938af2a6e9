import Dispatch
import Foundation

/// Reads what the audit needs from a Docker Engine API (Docker, or Podman's compatible service)
/// with GET requests only: `/version`, `/info`, `/containers/json`, `/containers/{id}/json`,
/// `/images/{id}/json` and `/images/{id}/history`.
public struct EngineReader: Sendable {
    public var endpoint: EngineEndpoint
    /// Seconds to wait for each answer.
    public var timeout: Double
    /// The largest response accepted.
    public var maxBytes: Int
    /// Connections used in parallel for per-container requests.
    public var connections: Int

    public init(endpoint: EngineEndpoint, timeout: Double = 10, maxBytes: Int = 64 << 20, connections: Int = 4) {
        self.endpoint = endpoint
        self.timeout = timeout
        self.maxBytes = maxBytes
        self.connections = max(1, connections)
    }

    /// Everything the audit judges: engine facts, the selected containers and their images.
    /// `names` selects containers by name or id; empty means running ones (all with `all`).
    public func read(names: [String], all: Bool) throws -> AuditInput {
        let connection = HTTPConnection(endpoint: endpoint, timeout: timeout, maxBytes: maxBytes)
        defer { connection.close() }
        let source = endpoint.description
        // The engine's info (slow on Podman, which measures its storage) is read beside the
        // containers, on its own connection.
        let facts = FetchResults<DaemonFacts>(count: 1)
        let group = DispatchGroup()
        let reader = self
        DispatchQueue.global().async(group: group) {
            facts.set(0, Result { try reader.daemonFacts() })
        }

        var ids: [String] = names
        if names.isEmpty {
            let list = try fetch(connection, all ? "/containers/json?all=1" : "/containers/json")
            guard let entries = try JSONFields.parse(list, file: source + " /containers/json") as? [Any] else {
                throw AuditError.malformed(file: source + " /containers/json", field: "$", reason: "expected a list")
            }
            ids = try entries.enumerated().map { offset, entry in
                guard let object = entry as? [String: Any], let id = object["Id"] as? String, !id.isEmpty else {
                    throw AuditError.malformed(
                        file: source + " /containers/json", field: "[\(offset)].Id", reason: "expected a container id")
                }
                return id
            }
        }
        let bodies = try parallel(ids) { connection, id in
            let path = "/containers/\(Self.escape(id))/json"
            return (path, try fetch(connection, path))
        }
        group.wait()
        guard let daemon = try facts.values().first else {
            throw AuditError.engine(endpoint: source, reason: "no answer to GET /info")
        }
        var containers: [ContainerInspect] = []
        for (path, data) in bodies {
            for var container in try ContainerInspect.decodeAll(data, file: source + " " + path, engine: daemon.engine)
            {
                container.source = source
                containers.append(container)
            }
        }

        var imageIDs: [String] = []
        for container in containers where !imageIDs.contains(container.imageID) && !container.imageID.isEmpty {
            imageIDs.append(container.imageID)
        }
        let images = try parallel(imageIDs) { connection, id in
            let path = "/images/\(Self.escape(id))/json"
            var image = try ImageInspect.decodeAll(try fetch(connection, path), file: source + " " + path)
            let historyPath = "/images/\(Self.escape(id))/history"
            let history = try ImageInspect.decodeHistory(
                try fetch(connection, historyPath), file: source + " " + historyPath)
            for index in image.indices {
                image[index].source = source
                image[index].history = history
            }
            return image
        }.flatMap { $0 }
        return AuditInput(containers: containers, images: images, daemon: daemon)
    }

    /// The engine (from the `Server` header of `GET /info`, else `GET /version`) and its info.
    func daemonFacts() throws -> DaemonFacts {
        let connection = HTTPConnection(endpoint: endpoint, timeout: timeout, maxBytes: maxBytes)
        defer { connection.close() }
        let source = endpoint.description
        let (data, headers) = try fetchWithHeaders(connection, "/info")
        let info = try EngineInfo.decode(data, file: source + " /info")
        var engine = EngineKind.fromServerHeader(headers["server"] ?? "")
        if engine == .unknown {
            engine = try Self.engine(fromVersion: try fetch(connection, "/version"), file: source + " /version")
        }
        return DaemonFacts(engine: engine, source: source, info: info, plainTCP: endpoint.isTCP)
    }

    func fetch(_ connection: HTTPConnection, _ path: String) throws -> Data {
        try fetchWithHeaders(connection, path).0
    }

    func fetchWithHeaders(_ connection: HTTPConnection, _ path: String) throws -> (Data, [String: String]) {
        let (status, headers, body) = try connection.request(path)
        guard (200..<300).contains(status) else {
            var message = String(decoding: body.prefix(300), as: UTF8.self)
            if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                let text = object["message"] as? String
            {
                message = text
            }
            throw AuditError.status(
                endpoint: endpoint.description, path: path, code: status,
                message: message.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return (Data(body), headers)
    }

    /// Runs `work` over `items` on up to `connections` connections, keeping the order of `items`.
    func parallel<T: Sendable>(
        _ items: [String], _ work: @Sendable (HTTPConnection, String) throws -> T
    ) throws -> [T] {
        guard !items.isEmpty else { return [] }
        let workers = min(connections, items.count)
        let results = FetchResults<T>(count: items.count)
        let endpoint = endpoint
        let timeout = timeout
        let maxBytes = maxBytes
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let connection = HTTPConnection(endpoint: endpoint, timeout: timeout, maxBytes: maxBytes)
            defer { connection.close() }
            var index = worker
            while index < items.count, !results.failed {
                results.set(index, Result { try work(connection, items[index]) })
                index += workers
            }
        }
        return try results.values()
    }

    static func escape(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/")))
            ?? id
    }

    /// The engine named by `GET /version`.
    static func engine(fromVersion data: Data, file: String) throws -> EngineKind {
        guard let object = try JSONFields.parse(data, file: file) as? [String: Any] else {
            throw AuditError.malformed(file: file, field: "$", reason: "expected the engine's version object")
        }
        let json = JSONFields(object, path: "", file: file)
        let names = try json.objects("Components").compactMap { try $0.string("Name") }
        let platform = try json.object("Platform")?.string("Name")
        return EngineKind.fromVersion(componentNames: names, platform: platform)
    }
}

/// Results of concurrent requests, one slot each, with the first failure remembered (BerthCore's ResultSlots holds plain values).
final class FetchResults<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, any Error>?]
    private var anyFailure = false

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    var failed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return anyFailure
    }

    func set(_ index: Int, _ result: Result<T, any Error>) {
        lock.lock()
        defer { lock.unlock() }
        slots[index] = result
        if case .failure = result { anyFailure = true }
    }

    /// The values in order, or the first error in order.
    func values() throws -> [T] {
        lock.lock()
        defer { lock.unlock() }
        var out: [T] = []
        for slot in slots {
            switch slot {
            case .success(let value): out.append(value)
            case .failure(let error): throw error
            case nil: continue
            }
        }
        return out
    }
}

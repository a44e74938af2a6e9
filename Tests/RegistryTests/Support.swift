import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OCI
import ObjectStoreTestSupport
import TestSupport
import Testing

@testable import Registry

/// A fresh storage root under the temporary directory, removed by `cleanup()`.
struct TemporaryRoot {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "berth-registry-test-\(UUID().uuidString.lowercased())"
    }

    func cleanup() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Where a test registry keeps its content and metadata. Tests that go through ``withRegistry``
/// run once per storage available: the file system with the metadata as files under the root
/// (the single-node default) always, and the object store with the metadata in a SQLite database
/// when `weed` (SeaweedFS) is on PATH. PostgreSQL metadata is covered by the replica tests.
enum TestStorage: String, CaseIterable, Sendable, CustomStringConvertible {
    case fileSystem = "file system"
    case objectStore = "object store and SQLite metadata"

    var description: String { rawValue }

    /// The storages this machine can run: the object store needs SeaweedFS.
    static var available: [TestStorage] {
        Tool.find("weed") == nil ? [.fileSystem] : [.fileSystem, .objectStore]
    }
}

/// One SeaweedFS for the whole test process, started on first use and stopped at exit; each
/// registry gets its own prefix of the `registry` bucket.
enum SharedObjectStore {
    static let bucket = "registry"

    nonisolated(unsafe) private static var server: Seaweed?
    private static let started: Result<Seaweed, any Error> = Result {
        let server = try Seaweed()
        SharedObjectStore.server = server
        atexit { SharedObjectStore.server?.stop() }
        return server
    }
    private static let bucketReady = OnceTask()

    /// The server, with the bucket created.
    static func get() async throws -> Seaweed {
        let server = try started.get()
        try await bucketReady.run { _ = try await server.client(bucket: bucket) }
        return server
    }

    /// An `s3://` location of a fresh prefix (or `prefix`), and the environment its credentials are in.
    static func location(prefix: String = UUID().uuidString.lowercased()) async throws -> (String, [String: String]) {
        let server = try await get()
        let location = "s3://\(bucket)/\(prefix)?endpoint=\(server.endpoint)&region=us-east-1&path-style=true"
        return (location, ["AWS_ACCESS_KEY_ID": Seaweed.accessKey, "AWS_SECRET_ACCESS_KEY": Seaweed.secretKey])
    }
}

/// Work done once: the first caller starts it, every caller waits for it.
actor OnceTask {
    private var task: Task<Void, any Error>?

    func run(_ work: @escaping @Sendable () async throws -> Void) async throws {
        if task == nil { task = Task { try await work() } }
        try await task!.value
    }
}

/// Runs `body` against an in-process registry (router test framework, or a live socket), once
/// for each of `storages` (by default every storage available; the file system alone when the
/// caller gives a root, which outlives this server for a restart with another configuration).
func withRegistry<T: Sendable>(
    live: Bool = false,
    root given: TemporaryRoot? = nil,
    storages: [TestStorage]? = nil,
    configure: (inout RegistryConfiguration) -> Void = { _ in },
    prepare: (String) async throws -> Void = { _ in },
    _ body: @Sendable (any TestClientProtocol, RegistryServices) async throws -> T
) async throws -> T {
    var result: T?
    for storage in storages ?? (given == nil ? TestStorage.available : [.fileSystem]) {
        result = try await withRegistry(
            live: live, root: given, storage: storage, configure: configure, prepare: prepare, body)
    }
    return result!
}

/// Runs `body` against an in-process registry on one storage.
func withRegistry<T: Sendable>(
    live: Bool = false,
    root given: TemporaryRoot? = nil,
    storage: TestStorage,
    configure: (inout RegistryConfiguration) -> Void = { _ in },
    prepare: (String) async throws -> Void = { _ in },
    _ body: @Sendable (any TestClientProtocol, RegistryServices) async throws -> T
) async throws -> T {
    // A root the caller gives outlives this server (a restart with another configuration).
    let root = given ?? TemporaryRoot()
    defer { if given == nil { root.cleanup() } }
    var configuration = RegistryConfiguration()
    configuration.root = root.path
    configuration.address = "127.0.0.1:0"
    var environment = ProcessInfo.processInfo.environment
    if storage == .objectStore {
        // The prefix follows the root, so a server restarted on the same root finds its content.
        let (location, credentials) = try await SharedObjectStore.location(
            prefix: String(Digest.of(Data(root.path.utf8)).encoded.prefix(24)))
        configuration.storage = location
        configuration.database = "sqlite:state/metadata.db?busy_timeout=120"
        environment.merge(credentials) { $1 }
    }
    configure(&configuration)
    try FileManager.default.createDirectory(atPath: root.path, withIntermediateDirectories: true)
    try await prepare(root.path)
    let services = try await RegistryServices(
        configuration: configuration, storage: try RegistryStorage.open(configuration, environment: environment))
    var logger = Logger(label: "registry-test")
    logger.logLevel = .critical
    let app = try buildApplication(services: services, logger: logger)
    defer { services.scans?.stop() }
    do {
        return try await app.test(live ? .live : .router) { client in
            try await body(client, services)
        }
    } catch {
        FileHandle.standardError.write(Data("registry test failed on the \(storage) storage: \(error)\n".utf8))
        throw error
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var data: Data { Data(buffer: body) }

    /// The first error code of an OCI error body.
    var errorCode: String? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let errors = object["errors"] as? [[String: Any]]
        else { return nil }
        return errors.first?["code"] as? String
    }

    func header(_ name: String) -> String? {
        headers[HTTPField.Name(name)!]
    }
}

func fields(_ pairs: [String: String]) -> HTTPFields {
    var result = HTTPFields()
    for (key, value) in pairs { result[HTTPField.Name(key)!] = value }
    return result
}

/// Small client helpers speaking the distribution API through a test client.
struct API {
    let client: any TestClientProtocol
    var headers: HTTPFields = [:]

    func request(_ method: HTTPRequest.Method, _ uri: String, headers extra: [String: String] = [:], body: Data? = nil)
        async throws -> TestResponse
    {
        var all = headers
        for (key, value) in extra { all[HTTPField.Name(key)!] = value }
        return try await client.execute(
            uri: uri, method: method, headers: all, body: body.map { ByteBuffer(bytes: $0) })
    }

    /// Pushes a blob with POST then PUT; returns its digest.
    @discardableResult
    func pushBlob(_ repository: String, _ data: Data, algorithm: Digest.Algorithm = .sha256) async throws -> Digest {
        let digest = Digest.of(data, algorithm: algorithm)
        let start = try await request(.post, "/v2/\(repository)/blobs/uploads/")
        #expect(start.status == .accepted)
        let location = try #require(start.header("Location"))
        let put = try await request(
            .put, "\(location)?digest=\(digest)", headers: ["Content-Type": "application/octet-stream"], body: data)
        #expect(put.status == .created, "\(put.text)")
        return digest
    }

    /// Pushes an image manifest referencing `config` and `layers`; returns bytes and digest.
    @discardableResult
    func pushImage(
        _ repository: String, reference: String, layers: [Data], subject: (Digest, Int)? = nil,
        artifactType: String? = nil,
        annotations: [String: String]? = nil
    ) async throws -> (data: Data, digest: Digest) {
        let config = Data(#"{"architecture":"amd64","os":"linux"}"#.utf8)
        let configDigest = try await pushBlob(repository, config)
        var layerDescriptors: [[String: Any]] = []
        for layer in layers {
            let digest = try await pushBlob(repository, layer)
            layerDescriptors.append([
                "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest.description,
                "size": layer.count,
            ])
        }
        var manifest: [String: Any] = [
            "schemaVersion": 2, "mediaType": MediaType.ociManifest,
            "config": [
                "mediaType": "application/vnd.oci.image.config.v1+json", "digest": configDigest.description,
                "size": config.count,
            ],
            "layers": layerDescriptors,
        ]
        if let subject {
            manifest["subject"] = [
                "mediaType": MediaType.ociManifest, "digest": subject.0.description, "size": subject.1,
            ]
        }
        if let artifactType { manifest["artifactType"] = artifactType }
        if let annotations { manifest["annotations"] = annotations }
        let data = try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys])
        let response = try await request(
            .put, "/v2/\(repository)/manifests/\(reference)", headers: ["Content-Type": MediaType.ociManifest],
            body: data)
        #expect(response.status == .created, "\(response.text)")
        return (data, Digest.of(data))
    }
}

/// Bytes that differ per call.
func randomData(_ count: Int) -> Data {
    var generator = SystemRandomNumberGenerator()
    return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
}

/// Values collected from concurrent tasks.
final class Collected<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Element] = []
    var all: [Element] { lock.withLock { items } }
    var isEmpty: Bool { lock.withLock { items.isEmpty } }
    func append(_ item: Element) { lock.withLock { items.append(item) } }
}

/// The audit log as JSON lines with sorted keys, oldest first, from whichever store holds it (the
/// file under the root, or the metadata database).
func auditText(_ services: RegistryServices) async throws -> String {
    var query = AuditQuery(project: nil, pageSize: AuditQuery.maximumPageSize)
    var events: [APIAuditEvent] = []
    while true {
        let (total, items) = try await services.audit.events(query)
        events += items
        if items.isEmpty || events.count >= total { break }
        query.page += 1
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return try events.reversed().map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(
        separator: "\n")
}

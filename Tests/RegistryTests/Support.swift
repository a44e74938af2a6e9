import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OCI
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

/// Runs `body` against an in-process registry (router test framework, or a live socket).
func withRegistry<T: Sendable>(
    live: Bool = false,
    root given: TemporaryRoot? = nil,
    configure: (inout RegistryConfiguration) -> Void = { _ in },
    prepare: (String) throws -> Void = { _ in },
    _ body: @Sendable (any TestClientProtocol, RegistryServices) async throws -> T
) async throws -> T {
    // A root the caller gives outlives this server (a restart with another configuration).
    let root = given ?? TemporaryRoot()
    defer { if given == nil { root.cleanup() } }
    var configuration = RegistryConfiguration()
    configuration.root = root.path
    configuration.address = "127.0.0.1:0"
    configure(&configuration)
    try FileManager.default.createDirectory(atPath: root.path, withIntermediateDirectories: true)
    try prepare(root.path)
    let services = try await RegistryServices(configuration: configuration)
    var logger = Logger(label: "registry-test")
    logger.logLevel = .critical
    let app = try buildApplication(services: services, logger: logger)
    defer { services.scans?.stop() }
    return try await app.test(live ? .live : .router) { client in
        try await body(client, services)
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

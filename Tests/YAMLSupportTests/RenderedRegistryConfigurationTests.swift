import Foundation
import Testing

@testable import Registry
@testable import Render

/// The registry.yaml that `berth render` puts in the registry's ConfigMap is one `berth registry
/// serve --config` accepts, with the values the spec asked for.
@Suite struct RenderedRegistryConfigurationTests {
    /// Renders the spec and loads the registry.yaml of its ConfigMap as `berth registry serve` does.
    static func load(_ server: RenderSpec.RegistryServer) throws -> (RegistryConfiguration, String) {
        var spec = RenderSpec()
        spec.registryServer = server
        let manifest = try #require(Renderer.render(spec).first { $0.path == "manifests/registry.yaml" }).contents
        var lines = manifest.components(separatedBy: "\n").drop { $0 != "  registry.yaml: |" }.dropFirst()
        lines = lines.prefix { $0.hasPrefix("    ") || $0.isEmpty }
        let text = lines.map { String($0.dropFirst(4)) }.joined(separator: "\n")
        let path = NSTemporaryDirectory() + "berth-rendered-registry-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return (try RegistryConfiguration.load(path: path), text)
    }

    @Test func theRenderedConfigurationLoads() throws {
        var server = RenderSpec.RegistryServer(image: "registry.example.com/tools/berth:0.1.0")
        server.host = "oci.example.org"
        let (configuration, text) = try Self.load(server)
        #expect(text.contains("root: /var/lib/berth-registry"))
        #expect(configuration.storage == nil && configuration.storageRedirect == false)
        #expect(configuration.address == "0.0.0.0:5000")
        #expect(configuration.root == "/var/lib/berth-registry")
        #expect(configuration.auth.realm == "https://oci.example.org/token")
        #expect(configuration.auth.service == "oci.example.org")
        #expect(configuration.auth.issuer == "oci.example.org")
    }

    /// With replicas, the configuration names the object store and PostgreSQL (`storage`,
    /// `storageRedirect`, `database`), and holds no credential.
    @Test func theReplicatedConfigurationLoads() throws {
        let spec = try RenderSpec.parse(
            SpecWriter.spec(RenderSpec()) + """
                  registry:
                    image: registry.example.com/tools/berth:0.1.0
                    host: oci.example.org
                    objectStore:
                      url: "s3://registry-blobs/oci?endpoint=http://minio.storage.svc:9000&region=eu-west-1&path-style=true"
                      secret: registry-s3
                      redirect: true
                    database: {url: "postgres://berth@postgres.db.svc:5432/registry", secret: registry-postgres}

                """, file: "berth.yaml")
        let server = try #require(spec.registryServer)
        #expect(server.isReplicated)
        let (configuration, text) = try Self.load(server)
        #expect(!text.contains("AWS_") && !text.contains("PGPASSWORD"))
        #expect(
            configuration.storage
                == "s3://registry-blobs/oci?endpoint=http://minio.storage.svc:9000&region=eu-west-1&path-style=true")
        #expect(configuration.storageRedirect)
        #expect(configuration.root == "/var/lib/berth-registry")
        // Read by label: the field arrives with the server's PostgreSQL support.
        let database = Mirror(reflecting: configuration).children.first { $0.label == "database" }?.value
        #expect(database.map { "\($0)" }?.contains("postgres://berth@postgres.db.svc:5432/registry") == true)
    }
}

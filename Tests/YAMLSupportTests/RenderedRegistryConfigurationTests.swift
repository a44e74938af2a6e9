import Foundation
import Testing

@testable import Registry
@testable import Render

/// The registry.yaml that `berth render` puts in the registry's ConfigMap is one `berth registry
/// serve --config` accepts, with the values the spec asked for.
@Suite struct RenderedRegistryConfigurationTests {
    @Test func theRenderedConfigurationLoads() throws {
        var spec = RenderSpec()
        var server = RenderSpec.RegistryServer(image: "registry.example.com/tools/berth:0.1.0")
        server.host = "oci.example.org"
        spec.registryServer = server
        let manifest = try #require(Renderer.render(spec).first { $0.path == "manifests/registry.yaml" }).contents
        var lines = manifest.components(separatedBy: "\n").drop { $0 != "  registry.yaml: |" }.dropFirst()
        lines = lines.prefix { $0.hasPrefix("    ") || $0.isEmpty }
        let text = lines.map { String($0.dropFirst(4)) }.joined(separator: "\n")
        #expect(text.contains("root: /var/lib/berth-registry"))
        let path = NSTemporaryDirectory() + "berth-rendered-registry-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = try RegistryConfiguration.load(path: path)
        #expect(configuration.address == "0.0.0.0:5000")
        #expect(configuration.root == "/var/lib/berth-registry")
        #expect(configuration.auth.realm == "https://oci.example.org/token")
        #expect(configuration.auth.service == "oci.example.org")
        #expect(configuration.auth.issuer == "oci.example.org")
    }
}

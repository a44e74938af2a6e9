import BerthCore
import Foundation
import TestSupport
import Testing

@testable import Render
@testable import Rules

/// `spec.registry`: Berth's own registry rendered beside the products.
@Suite struct RegistryRenderTests {
    static let section = """
          registry:
            image: registry.example.com/tools/berth:0.1.0
            host: registry.example.com
            storage: {size: 100Gi, storageClass: fast-ssd}
            resources: {cpu: 250m, memory: 256Mi}

        """

    static func spec(_ pattern: Pattern = .apimISKM) throws -> RenderSpec {
        try RenderSpec.parse(SpecWriter.spec(RenderTests.spec(pattern)) + section, file: "berth.yaml")
    }

    static func registryManifest(_ spec: RenderSpec) -> String {
        Renderer.render(spec).first { $0.path == "manifests/registry.yaml" }?.contents ?? ""
    }

    @Test func theSectionIsReadWithItsDefaults() throws {
        let server = try #require(try Self.spec().registryServer)
        #expect(server.image == "registry.example.com/tools/berth:0.1.0")
        #expect(server.storageSize == "100Gi" && server.storageClass == "fast-ssd")
        #expect(server.cpu == "250m" && server.memory == "256Mi")
        let minimal = try RenderSpec.parse(
            SpecWriter.spec(RenderTests.spec(.apimISKM))
                + "  registry: {image: \"berth@sha256:\(String(repeating: "a", count: 64))\"}\n",
            file: "berth.yaml")
        #expect(minimal.registryServer?.host == "registry.example.com")
        #expect(minimal.registryServer?.storageClass == nil)
        let off = try RenderSpec.parse(
            SpecWriter.spec(RenderTests.spec(.apimISKM)) + "  registry: {enabled: false}\n", file: "berth.yaml")
        #expect(off.registryServer == nil)
        #expect(!Renderer.render(off).contains { $0.path.hasSuffix("registry.yaml") })
    }

    @Test(arguments: [
        ("  registry: {host: r.example.com}\n", "spec.registry.image is required"),
        ("  registry: {image: berth:latest}\n", "must name a tag other than latest, or a digest"),
        ("  registry: {image: berth}\n", "must name a tag other than latest, or a digest"),
        ("  registry: {image: 'berth:0.1.0', host: am.example.com}\n", "is already a product's Ingress host"),
        ("  registry: {image: 'berth:0.1.0', replicas: 3}\n", "replicas"),
        ("  registry: {image: 'berth:0.1.0', storage: {size: lots}}\n", "must be a Kubernetes quantity"),
    ])
    func badSectionsAreLocatedErrors(_ section: String, _ message: String) throws {
        let text = SpecWriter.spec(RenderTests.spec(.apimISKM)) + section
        let line = text.components(separatedBy: "\n").firstIndex { $0.hasPrefix("  registry:") }! + 1
        do {
            _ = try RenderSpec.parse(text, file: "berth.yaml")
            Issue.record("accepted \(section)")
        } catch {
            let items = error.items
            #expect(items.contains { $0.message.contains(message) && $0.line == line }, "\(items)")
        }
    }

    @Test func theRegistryIsHardenedAndKeepsItsState() throws {
        let rendered = Self.registryManifest(try Self.spec())
        let kinds = rendered.components(separatedBy: "\n").filter { $0.hasPrefix("kind: ") }.map { $0.dropFirst(6) }
        #expect(
            kinds == [
                "ConfigMap", "PersistentVolumeClaim", "Deployment", "Service", "PodDisruptionBudget", "Ingress",
                "NetworkPolicy",
            ])
        for expected in [
            "readOnlyRootFilesystem: true", "runAsNonRoot: true", "runAsUser: 65534", "- ReadWriteOnce",
            "storageClassName: \"fast-ssd\"", "storage: \"100Gi\"", "path: /healthz",
            "nginx.ingress.kubernetes.io/proxy-body-size: \"0\"", "realm: https://registry.example.com/token",
            "image: \"registry.example.com/tools/berth:0.1.0\"", "maxSurge: 0", "mountPath: /var/lib/berth-registry",
            "- \"--config\"",
        ] {
            #expect(rendered.contains(expected), "missing \(expected)")
        }
    }

    @Test func renderedManifestsAreCleanUnderBerthCheck() throws {
        let inputs = Renderer.render(try Self.spec())
            .filter { $0.path.hasPrefix("manifests/") && $0.path != "manifests/kustomization.yaml" }
            .map { (file: $0.path, bytes: Array($0.contents.utf8)) }
        let report = KubernetesChecker().check(inputs: inputs, configuration: CheckConfiguration())
        let findings = report.reports.flatMap(\.findings)
        #expect(report.reports.allSatisfy { $0.error == nil })
        #expect(
            findings.isEmpty, "\(findings.map { "\($0.location.file):\($0.location.line) \($0.rule): \($0.message)" })")
    }

    @Test(
        Tool.enabled("helm", "kubernetes-validate"), Tool.enabled(pythonModules: "go_template", "helm_sdkpy", "yaml"))
    func chartAndManifestsAreValidAndEqual() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "berth-render-registry-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try OutputTree(directory: directory.path).write(
            Renderer.render(try Self.spec()).map { ($0.path, $0.contents, $0.executable) })
        let result = try ChildProcess.runSync(
            "python3", [Repository.url("scripts/verify-render.py").path, directory.path], timeout: 600)
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.contains("\"kubernetesValidate\": []"))
    }
}

import BerthCore
import Foundation
import TestSupport
import Testing
import Yams

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

    /// Several replicas: content on an object store, locks and keys in PostgreSQL.
    static let replicated = """
          registry:
            image: registry.example.com/tools/berth:0.1.0
            host: registry.example.com
            storage: {size: 100Gi, storageClass: nfs}
            objectStore:
              url: "s3://registry-blobs/oci?endpoint=http://minio.storage.svc:9000&path-style=true"
              secret: registry-s3
              redirect: true
            database: {url: "postgres://berth@postgres.db.svc:6432/registry", secret: registry-postgres}
            replicas: {min: 3, max: 8}

        """

    static func spec(_ pattern: Pattern = .apimISKM, section: String = section) throws -> RenderSpec {
        try RenderSpec.parse(SpecWriter.spec(RenderTests.spec(pattern)) + section, file: "berth.yaml")
    }

    /// The objects of a rendered manifest, parsed.
    static func objects(_ text: String) throws -> [[String: Any]] {
        try Yams.load_all(yaml: text).compactMap { $0 as? [String: Any] }
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
        (
            "  registry: {image: 'berth:0.1.0', replicas: {min: 2, max: 4}}\n",
            "spec.registry.replicas needs spec.registry.objectStore and spec.registry.database",
        ),
        (
            "  registry: {image: 'berth:0.1.0', objectStore: {url: 's3://blobs', secret: s3}}\n",
            "spec.registry.objectStore needs spec.registry.database",
        ),
        (
            "  registry: {image: 'berth:0.1.0', database: {url: 'postgres://berth@db/registry', secret: pg}}\n",
            "spec.registry.database needs spec.registry.objectStore",
        ),
        (
            "  registry: {image: 'berth:0.1.0', objectStore: {url: 's3://blobs', secret: s3}, database: {url: 'postgres://berth:hunter2@db:5432/registry', secret: pg}}\n",
            "spec.registry.database.url must not carry a password",
        ),
        (
            "  registry: {image: 'berth:0.1.0', objectStore: {url: 's3://blobs', secret: s3}, database: {url: 'postgres://berth@db/registry', secret: pg}, replicas: {min: 5, max: 3}}\n",
            "spec.registry.replicas: min 5 is above max 3",
        ),
        (
            "  registry: {image: 'berth:0.1.0', objectStore: {url: 's3://blobs', secret: s3}, database: {url: 'postgres://berth@db/registry', secret: pg}, replicas: {min: 1}}\n",
            "spec.registry.replicas.min must be between 2 and 100, not 1",
        ),
        (
            "  registry: {image: 'berth:0.1.0', objectStore: {url: 'https://minio:9000/blobs', secret: s3}, database: {url: 'postgres://berth@db/registry', secret: pg}}\n",
            "spec.registry.objectStore.url must be an S3 location",
        ),
        (
            "  registry: {image: 'berth:0.1.0', objectStore: {url: 's3://?endpoint=http://minio:9000', secret: s3}, database: {url: 'postgres://berth@db/registry', secret: pg}}\n",
            "must name a bucket after s3://",
        ),
        (
            "  registry: {image: 'berth:0.1.0', objectStore: {url: 's3://blobs?endpoint=http://key:secret@minio:9000', secret: s3}, database: {url: 'postgres://berth@db/registry', secret: pg}}\n",
            "the endpoint must not carry credentials",
        ),
        (
            "  registry: {image: 'berth:0.1.0', objectStore: {url: 's3://blobs'}, database: {url: 'postgres://berth@db/registry', secret: pg}}\n",
            "spec.registry.objectStore.secret is required",
        ),
        (
            "  registry: {image: 'berth:0.1.0', objectStore: {url: 's3://blobs', secret: s3}, database: {url: 'mysql://berth@db/registry', secret: pg}}\n",
            "spec.registry.database.url must be postgres://",
        ),
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

    @Test func aPasswordInTheDatabaseURLIsNeverRepeated() throws {
        let text =
            SpecWriter.spec(RenderTests.spec(.apimISKM))
            + "  registry: {image: 'berth:0.1.0', objectStore: {url: 's3://blobs', secret: s3}, database: {url: 'postgres://berth:hunter2@db/registry', secret: pg}}\n"
        do {
            _ = try RenderSpec.parse(text, file: "berth.yaml")
            Issue.record("accepted a password in the database URL")
        } catch {
            #expect(!error.items.isEmpty)
            #expect(error.items.allSatisfy { !$0.message.contains("hunter2") }, "\(error.items)")
        }
    }

    @Test func theReplicaSectionIsReadWithItsDefaults() throws {
        let server = try #require(try Self.spec(section: Self.replicated).registryServer)
        #expect(server.isReplicated)
        #expect(server.objectStore?.port == 9000 && server.objectStore?.redirect == true)
        #expect(server.objectStore?.secret == "registry-s3")
        #expect(server.database?.port == 6432 && server.database?.secret == "registry-postgres")
        #expect(server.autoscaling == RenderSpec.Autoscaling(minReplicas: 3, maxReplicas: 8, cpuUtilization: 70))
        let defaults = try #require(
            try Self.spec(
                section:
                    "  registry: {image: 'berth:0.1.0', objectStore: {url: 's3://blobs?region=eu-west-1', secret: s3}, database: {url: 'postgres://berth@db/registry', secret: pg}}\n"
            ).registryServer)
        #expect(defaults.autoscaling == RenderSpec.Autoscaling(minReplicas: 2, maxReplicas: 6, cpuUtilization: 70))
        #expect(defaults.objectStore?.port == 443 && defaults.objectStore?.redirect == false)
        #expect(defaults.database?.port == 5432)
        #expect(try Self.spec().registryServer?.isReplicated == false)
    }

    @Test func replicasShareStateAndScaleOnCPU() throws {
        let rendered = Self.registryManifest(try Self.spec(section: Self.replicated))
        let objects = try Self.objects(rendered)
        #expect(
            objects.map { $0["kind"] as? String ?? "" } == [
                "ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "Ingress",
                "NetworkPolicy",
            ])
        func object(_ kind: String) throws -> [String: Any] {
            try #require(objects.first { $0["kind"] as? String == kind })
        }
        func at(_ node: Any?, _ path: String...) -> Any? {
            path.reduce(node) { node, key in
                if let index = Int(key) {
                    return (node as? [Any]).flatMap { $0.indices.contains(index) ? $0[index] : nil }
                }
                return (node as? [String: Any])?[key]
            }
        }

        let configuration = try #require(at(try object("ConfigMap"), "data", "registry.yaml") as? String)
        #expect(
            configuration.contains(
                "storage: \"s3://registry-blobs/oci?endpoint=http://minio.storage.svc:9000&path-style=true\"\n"))
        #expect(configuration.contains("storageRedirect: true\n"))
        #expect(configuration.contains("database: \"postgres://berth@postgres.db.svc:6432/registry\"\n"))
        #expect(configuration.contains("root: /var/lib/berth-registry\n"))

        // Nothing in the root outlives a pod: no claim, a bounded emptyDir per pod.
        #expect(!rendered.contains("PersistentVolumeClaim") && !rendered.contains("ReadWriteMany"))
        let volumes = try #require(
            at(try object("Deployment"), "spec", "template", "spec", "volumes") as? [[String: Any]])
        let data = try #require(volumes.first { $0["name"] as? String == "data" })
        #expect(at(data, "emptyDir", "sizeLimit") as? String != nil && data["persistentVolumeClaim"] == nil)

        let deployment = try object("Deployment")
        #expect(at(deployment, "metadata", "annotations") == nil, "no berth.dev/ignore with replicas")
        #expect(at(deployment, "spec", "replicas") == nil, "the HPA owns the replica count")
        #expect(at(deployment, "spec", "strategy", "rollingUpdate", "maxSurge") as? Int == 1)
        #expect(at(deployment, "spec", "strategy", "rollingUpdate", "maxUnavailable") as? Int == 0)
        let pod = try #require(at(deployment, "spec", "template", "spec") as? [String: Any])
        let term = at(
            pod, "affinity", "podAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution", "0",
            "podAffinityTerm")
        #expect(at(term, "topologyKey") as? String == "kubernetes.io/hostname")
        #expect(
            at(term, "labelSelector", "matchLabels", "app.kubernetes.io/component") as? String == "registry")
        let container = try #require(at(pod, "containers", "0") as? [String: Any])
        #expect(container["envFrom"] == nil)
        let environment = try #require(container["env"] as? [[String: Any]])
        var references: [String: String] = [:]
        for variable in environment {
            #expect(variable["value"] == nil, "\(variable)")
            let name = try #require(variable["name"] as? String)
            let reference = try #require(at(variable, "valueFrom", "secretKeyRef") as? [String: Any])
            #expect(reference["key"] as? String == name)
            references[name] = reference["name"] as? String
        }
        #expect(
            references == [
                "AWS_ACCESS_KEY_ID": "registry-s3", "AWS_SECRET_ACCESS_KEY": "registry-s3",
                "AWS_SESSION_TOKEN": "registry-s3", "PGPASSWORD": "registry-postgres",
            ])
        #expect(at(container, "securityContext", "runAsNonRoot") as? Bool == true)
        #expect(at(container, "securityContext", "readOnlyRootFilesystem") as? Bool == true)
        #expect(at(container, "readinessProbe", "httpGet", "path") as? String == "/healthz")
        #expect(at(deployment, "spec", "template", "metadata", "annotations", "checksum/storage") is String)

        let hpa = try object("HorizontalPodAutoscaler")
        #expect(at(hpa, "apiVersion") as? String == "autoscaling/v2")
        #expect(at(hpa, "spec", "scaleTargetRef", "name") as? String == at(deployment, "metadata", "name") as? String)
        #expect(at(hpa, "spec", "minReplicas") as? Int == 3 && at(hpa, "spec", "maxReplicas") as? Int == 8)
        #expect(at(hpa, "spec", "metrics", "0", "resource", "name") as? String == "cpu")
        #expect(at(hpa, "spec", "metrics", "0", "resource", "target", "averageUtilization") as? Int == 70)
        #expect(at(try object("PodDisruptionBudget"), "spec", "maxUnavailable") as? Int == 1)

        let policy = try object("NetworkPolicy")
        #expect(at(policy, "spec", "policyTypes") as? [String] == ["Ingress", "Egress"])
        let egress = try #require(at(policy, "spec", "egress") as? [[String: Any]])
        #expect(egress.count == 1 && egress[0]["to"] == nil)
        #expect((egress[0]["ports"] as? [[String: Any]])?.compactMap { $0["port"] as? Int } == [9000, 6432])
    }

    /// One replica's output does not change when the replica keys exist: same objects, same bytes
    /// as a spec without them, and none of the replica settings.
    @Test func oneReplicaKeepsItsShape() throws {
        let rendered = Self.registryManifest(try Self.spec())
        for absent in [
            "HorizontalPodAutoscaler", "ReadWriteMany", "secretKeyRef", "storage: \"s3", "database:", "Egress",
            "affinity",
        ] {
            #expect(!rendered.contains(absent), "\(absent)")
        }
        #expect(rendered.contains("kubernetes-max-unavailable-all -- one replica by design"))
        #expect(rendered.contains("replicas: 1"))
    }

    @Test func theReadmeNamesTheSecretsToCreate() throws {
        let readme = { (spec: RenderSpec) in Renderer.render(spec).first { $0.path == "README.md" }?.contents ?? "" }
        let replicated = readme(try Self.spec(section: Self.replicated))
        #expect(replicated.contains("create secret generic registry-s3"))
        #expect(replicated.contains("--from-literal=AWS_SECRET_ACCESS_KEY=..."))
        #expect(replicated.contains("create secret generic registry-postgres --from-literal=PGPASSWORD=..."))
        #expect(!readme(try Self.spec()).contains("PGPASSWORD"))
    }

    /// No output holds a credential: the renderer names Secrets and never writes one.
    @Test func noOutputHoldsACredential() throws {
        for file in Renderer.render(try Self.spec(section: Self.replicated)) {
            #expect(!file.contents.contains("kind: Secret\n"), "\(file.path)")
            #expect(!file.contents.contains("envFrom"), "\(file.path)")
            #expect(!file.contents.contains("postgres://berth:"), "\(file.path)")
        }
    }

    @Test(arguments: [false, true])
    func renderedManifestsAreCleanUnderBerthCheck(_ replicated: Bool) throws {
        let inputs = Renderer.render(try Self.spec(section: replicated ? Self.replicated : Self.section))
            .filter { $0.path.hasPrefix("manifests/") && $0.path != "manifests/kustomization.yaml" }
            .map { (file: $0.path, bytes: Array($0.contents.utf8)) }
        let report = KubernetesChecker().check(inputs: inputs, configuration: CheckConfiguration())
        let findings = report.reports.flatMap(\.findings)
        #expect(report.reports.allSatisfy { $0.error == nil })
        #expect(
            findings.isEmpty, "\(findings.map { "\($0.location.file):\($0.location.line) \($0.rule): \($0.message)" })")
    }

    @Test(
        Tool.enabled("helm", "kubernetes-validate"), Tool.enabled(pythonModules: "go_template", "helm_sdkpy", "yaml"),
        arguments: [false, true])
    func chartAndManifestsAreValidAndEqual(_ replicated: Bool) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "berth-render-registry-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try OutputTree(directory: directory.path).write(
            Renderer.render(try Self.spec(section: replicated ? Self.replicated : Self.section)).map {
                ($0.path, $0.contents, $0.executable)
            })
        let result = try ChildProcess.runSync(
            "python3", [Repository.url("scripts/verify-render.py").path, directory.path], timeout: 600)
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.contains("\"kubernetesValidate\": []"))
    }

    /// The replica keys are in docs/berth.schema.json: the example validates, a password in the
    /// database URL and replicas without a store do not.
    @Test(Tool.enabled(pythonModules: "yaml", "jsonschema"))
    func theSchemaKnowsTheReplicaKeys() throws {
        let script = """
            import json, sys, yaml, jsonschema
            schema = json.load(open(sys.argv[1]))
            for text in sys.stdin.read().split("\\n---\\n"):
                errors = list(jsonschema.Draft7Validator(schema).iter_errors(yaml.safe_load(text)))
                print("valid" if not errors else "invalid")
            """
        let base = SpecWriter.spec(RenderTests.spec(.apimISKM))
        let documents = [
            base + Self.replicated,
            base + Self.replicated.replacingOccurrences(of: "postgres://berth@", with: "postgres://berth:pw@"),
            base + "  registry: {image: 'berth:0.1.0', replicas: {min: 2}}\n",
        ]
        let result = try ChildProcess.runSync(
            "python3", ["-c", script, Repository.url("docs/berth.schema.json").path],
            input: Data(documents.joined(separator: "\n---\n").utf8))
        #expect(result.output.split(separator: "\n") == ["valid", "invalid", "invalid"], "\(result.error)")
    }
}

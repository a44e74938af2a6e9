import BerthCore
import Crypto

/// Berth's own registry beside the products (`spec.registry`): the private registry with scanning
/// and role-based access the seed asks for, run by `berth registry serve`.
///
/// Its storage root is a ReadWriteOnce volume, so it runs as one replica, rolled without surge
/// (the old pod releases the volume before the new one mounts it). Users, projects and signing keys live in
/// that root; TLS ends at the Ingress.
extension KubernetesGenerator {
    static let registryPort = 5000
    static let registryRoot = "/var/lib/berth-registry"
    /// The `nobody` account the Berth image runs as.
    static let registryUID = 65534

    /// The registry as a component, so labels, Service and PodDisruptionBudget are the products'.
    static func registryComponent(_ spec: RenderSpec, _ server: RenderSpec.RegistryServer) -> Component {
        let version = ImageName(server.image).tag ?? "digest"
        return Component(
            name: "registry", distribution: "berth", productVersion: version, startScript: "",
            ports: [ComponentPort(name: "http", port: registryPort, external: true)], instances: 0, replicas: 1,
            autoscaling: nil, readinessPath: "/healthz", readinessPort: registryPort, livenessPath: "/healthz",
            livenessPort: registryPort, cpuRequest: server.cpu, memoryRequest: server.memory, cpuLimit: server.cpu,
            memoryLimit: server.memory, host: server.host, sharedPaths: [])
    }

    static func registryDocuments(_ spec: RenderSpec) -> [Document] {
        guard let server = spec.registryServer else { return [] }
        let component = registryComponent(spec, server)
        let file = "registry.yaml"
        var documents = [
            Document(file: file, node: registryConfigMap(spec, component, server)),
            Document(file: file, node: registryClaim(spec, component, server)),
            Document(file: file, node: registryDeployment(spec, component, server)),
            Document(file: file, node: service(spec, component, instance: nil)),
            Document(file: file, node: pdb(spec, component)),
            Document(file: file, node: registryIngress(spec, component, server)),
        ]
        if spec.networkPolicies {
            documents.append(Document(file: file, node: registryNetworkPolicy(spec, component)))
        }
        return documents
    }

    static func registryHost(_ server: RenderSpec.RegistryServer) -> TextPart {
        .value("ingress.hosts.registry", .string(server.host))
    }

    static func registryConfigMap(
        _ spec: RenderSpec, _ component: Component, _ server: RenderSpec.RegistryServer
    ) -> YAMLNode {
        let host = registryHost(server)
        let configuration: [TextPart] = [
            .literal(
                """
                # berth registry serve settings; users, projects and policies live in the storage root.
                address: 0.0.0.0:\(registryPort)
                root: \(registryRoot)
                auth:
                  realm: https://
                """),
            host, .literal("/token\n  service: "), host, .literal("\n  issuer: "), host, .literal("\n"),
        ]
        return .map([
            ("apiVersion", .string("v1")), ("kind", .string("ConfigMap")),
            (
                "metadata",
                metadata(
                    spec, name: Names.base(spec, component) + "-conf", labels: labels(spec, component, instance: nil))
            ),
            ("data", .map([("registry.yaml", .block(configuration))])),
        ])
    }

    static func registryClaim(
        _ spec: RenderSpec, _ component: Component, _ server: RenderSpec.RegistryServer
    ) -> YAMLNode {
        var claim: [(String, YAMLNode)] = [("accessModes", .list([.string("ReadWriteOnce")]))]
        if let storageClass = server.storageClass {
            claim.append(("storageClassName", .text([.value("registry.storage.storageClass", .string(storageClass))])))
        }
        claim.append(
            (
                "resources",
                .map([
                    (
                        "requests",
                        .map([("storage", .text([.value("registry.storage.size", .string(server.storageSize))]))])
                    )
                ])
            ))
        return .map([
            ("apiVersion", .string("v1")), ("kind", .string("PersistentVolumeClaim")),
            (
                "metadata",
                metadata(
                    spec, name: Names.base(spec, component) + "-data", labels: labels(spec, component, instance: nil))
            ),
            ("spec", .map(claim)),
        ])
    }

    static func registryDeployment(
        _ spec: RenderSpec, _ component: Component, _ server: RenderSpec.RegistryServer
    ) -> YAMLNode {
        let base = Names.base(spec, component)
        func probe(period: Int, failures: Int) -> YAMLNode {
            .map([
                (
                    "httpGet",
                    .map([("path", .string("/healthz")), ("port", .string("http")), ("scheme", .string("HTTP"))])
                ),
                ("periodSeconds", .int(period)), ("timeoutSeconds", .int(3)), ("failureThreshold", .int(failures)),
            ])
        }
        let resources: YAMLNode = .map([
            (
                "requests",
                .map([
                    ("cpu", .text([.value("registry.resources.cpu", .string(server.cpu))])),
                    ("memory", .text([.value("registry.resources.memory", .string(server.memory))])),
                ])
            ),
            (
                "limits",
                .map([
                    ("cpu", .text([.value("registry.resources.cpu", .string(server.cpu))])),
                    ("memory", .text([.value("registry.resources.memory", .string(server.memory))])),
                ])
            ),
        ])
        let container: YAMLNode = .map([
            ("name", .string("registry")),
            ("image", .text([.value("registry.image", .string(server.image))])),
            ("imagePullPolicy", .string("IfNotPresent")),
            (
                "args",
                .list([
                    .string("registry"), .string("serve"), .string("--config"), .string("/etc/berth/registry.yaml"),
                ])
            ),
            (
                "ports",
                .list([
                    .map([
                        ("name", .string("http")), ("containerPort", .int(registryPort)), ("protocol", .string("TCP")),
                    ])
                ])
            ),
            ("resources", resources),
            (
                "startupProbe",
                .map([
                    ("tcpSocket", .map([("port", .string("http"))])), ("periodSeconds", .int(2)),
                    ("timeoutSeconds", .int(2)), ("failureThreshold", .int(60)),
                ])
            ),
            ("readinessProbe", probe(period: 5, failures: 3)),
            ("livenessProbe", probe(period: 20, failures: 3)),
            (
                "securityContext",
                .map([
                    ("allowPrivilegeEscalation", .bool(false)), ("privileged", .bool(false)),
                    ("runAsNonRoot", .bool(true)), ("runAsUser", .int(registryUID)),
                    ("runAsGroup", .int(registryUID)), ("readOnlyRootFilesystem", .bool(true)),
                    ("capabilities", .map([("drop", .list([.string("ALL")]))])),
                ])
            ),
            (
                "volumeMounts",
                .list([
                    .map([
                        ("name", .string("config")), ("mountPath", .string("/etc/berth")), ("readOnly", .bool(true)),
                    ]),
                    .map([("name", .string("data")), ("mountPath", .string(registryRoot))]),
                    .map([("name", .string("tmp")), ("mountPath", .string("/tmp"))]),
                ])
            ),
        ])
        var podSpec: [(String, YAMLNode)] = [
            ("serviceAccountName", .string(spec.name)),
            ("automountServiceAccountToken", .bool(false)),
            ("terminationGracePeriodSeconds", .int(30)),
            (
                "securityContext",
                .map([
                    ("runAsNonRoot", .bool(true)), ("runAsUser", .int(registryUID)),
                    ("runAsGroup", .int(registryUID)), ("fsGroup", .int(registryUID)),
                    ("seccompProfile", .map([("type", .string("RuntimeDefault"))])),
                ])
            ),
        ]
        if let secret = spec.pullSecret {
            podSpec.append(("imagePullSecrets", .list([.map([("name", .string(secret))])])))
        }
        podSpec += [
            ("containers", .list([container])),
            (
                "volumes",
                .list([
                    .map([
                        ("name", .string("config")),
                        ("configMap", .map([("name", .string(base + "-conf")), ("defaultMode", .int(0o444))])),
                    ]),
                    .map([
                        ("name", .string("data")),
                        ("persistentVolumeClaim", .map([("claimName", .string(base + "-data"))])),
                    ]),
                    .map([("name", .string("tmp")), ("emptyDir", .map([("sizeLimit", .string("1Gi"))]))]),
                ])
            ),
        ]
        let digest = SHA256.hash(data: Array(server.host.utf8)).map { String(format: "%02x", $0) }.joined()
        let checksum: TextPart = .expression("{{ .Values.ingress.hosts.registry | sha256sum }}", digest)
        return .map([
            ("apiVersion", .string("apps/v1")), ("kind", .string("Deployment")),
            (
                "metadata",
                metadata(
                    spec, name: base, labels: labels(spec, component, instance: nil),
                    annotations: [
                        (
                            "berth.dev/ignore",
                            .string(
                                "kubernetes-max-unavailable-all -- one replica by design: the storage root is a ReadWriteOnce volume with a single writer"
                            )
                        )
                    ])
            ),
            (
                "spec",
                .map([
                    // One writer of a ReadWriteOnce volume: no surge, so the old pod releases the
                    // volume before the new one mounts it; still a rolling update with a history.
                    ("replicas", .int(1)),
                    ("revisionHistoryLimit", .int(10)),
                    (
                        "strategy",
                        .map([
                            ("type", .string("RollingUpdate")),
                            ("rollingUpdate", .map([("maxSurge", .int(0)), ("maxUnavailable", .int(1))])),
                        ])
                    ),
                    ("selector", .map([("matchLabels", .map(selector(spec, component, instance: nil)))])),
                    (
                        "template",
                        .map([
                            (
                                "metadata",
                                .map([
                                    ("labels", .map(labels(spec, component, instance: nil))),
                                    ("annotations", .map([("checksum/config", .text([checksum]))])),
                                ])
                            ),
                            ("spec", .map(podSpec)),
                        ])
                    ),
                ])
            ),
        ])
    }

    static func registryIngress(
        _ spec: RenderSpec, _ component: Component, _ server: RenderSpec.RegistryServer
    ) -> YAMLNode {
        let host: YAMLNode = .text([registryHost(server)])
        let annotations: [(String, YAMLNode)] = [
            // Layers are large and uploads long: no body limit, no buffering, generous timeouts.
            ("nginx.ingress.kubernetes.io/proxy-body-size", .string("0")),
            ("nginx.ingress.kubernetes.io/proxy-request-buffering", .string("off")),
            ("nginx.ingress.kubernetes.io/proxy-read-timeout", .string("900")),
            ("nginx.ingress.kubernetes.io/proxy-send-timeout", .string("900")),
        ]
        return .map([
            ("apiVersion", .string("networking.k8s.io/v1")), ("kind", .string("Ingress")),
            (
                "metadata",
                metadata(
                    spec, name: Names.base(spec, component), labels: labels(spec, component, instance: nil),
                    annotations: annotations)
            ),
            (
                "spec",
                .map([
                    ("ingressClassName", .text([.value("ingress.className", .string(spec.ingressClass))])),
                    (
                        "tls",
                        .list([
                            .map([
                                ("hosts", .list([host])),
                                ("secretName", .text([.value("ingress.tlsSecret", .string(spec.tlsSecret))])),
                            ])
                        ])
                    ),
                    (
                        "rules",
                        .list([
                            .map([
                                ("host", host),
                                (
                                    "http",
                                    .map([
                                        (
                                            "paths",
                                            .list([
                                                .map([
                                                    ("path", .string("/")), ("pathType", .string("Prefix")),
                                                    (
                                                        "backend",
                                                        .map([
                                                            (
                                                                "service",
                                                                .map([
                                                                    ("name", .string(Names.service(spec, component))),
                                                                    ("port", .map([("number", .int(registryPort))])),
                                                                ])
                                                            )
                                                        ])
                                                    ),
                                                ])
                                            ])
                                        )
                                    ])
                                ),
                            ])
                        ])
                    ),
                ])
            ),
        ])
    }

    /// The deployment's default deny and DNS policies cover the registry pod; this admits clients
    /// through the ingress controller, wherever it runs. The registry calls nothing.
    static func registryNetworkPolicy(_ spec: RenderSpec, _ component: Component) -> YAMLNode {
        .map([
            ("apiVersion", .string("networking.k8s.io/v1")), ("kind", .string("NetworkPolicy")),
            ("metadata", metadata(spec, name: Names.base(spec, component), labels: commonLabels(spec))),
            (
                "spec",
                .map([
                    ("podSelector", .map([("matchLabels", .map(selector(spec, component, instance: nil)))])),
                    ("policyTypes", .list([.string("Ingress")])),
                    (
                        "ingress",
                        .list([
                            .map([
                                ("from", .list([.map([("namespaceSelector", .map([]))])])),
                                (
                                    "ports",
                                    .list([.map([("protocol", .string("TCP")), ("port", .int(registryPort))])])
                                ),
                            ])
                        ])
                    ),
                ])
            ),
        ])
    }
}

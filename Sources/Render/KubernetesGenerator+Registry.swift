import BerthCore
import Crypto

/// Berth's own registry beside the products (`spec.registry`): the private registry with scanning
/// and role-based access the seed asks for, run by `berth registry serve`.
///
/// Its storage root is a ReadWriteOnce volume, so it runs as one replica, rolled without surge
/// (the old pod releases the volume before the new one mounts it). Users, projects and signing keys live in
/// that root; TLS ends at the Ingress.
///
/// With an object store and a database (`RegistryServer.isReplicated`), the content lives on the store;
/// users, projects, policies, the audit log, scan records, sessions, the locks and the token-signing
/// key in PostgreSQL. The root then holds only scratch files, so each pod has its own `emptyDir`
/// (no ReadWriteMany volume needed): it runs several replicas under a HorizontalPodAutoscaler,
/// rolled with surge.
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
            autoscaling: server.isReplicated ? server.autoscaling : nil, readinessPath: "/healthz",
            readinessPort: registryPort, livenessPath: "/healthz",
            livenessPort: registryPort, cpuRequest: server.cpu, memoryRequest: server.memory, cpuLimit: server.cpu,
            memoryLimit: server.memory, host: server.host, sharedPaths: [])
    }

    static func registryDocuments(_ spec: RenderSpec) -> [Document] {
        guard let server = spec.registryServer else { return [] }
        let component = registryComponent(spec, server)
        let file = "registry.yaml"
        var documents = [
            Document(file: file, node: registryConfigMap(spec, component, server))
        ]
        // Replicas keep nothing in the root that outlives a pod.
        if !server.isReplicated { documents.append(Document(file: file, node: registryClaim(spec, component, server))) }
        documents += [
            Document(file: file, node: registryDeployment(spec, component, server)),
            Document(file: file, node: service(spec, component, instance: nil)),
            Document(file: file, node: pdb(spec, component)),
        ]
        if let scaling = component.autoscaling {
            documents.append(Document(file: file, node: hpa(spec, component, scaling)))
        }
        documents.append(Document(file: file, node: registryIngress(spec, component, server)))
        if spec.networkPolicies {
            documents.append(Document(file: file, node: registryNetworkPolicy(spec, component, server)))
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
        let comment =
            server.isReplicated
            ? "# berth registry serve settings; content on the object store, shared locks and keys in PostgreSQL,\n"
                + "# users, projects and policies in the storage root every replica mounts.\n"
            : "# berth registry serve settings; users, projects and policies live in the storage root.\n"
        let configuration: [TextPart] = [
            .literal(
                comment
                    + """
                    address: 0.0.0.0:\(registryPort)
                    root: \(registryRoot)

                    """ + replicationSettings(server)
                        + """
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

    /// The `storage`, `storageRedirect` and `database` lines of registry.yaml for replicas; empty for one.
    /// Credentials never appear: the server reads them from the environment the Secrets fill.
    static func replicationSettings(_ server: RenderSpec.RegistryServer) -> String {
        guard server.isReplicated, let store = server.objectStore, let database = server.database else { return "" }
        return """
            storage: "\(store.url)"
            storageRedirect: \(store.redirect)
            database: "\(database.url)"

            """
    }

    static func registryClaim(
        _ spec: RenderSpec, _ component: Component, _ server: RenderSpec.RegistryServer
    ) -> YAMLNode {
        // One replica is the only writer of its root.
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
        var container: [(String, YAMLNode)] = [
            ("name", .string("registry")),
            ("image", .text([.value("registry.image", .string(server.image))])),
            ("imagePullPolicy", .string("IfNotPresent")),
            (
                "args",
                .list([
                    .string("registry"), .string("serve"), .string("--config"), .string("/etc/berth/registry.yaml"),
                ])
            ),
        ]
        if let environment = registryEnvironment(server) { container.append(("env", environment)) }
        container += [
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
        ]
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
        if server.isReplicated { podSpec.append(("affinity", spreadAcrossNodes(spec, component))) }
        if let secret = spec.pullSecret {
            podSpec.append(("imagePullSecrets", .list([.map([("name", .string(secret))])])))
        }
        podSpec += [
            ("containers", .list([.map(container)])),
            (
                "volumes",
                .list([
                    .map([
                        ("name", .string("config")),
                        ("configMap", .map([("name", .string(base + "-conf")), ("defaultMode", .int(0o444))])),
                    ]),
                    server.isReplicated
                        // Scratch only (scan unpacking, staging): bounded by the storage size value.
                        ? .map([
                            ("name", .string("data")),
                            (
                                "emptyDir",
                                .map([
                                    (
                                        "sizeLimit",
                                        .text([.value("registry.storage.size", .string(server.storageSize))])
                                    )
                                ])
                            ),
                        ])
                        : .map([
                            ("name", .string("data")),
                            ("persistentVolumeClaim", .map([("claimName", .string(base + "-data"))])),
                        ]),
                    .map([("name", .string("tmp")), ("emptyDir", .map([("sizeLimit", .string("1Gi"))]))]),
                ])
            ),
        ]
        let digest = SHA256.hash(data: Array(server.host.utf8)).map { String(format: "%02x", $0) }.joined()
        let checksum: TextPart = .expression("{{ .Values.ingress.hosts.registry | sha256sum }}", digest)
        var podAnnotations: [(String, YAMLNode)] = [("checksum/config", .text([checksum]))]
        let settings = replicationSettings(server)
        if !settings.isEmpty {
            // The storage lines are rendered, not values: a new store or database rolls the pods.
            let storage = SHA256.hash(data: Array(settings.utf8)).map { String(format: "%02x", $0) }.joined()
            podAnnotations.append(("checksum/storage", .string(storage)))
        }
        var annotations: [(String, YAMLNode)] = []
        var deployment: [(String, YAMLNode)] = []
        if server.isReplicated {
            // The HorizontalPodAutoscaler owns the replica count (a fixed one here would reset it on
            // every apply); pods surge one at a time and none goes before its successor is ready.
            deployment += [
                ("revisionHistoryLimit", .int(10)),
                (
                    "strategy",
                    .map([
                        ("type", .string("RollingUpdate")),
                        ("rollingUpdate", .map([("maxSurge", .int(1)), ("maxUnavailable", .int(0))])),
                    ])
                ),
            ]
        } else {
            annotations.append(
                (
                    "berth.dev/ignore",
                    .string(
                        "kubernetes-max-unavailable-all -- one replica by design: the storage root is a ReadWriteOnce volume with a single writer"
                    )
                ))
            // One writer of a ReadWriteOnce volume: no surge, so the old pod releases the
            // volume before the new one mounts it; still a rolling update with a history.
            deployment += [
                ("replicas", .int(1)),
                ("revisionHistoryLimit", .int(10)),
                (
                    "strategy",
                    .map([
                        ("type", .string("RollingUpdate")),
                        ("rollingUpdate", .map([("maxSurge", .int(0)), ("maxUnavailable", .int(1))])),
                    ])
                ),
            ]
        }
        deployment += [
            ("selector", .map([("matchLabels", .map(selector(spec, component, instance: nil)))])),
            (
                "template",
                .map([
                    (
                        "metadata",
                        .map([
                            ("labels", .map(labels(spec, component, instance: nil))),
                            ("annotations", .map(podAnnotations)),
                        ])
                    ),
                    ("spec", .map(podSpec)),
                ])
            ),
        ]
        return .map([
            ("apiVersion", .string("apps/v1")), ("kind", .string("Deployment")),
            (
                "metadata",
                metadata(
                    spec, name: base, labels: labels(spec, component, instance: nil), annotations: annotations)
            ),
            ("spec", .map(deployment)),
        ])
    }

    /// The object store's keys and the database password, each from its Secret by key (never the
    /// whole Secret); nil for one replica, which needs neither.
    static func registryEnvironment(_ server: RenderSpec.RegistryServer) -> YAMLNode? {
        guard server.isReplicated, let store = server.objectStore, let database = server.database else { return nil }
        func variable(_ name: String, secret: String, valuesKey: String, optional: Bool = false) -> YAMLNode {
            var reference: [(String, YAMLNode)] = [
                ("name", .text([.value(valuesKey, .string(secret))])), ("key", .string(name)),
            ]
            if optional { reference.append(("optional", .bool(true))) }
            return .map([("name", .string(name)), ("valueFrom", .map([("secretKeyRef", .map(reference))]))])
        }
        return .list([
            variable("AWS_ACCESS_KEY_ID", secret: store.secret, valuesKey: "registry.objectStore.secret"),
            variable("AWS_SECRET_ACCESS_KEY", secret: store.secret, valuesKey: "registry.objectStore.secret"),
            // Temporary credentials carry a session token; long-lived keys do not.
            variable(
                "AWS_SESSION_TOKEN", secret: store.secret, valuesKey: "registry.objectStore.secret", optional: true),
            variable("PGPASSWORD", secret: database.secret, valuesKey: "registry.database.secret"),
        ])
    }

    /// Prefer one replica a node, so losing a node takes down as few as possible.
    static func spreadAcrossNodes(_ spec: RenderSpec, _ component: Component) -> YAMLNode {
        .map([
            (
                "podAntiAffinity",
                .map([
                    (
                        "preferredDuringSchedulingIgnoredDuringExecution",
                        .list([
                            .map([
                                ("weight", .int(100)),
                                (
                                    "podAffinityTerm",
                                    .map([
                                        ("topologyKey", .string("kubernetes.io/hostname")),
                                        (
                                            "labelSelector",
                                            .map([("matchLabels", .map(selector(spec, component, instance: nil)))])
                                        ),
                                    ])
                                ),
                            ])
                        ])
                    )
                ])
            )
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
    /// through the ingress controller, wherever it runs. One replica calls nothing; replicas call the
    /// object store and PostgreSQL, named by URL, which a NetworkPolicy cannot select: egress to their
    /// ports on any address.
    static func registryNetworkPolicy(
        _ spec: RenderSpec, _ component: Component, _ server: RenderSpec.RegistryServer
    ) -> YAMLNode {
        var types: [YAMLNode] = [.string("Ingress")]
        var egress: [(String, YAMLNode)] = []
        if server.isReplicated, let store = server.objectStore, let database = server.database {
            types.append(.string("Egress"))
            let ports = [store.port, database.port].reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
            egress.append(
                (
                    "egress",
                    .commented(
                        """
                        The object store and PostgreSQL are named by URL, which a NetworkPolicy cannot
                        select: egress to their ports on any address (DNS is in the -dns policy).
                        """,
                        .list([
                            .map([
                                (
                                    "ports",
                                    .list(ports.map { .map([("protocol", .string("TCP")), ("port", .int($0))]) })
                                )
                            ])
                        ]))
                ))
        }
        return .map([
            ("apiVersion", .string("networking.k8s.io/v1")), ("kind", .string("NetworkPolicy")),
            ("metadata", metadata(spec, name: Names.base(spec, component), labels: commonLabels(spec))),
            (
                "spec",
                .map(
                    [
                        ("podSelector", .map([("matchLabels", .map(selector(spec, component, instance: nil)))])),
                        ("policyTypes", .list(types)),
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
                    ] + egress)
            ),
        ])
    }
}

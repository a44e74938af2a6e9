import Crypto

/// The Kubernetes objects of a deployment, as trees that render both to plain manifests and to
/// Helm templates.
enum KubernetesGenerator {
    struct Document {
        /// File name under `manifests/` and `chart/templates/`.
        var file: String
        var node: YAMLNode
    }

    static func key(_ component: Component) -> String {
        let parts = component.name.split(separator: "-")
        return parts.enumerated().map {
            $0.offset == 0 ? String($0.element) : $0.element.prefix(1).uppercased() + $0.element.dropFirst()
        }.joined()
    }

    static func namespace(_ spec: RenderSpec) -> YAMLNode {
        .text([.expression("{{ .Release.Namespace }}", spec.namespace)])
    }

    static func commonLabels(_ spec: RenderSpec) -> [(String, YAMLNode)] {
        [
            ("app.kubernetes.io/part-of", .string(spec.name)),
            ("app.kubernetes.io/managed-by", .string("berth")),
        ]
    }

    static func selector(_ spec: RenderSpec, _ component: Component, instance: Int?) -> [(String, YAMLNode)] {
        var labels: [(String, YAMLNode)] = [
            ("app.kubernetes.io/instance", .string(spec.name)),
            ("app.kubernetes.io/component", .string(component.name)),
        ]
        if let instance, component.instances > 0 { labels.append(("berth.dev/node", .string(String(instance)))) }
        return labels
    }

    static func labels(_ spec: RenderSpec, _ component: Component, instance: Int?) -> [(String, YAMLNode)] {
        [("app.kubernetes.io/name", .string(component.distribution))] + selector(spec, component, instance: instance)
            + [("app.kubernetes.io/version", .string(component.productVersion))] + commonLabels(spec)
    }

    static func metadata(
        _ spec: RenderSpec, name: String, labels: [(String, YAMLNode)], annotations: [(String, YAMLNode)] = []
    ) -> YAMLNode {
        var entries: [(String, YAMLNode)] = [
            ("name", .string(name)), ("namespace", namespace(spec)), ("labels", .map(labels)),
        ]
        if !annotations.isEmpty { entries.append(("annotations", .map(annotations))) }
        return .map(entries)
    }

    /// The value each config checksum is computed over, in Go's toJson form.
    static func checksum(_ spec: RenderSpec) -> TextPart {
        // The host names the pattern uses, as Go's toJson orders map keys.
        let used = Set(Catalog.components(for: spec).map(ChartGenerator.hostKey))
        let hosts = [("gateway", spec.gatewayHost), ("identity", spec.identityHost), ("portal", spec.portalHost)]
            .filter { used.contains($0.0) }.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",")
        let json = "[\"\(spec.databaseHost)\",\(spec.effectiveDatabasePort),{\(hosts)}]"
        let digest = SHA256.hash(data: Array(json.utf8)).map { String(format: "%02x", $0) }.joined()
        return .expression(
            "{{ list .Values.database.host .Values.database.port .Values.ingress.hosts | toJson | sha256sum }}", digest)
    }

    static func podAnnotations(_ spec: RenderSpec) -> [(String, YAMLNode)] {
        var annotations: [(String, YAMLNode)] = [("checksum/config", .text([checksum(spec)]))]
        if spec.prometheus {
            annotations += [
                ("prometheus.io/scrape", .text([.literal("true")])),
                ("prometheus.io/port", .text([.literal(String(Catalog.metricsPort))])),
                ("prometheus.io/path", .string("/metrics")),
            ]
        }
        return annotations
    }

    static func documents(_ spec: RenderSpec) -> [Document] {
        let components = Catalog.components(for: spec)
        var documents: [Document] = [serviceAccount(spec)]
        for component in components {
            let prefix = component.name
            for instance in 1...component.deploymentCount {
                documents.append(
                    Document(
                        file: "\(prefix)-configmap.yaml",
                        node: configMap(spec, component, instance: instance, all: components)))
            }
            for instance in 1...component.deploymentCount {
                documents.append(
                    Document(file: "\(prefix)-deployment.yaml", node: deployment(spec, component, instance: instance)))
            }
            documents.append(Document(file: "\(prefix)-service.yaml", node: service(spec, component, instance: nil)))
            if component.instances > 0 {
                for instance in 1...component.instances {
                    documents.append(
                        Document(file: "\(prefix)-service.yaml", node: service(spec, component, instance: instance)))
                }
            }
            if component.instances == 0, let scaling = component.autoscaling {
                documents.append(Document(file: "\(prefix)-hpa.yaml", node: hpa(spec, component, scaling)))
            }
            documents.append(Document(file: "\(prefix)-pdb.yaml", node: pdb(spec, component)))
            if !component.sharedPaths.isEmpty {
                documents.append(Document(file: "\(prefix)-pvc.yaml", node: pvc(spec, component)))
            }
            if component.host != nil {
                documents.append(Document(file: "\(prefix)-ingress.yaml", node: ingress(spec, component)))
            }
        }
        if spec.networkPolicies {
            documents += networkPolicies(spec, components).map { Document(file: "networkpolicies.yaml", node: $0) }
        }
        return documents
    }

    static func serviceAccount(_ spec: RenderSpec) -> Document {
        Document(
            file: "serviceaccount.yaml",
            node: .map([
                ("apiVersion", .string("v1")), ("kind", .string("ServiceAccount")),
                ("metadata", metadata(spec, name: spec.name, labels: commonLabels(spec))),
                ("automountServiceAccountToken", .bool(false)),
            ]))
    }

    static func configMap(_ spec: RenderSpec, _ component: Component, instance: Int, all: [Component]) -> YAMLNode {
        .map([
            ("apiVersion", .string("v1")), ("kind", .string("ConfigMap")),
            (
                "metadata",
                metadata(
                    spec, name: Names.configMap(spec, component, instance),
                    labels: labels(spec, component, instance: instance))
            ),
            (
                "data",
                .map([("deployment.toml", .block(DeploymentConfig.toml(spec, component, instance: instance, all: all)))]
                )
            ),
        ])
    }

    static func secretEnv(_ spec: RenderSpec, _ name: String, _ key: String) -> YAMLNode {
        .map([
            ("name", .string(name)),
            (
                "valueFrom",
                .map([
                    (
                        "secretKeyRef",
                        .map([
                            ("name", .value("credentialsSecret", .string(spec.credentialsSecret))),
                            ("key", .string(key)),
                        ])
                    )
                ])
            ),
        ])
    }

    static func deployment(_ spec: RenderSpec, _ component: Component, instance: Int) -> YAMLNode {
        let valuesKey = key(component)
        let home = ImageGenerator.home
        let uid = Catalog.uid
        var env: [YAMLNode] = [
            .map([
                ("name", .string("NODE_IP")),
                ("valueFrom", .map([("fieldRef", .map([("fieldPath", .string("status.podIP"))]))])),
            ]),
            .map([("name", .string("JVM_MEM_OPTS")), ("value", .string("-XX:MaxRAMPercentage=70.0"))]),
            secretEnv(spec, "ADMIN_USERNAME", "admin-username"), secretEnv(spec, "ADMIN_PASSWORD", "admin-password"),
            secretEnv(spec, "SHARED_DB_USERNAME", "shared-db-username"),
            secretEnv(spec, "SHARED_DB_PASSWORD", "shared-db-password"),
            secretEnv(spec, "KEYSTORE_PASSWORD", "keystore-password"),
            secretEnv(spec, "ENCRYPTION_KEY", "encryption-key"),
        ]
        if component.isAPIM {
            env += [
                secretEnv(spec, "APIM_DB_USERNAME", "apim-db-username"),
                secretEnv(spec, "APIM_DB_PASSWORD", "apim-db-password"),
            ]
        } else {
            env += [
                secretEnv(spec, "IDENTITY_DB_USERNAME", "identity-db-username"),
                secretEnv(spec, "IDENTITY_DB_PASSWORD", "identity-db-password"),
            ]
        }
        var mounts: [YAMLNode] = [
            .map([
                ("name", .string("config")),
                ("mountPath", .string("\(home)/wso2-config-volume/repository/conf/deployment.toml")),
                ("subPath", .string("deployment.toml")), ("readOnly", .bool(true)),
            ])
        ]
        var volumes: [YAMLNode] = [
            .map([
                ("name", .string("config")),
                (
                    "configMap",
                    .map([("name", .string(Names.configMap(spec, component, instance))), ("defaultMode", .int(0o440))])
                ),
            ])
        ]
        if !component.sharedPaths.isEmpty {
            for path in component.sharedPaths {
                let sub = path.split(separator: "/").last.map(String.init) ?? path
                mounts.append(
                    .map([("name", .string("shared")), ("mountPath", .string(path)), ("subPath", .string(sub))]))
            }
            volumes.append(
                .map([
                    ("name", .string("shared")),
                    ("persistentVolumeClaim", .map([("claimName", .string(Names.base(spec, component) + "-shared"))])),
                ]))
        }
        func probe(path: String, port: Int, scheme: String, period: Int, failures: Int) -> YAMLNode {
            .map([
                ("httpGet", .map([("path", .string(path)), ("port", .int(port)), ("scheme", .string(scheme))])),
                ("periodSeconds", .int(period)), ("timeoutSeconds", .int(5)), ("failureThreshold", .int(failures)),
            ])
        }
        let container: YAMLNode = .map([
            ("name", .string(component.name)),
            (
                "image",
                .text([
                    .value("images.registry", .string(spec.registry)), .literal("/\(component.distribution):"),
                    .value("\(valuesKey).imageTag", .string(Names.tag(spec, component))),
                ])
            ),
            ("imagePullPolicy", .string("IfNotPresent")),
            (
                "ports",
                .list(
                    component.ports.map {
                        .map([
                            ("name", .string($0.name)), ("containerPort", .int($0.port)), ("protocol", .string("TCP")),
                        ])
                    })
            ),
            ("env", .list(env)),
            (
                "resources",
                .map([
                    (
                        "requests",
                        .map([
                            (
                                "cpu",
                                .text([.value("\(valuesKey).resources.requests.cpu", .string(component.cpuRequest))])
                            ),
                            (
                                "memory",
                                .text([
                                    .value("\(valuesKey).resources.requests.memory", .string(component.memoryRequest))
                                ])
                            ),
                        ])
                    ),
                    (
                        "limits",
                        .map([
                            ("cpu", .text([.value("\(valuesKey).resources.limits.cpu", .string(component.cpuLimit))])),
                            (
                                "memory",
                                .text([.value("\(valuesKey).resources.limits.memory", .string(component.memoryLimit))])
                            ),
                        ])
                    ),
                ])
            ),
            (
                "startupProbe",
                .map([
                    ("tcpSocket", .map([("port", .int(9443))])), ("periodSeconds", .int(10)),
                    ("timeoutSeconds", .int(5)), ("failureThreshold", .int(60)),
                ])
            ),
            (
                "readinessProbe",
                probe(
                    path: component.readinessPath, port: component.readinessPort, scheme: component.readinessScheme,
                    period: 10, failures: 3)
            ),
            (
                "livenessProbe",
                probe(
                    path: component.livenessPath, port: component.livenessPort, scheme: component.livenessScheme,
                    period: 20, failures: 3)
            ),
            (
                "lifecycle",
                .map([
                    (
                        "preStop",
                        .map([
                            (
                                "exec",
                                .map([
                                    (
                                        "command",
                                        .list([
                                            .string("sh"), .string("-c"),
                                            .string(
                                                "sleep 10; \"${WSO2_SERVER_HOME}/bin/\(component.startScript)\" stop || true"
                                            ),
                                        ])
                                    )
                                ])
                            )
                        ])
                    )
                ])
            ),
            (
                "securityContext",
                .map([
                    ("allowPrivilegeEscalation", .bool(false)), ("privileged", .bool(false)),
                    ("runAsNonRoot", .bool(true)),
                    ("runAsUser", .int(uid)), ("runAsGroup", .int(uid)),
                    // The entrypoint copies mounted configuration into the product home: the root file system stays writable.
                    ("readOnlyRootFilesystem", .bool(false)),
                    ("capabilities", .map([("drop", .list([.string("ALL")]))])),
                ])
            ),
            ("volumeMounts", .list(mounts)),
        ])
        var podSpec: [(String, YAMLNode)] = [
            ("serviceAccountName", .string(spec.name)),
            ("automountServiceAccountToken", .bool(false)),
            ("terminationGracePeriodSeconds", .int(90)),
            (
                "securityContext",
                .map([
                    ("runAsNonRoot", .bool(true)), ("runAsUser", .int(uid)), ("runAsGroup", .int(uid)),
                    ("fsGroup", .int(uid)),
                    ("seccompProfile", .map([("type", .string("RuntimeDefault"))])),
                ])
            ),
            (
                "affinity",
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
                                                    .map([
                                                        ("matchLabels", .map(selector(spec, component, instance: nil)))
                                                    ])
                                                ),
                                            ])
                                        ),
                                    ])
                                ])
                            )
                        ])
                    )
                ])
            ),
        ]
        if let secret = spec.pullSecret {
            podSpec.append(("imagePullSecrets", .list([.map([("name", .string(secret))])])))
        }
        podSpec += [("containers", .list([container])), ("volumes", .list(volumes))]
        var deploymentSpec: [(String, YAMLNode)] = []
        if component.instances > 0 {
            deploymentSpec.append(("replicas", .int(1)))
        } else if component.autoscaling == nil {
            deploymentSpec.append(("replicas", .value("\(valuesKey).replicas", .int(component.replicas))))
        }
        deploymentSpec += [
            ("revisionHistoryLimit", .int(10)),
            ("progressDeadlineSeconds", .int(900)),
            (
                "strategy",
                .map([
                    ("type", .string("RollingUpdate")),
                    ("rollingUpdate", .map([("maxSurge", .int(1)), ("maxUnavailable", .int(0))])),
                ])
            ),
            ("selector", .map([("matchLabels", .map(selector(spec, component, instance: instance)))])),
            (
                "template",
                .map([
                    (
                        "metadata",
                        .map([
                            ("labels", .map(labels(spec, component, instance: instance))),
                            ("annotations", .map(podAnnotations(spec))),
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
                    spec, name: Names.deployment(spec, component, instance),
                    labels: labels(spec, component, instance: instance))
            ),
            ("spec", .map(deploymentSpec)),
        ])
    }

    static func service(_ spec: RenderSpec, _ component: Component, instance: Int?) -> YAMLNode {
        let name = instance.map { Names.instanceService(spec, component, $0) } ?? Names.service(spec, component)
        let ports = component.ports
        return .map([
            ("apiVersion", .string("v1")), ("kind", .string("Service")),
            ("metadata", metadata(spec, name: name, labels: labels(spec, component, instance: instance))),
            (
                "spec",
                .map([
                    ("type", .string("ClusterIP")),
                    ("selector", .map(selector(spec, component, instance: instance))),
                    (
                        "ports",
                        .list(
                            ports.map {
                                .map([
                                    ("name", .string($0.name)), ("port", .int($0.port)),
                                    ("targetPort", .string($0.name)), ("protocol", .string("TCP")),
                                ])
                            })
                    ),
                ])
            ),
        ])
    }

    static func hpa(_ spec: RenderSpec, _ component: Component, _ scaling: RenderSpec.Autoscaling) -> YAMLNode {
        let valuesKey = key(component)
        return .map([
            ("apiVersion", .string("autoscaling/v2")), ("kind", .string("HorizontalPodAutoscaler")),
            (
                "metadata",
                metadata(spec, name: Names.base(spec, component), labels: labels(spec, component, instance: nil))
            ),
            (
                "spec",
                .map([
                    (
                        "scaleTargetRef",
                        .map([
                            ("apiVersion", .string("apps/v1")), ("kind", .string("Deployment")),
                            ("name", .string(Names.deployment(spec, component, 1))),
                        ])
                    ),
                    ("minReplicas", .value("\(valuesKey).autoscaling.minReplicas", .int(scaling.minReplicas))),
                    ("maxReplicas", .value("\(valuesKey).autoscaling.maxReplicas", .int(scaling.maxReplicas))),
                    (
                        "metrics",
                        .list([
                            .map([
                                ("type", .string("Resource")),
                                (
                                    "resource",
                                    .map([
                                        ("name", .string("cpu")),
                                        (
                                            "target",
                                            .map([
                                                ("type", .string("Utilization")),
                                                (
                                                    "averageUtilization",
                                                    .value(
                                                        "\(valuesKey).autoscaling.cpuUtilization",
                                                        .int(scaling.cpuUtilization))
                                                ),
                                            ])
                                        ),
                                    ])
                                ),
                            ])
                        ])
                    ),
                ])
            ),
        ])
    }

    static func pdb(_ spec: RenderSpec, _ component: Component) -> YAMLNode {
        .map([
            ("apiVersion", .string("policy/v1")), ("kind", .string("PodDisruptionBudget")),
            (
                "metadata",
                metadata(spec, name: Names.base(spec, component), labels: labels(spec, component, instance: nil))
            ),
            (
                "spec",
                .map([
                    ("maxUnavailable", .int(1)),
                    ("selector", .map([("matchLabels", .map(selector(spec, component, instance: nil)))])),
                ])
            ),
        ])
    }

    static func pvc(_ spec: RenderSpec, _ component: Component) -> YAMLNode {
        .map([
            ("apiVersion", .string("v1")), ("kind", .string("PersistentVolumeClaim")),
            (
                "metadata",
                metadata(
                    spec, name: Names.base(spec, component) + "-shared", labels: labels(spec, component, instance: nil))
            ),
            (
                "spec",
                .map([
                    ("accessModes", .list([.string("ReadWriteMany")])),
                    ("storageClassName", .text([.value("storage.storageClass", .string(spec.storageClass))])),
                    (
                        "resources",
                        .map([
                            (
                                "requests",
                                .map([("storage", .text([.value("storage.size", .string(spec.storageSize))]))])
                            )
                        ])
                    ),
                ])
            ),
        ])
    }

    static func ingress(_ spec: RenderSpec, _ component: Component) -> YAMLNode {
        let hostKey: String
        let host: String
        switch component.name {
        case "gateway": (hostKey, host) = ("gateway", spec.gatewayHost)
        case "identity-server": (hostKey, host) = ("identity", spec.identityHost)
        default: (hostKey, host) = ("portal", spec.portalHost)
        }
        let port = component.ports.first { $0.external && $0.port != 9443 } ?? component.ports.first { $0.external }!
        let hostText: YAMLNode = .text([.value("ingress.hosts.\(hostKey)", .string(host))])
        var annotations: [(String, YAMLNode)] = [("nginx.ingress.kubernetes.io/backend-protocol", .string("HTTPS"))]
        if component.name != "gateway" {
            annotations += [
                ("nginx.ingress.kubernetes.io/affinity", .string("cookie")),
                ("nginx.ingress.kubernetes.io/session-cookie-name", .string("route")),
            ]
        }
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
                                ("hosts", .list([hostText])),
                                ("secretName", .text([.value("ingress.tlsSecret", .string(spec.tlsSecret))])),
                            ])
                        ])
                    ),
                    (
                        "rules",
                        .list([
                            .map([
                                ("host", hostText),
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
                                                                    ("port", .map([("number", .int(port.port))])),
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

    /// Default deny for ingress to every pod of the deployment, then exactly the flows it needs.
    static func networkPolicies(_ spec: RenderSpec, _ components: [Component]) -> [YAMLNode] {
        func policy(_ name: String, podSelector: [(String, YAMLNode)], ingress: [YAMLNode]?) -> YAMLNode {
            var body: [(String, YAMLNode)] = [
                ("podSelector", .map([("matchLabels", .map(podSelector))])),
                ("policyTypes", .list([.string("Ingress")])),
            ]
            if let ingress { body.append(("ingress", .list(ingress))) }
            return .map([
                ("apiVersion", .string("networking.k8s.io/v1")), ("kind", .string("NetworkPolicy")),
                ("metadata", metadata(spec, name: name, labels: commonLabels(spec))),
                ("spec", .map(body)),
            ])
        }
        func from(_ component: Component) -> YAMLNode {
            .map([("podSelector", .map([("matchLabels", .map(selector(spec, component, instance: nil)))]))])
        }
        func ports(_ numbers: [Int]) -> YAMLNode {
            .list(numbers.map { .map([("protocol", .string("TCP")), ("port", .int($0))]) })
        }
        var policies = [
            policy(
                "\(spec.name)-default-deny", podSelector: [("app.kubernetes.io/instance", .string(spec.name))],
                ingress: nil)
        ]
        let byName = Dictionary(uniqueKeysWithValues: components.map { ($0.name, $0) })
        for component in components {
            var rules: [YAMLNode] = []
            let external = component.ports.filter(\.external).map(\.port)
            if !external.isEmpty {
                // From the ingress controller, wherever it runs.
                rules.append(
                    .map([("from", .list([.map([("namespaceSelector", .map([]))])])), ("ports", ports(external))]))
            }
            if spec.prometheus {
                // Prometheus scrapes from its own namespace.
                rules.append(
                    .map([
                        ("from", .list([.map([("namespaceSelector", .map([]))])])),
                        ("ports", ports([Catalog.metricsPort])),
                    ]))
            }
            // Peers of the same component (HA pair, clustering).
            rules.append(.map([("from", .list([from(component)])), ("ports", ports(component.ports.map(\.port)))]))
            for flow in Catalog.flows(for: spec) where flow.to == component.name {
                guard let caller = byName[flow.from] else { continue }
                rules.append(.map([("from", .list([from(caller)])), ("ports", ports(flow.ports))]))
            }
            policies.append(
                policy(
                    Names.base(spec, component), podSelector: selector(spec, component, instance: nil), ingress: rules))
        }
        return policies
    }
}

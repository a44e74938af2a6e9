/// Deployments: pod template, containers, probes, volumes, security context.
extension KubernetesGenerator {
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
}

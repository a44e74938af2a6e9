/// ConfigMaps and Secret references.
extension KubernetesGenerator {
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
}

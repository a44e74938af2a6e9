/// HorizontalPodAutoscalers and PodDisruptionBudgets.
extension KubernetesGenerator {
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
}

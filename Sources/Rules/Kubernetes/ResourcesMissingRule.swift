import BerthCore
import Kubernetes

/// A container without CPU and memory requests, or without a memory limit.
public struct ResourcesMissingRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-resources-missing", practice: .resourceRequests, severity: .warning, target: .kubernetes,
        summary: "a container has no CPU or memory request, or no memory limit",
        rationale: """
            resource-requests: the scheduler places pods by their requests, an HPA computes CPU \
            utilisation against the CPU request, and a memory limit stops one JVM from taking the \
            node's memory. A container without them is scheduled blind and cannot be autoscaled.
            """,
        fix: "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory.",
        triggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata:
                  name: db
                spec:
                  serviceName: db
                  selector:
                    matchLabels: {app: db}
                  template:
                    metadata:
                      labels: {app: db}
                    spec:
                      containers:
                ↓        - name: db
                          image: registry.example.com/postgres:16.4
                        - name: exporter
                          image: registry.example.com/exporter:0.15
                ↓          resources:
                            requests: {cpu: 50m}
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata:
                  name: db
                spec:
                  serviceName: db
                  selector:
                    matchLabels: {app: db}
                  template:
                    metadata:
                      labels: {app: db}
                    spec:
                      containers:
                        - name: db
                          image: registry.example.com/postgres:16.4
                          resources:
                            requests: {cpu: 500m, memory: 1Gi}
                            limits: {memory: 1Gi}
                """)
        ])

    public init() {}

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        let resources = container.node["resources"]
        var missing: [String] = []
        if resources?.at("requests", "cpu") == nil { missing.append("requests.cpu") }
        if resources?.at("requests", "memory") == nil { missing.append("requests.memory") }
        if resources?.at("limits", "memory") == nil { missing.append("limits.memory") }
        guard !missing.isEmpty else { return [] }
        return [
            Problem(
                at: resources ?? container.node["name"] ?? container.node,
                "container '\(container.name)' has no \(missing.joined(separator: ", "))")
        ]
    }
}

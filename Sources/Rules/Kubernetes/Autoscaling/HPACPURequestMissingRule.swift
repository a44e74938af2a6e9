import BerthCore
import Kubernetes

/// A container of a CPU-scaled workload without a CPU request.
public struct HPACPURequestMissingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-hpa-cpu-request-missing", practice: .cpuAutoscaling, severity: .warning,
        target: .kubernetes,
        summary: "a container of a workload scaled on CPU has no CPU request",
        rationale: """
            The practice "Configure Horizontal Pod Autoscaling (HPA) based on CPU" (cpu-autoscaling): \
            CPU utilisation is computed against the containers' CPU requests, so the autoscaler \
            cannot compute it for a target whose containers have none, and never scales it.
            """,
        fix: "Give every container of the scaled workload a resources.requests.cpu.",
        triggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gw
                spec:
                  selector:
                    matchLabels: {app: gw}
                  template:
                    metadata:
                      labels: {app: gw}
                    spec:
                      containers:
                ↓        - name: gw
                          image: registry.example.com/gw:4.5.0
                          resources:
                            requests: {memory: 2Gi}
                ---
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: gw
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: gw}
                  minReplicas: 2
                  maxReplicas: 5
                  metrics:
                    - type: Resource
                      resource:
                        name: cpu
                        target: {type: Utilization, averageUtilization: 75}
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gw
                spec:
                  selector:
                    matchLabels: {app: gw}
                  template:
                    metadata:
                      labels: {app: gw}
                    spec:
                      containers:
                        - name: gw
                          image: registry.example.com/gw:4.5.0
                          resources:
                            requests: {cpu: "1", memory: 2Gi}
                ---
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: gw
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: gw}
                  minReplicas: 2
                  maxReplicas: 5
                  metrics:
                    - type: Resource
                      resource:
                        name: cpu
                        target: {type: Utilization, averageUtilization: 75}
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        var out: [KubernetesFinding] = []
        for autoscaler in context.set.autoscalers where autoscaler.resourceMetrics.contains("cpu") {
            let object = autoscaler.object
            guard let kind = autoscaler.targetKind, let name = autoscaler.targetName,
                let target = context.set.object(kind: kind, named: name, near: object), let pod = target.pod
            else { continue }
            for container in pod.containers where container.node.at("resources", "requests", "cpu") == nil {
                out.append(
                    context.finding(
                        Self.description, target, at: container.node["name"] ?? container.node,
                        message:
                            "container '\(container.name)' has no CPU request, so \(object.displayName) cannot compute CPU utilisation",
                        container: container.name))
            }
        }
        return out
    }
}

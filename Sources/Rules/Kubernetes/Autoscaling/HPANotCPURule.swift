import BerthCore
import Kubernetes

/// An HPA with no CPU resource metric.
public struct HPANotCPURule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-hpa-not-cpu", practice: .cpuAutoscaling, severity: .warning, target: .kubernetes,
        summary: "an HPA does not scale on CPU",
        rationale: """
            The practice "Configure Horizontal Pod Autoscaling (HPA) based on CPU" (cpu-autoscaling): \
            a WSO2 JVM holds its heap, so memory utilisation does not fall when load does and a \
            memory-only HPA never scales in; custom metrics alone depend on an adapter the deployment \
            may not have.
            """,
        fix: "Add a CPU Resource metric (autoscaling/v2, target type Utilization).",
        triggering: [
            RuleExample(
                """
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: gw
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: gw}
                  minReplicas: 2
                  maxReplicas: 5
                ↓  metrics:
                    - type: Resource
                      resource:
                        name: memory
                        target: {type: Utilization, averageUtilization: 75}
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
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
                    - type: Resource
                      resource:
                        name: memory
                        target: {type: Utilization, averageUtilization: 90}
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        context.set.autoscalers.compactMap { autoscaler in
            guard !autoscaler.resourceMetrics.contains("cpu") else { return nil }
            let object = autoscaler.object
            let names =
                autoscaler.resourceMetrics.isEmpty
                ? "custom metrics only" : autoscaler.resourceMetrics.joined(separator: ", ")
            return context.finding(
                Self.description, object, at: autoscaler.metricsNode,
                message:
                    "\(object.displayName) scales on \(names), not CPU: a JVM's memory does not fall when load does"
            )
        }
    }
}

import BerthCore
import Kubernetes

/// An HPA whose minimum replica count exceeds its maximum.
public struct HPAMinAboveMaxRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-hpa-min-above-max", practice: .cpuAutoscaling, severity: .warning, target: .kubernetes,
        summary: "an HPA's minReplicas is above its maxReplicas",
        rationale: """
            The practice "Configure Horizontal Pod Autoscaling (HPA) based on CPU" (cpu-autoscaling): \
            with minReplicas above maxReplicas the API server rejects the object, or the autoscaler \
            is pinned and never scales.
            """,
        fix: "Make minReplicas at most maxReplicas.",
        triggering: [
            RuleExample(
                """
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: gw
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: gw}
                ↓  minReplicas: 5
                  maxReplicas: 3
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
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: gw
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: gw}
                  minReplicas: 3
                  maxReplicas: 3
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        context.set.autoscalers.compactMap { autoscaler in
            guard let max = autoscaler.maxReplicas, autoscaler.minReplicas > max else { return nil }
            let object = autoscaler.object
            return context.finding(
                Self.description, object, at: autoscaler.minNode,
                message: "\(object.displayName) has minReplicas \(autoscaler.minReplicas) above maxReplicas \(max)")
        }
    }
}

import BerthCore
import Kubernetes

/// An HPA whose scaleTargetRef lacks a kind or name.
public struct HPATargetIncompleteRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-hpa-target-incomplete", practice: .cpuAutoscaling, severity: .warning,
        target: .kubernetes,
        summary: "an HPA has no complete scaleTargetRef (kind and name)",
        rationale: """
            The practice "Configure Horizontal Pod Autoscaling (HPA) based on CPU" (cpu-autoscaling): \
            an autoscaler without a target kind and name scales nothing, and the workload it was meant \
            for keeps its fixed replica count under load.
            """,
        fix: "Set scaleTargetRef to the apiVersion, kind and name of the Deployment or StatefulSet to scale.",
        triggering: [
            RuleExample(
                """
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: gw
                spec:
                ↓  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment}
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
        context.set.autoscalers.compactMap { autoscaler in
            guard autoscaler.targetKind == nil || autoscaler.targetName == nil else { return nil }
            let object = autoscaler.object
            return context.finding(
                Self.description, object, at: autoscaler.targetNode ?? object.spec,
                message: "\(object.displayName) has no complete scaleTargetRef (kind and name): it scales nothing")
        }
    }
}

import BerthCore
import Kubernetes

/// An autoscaling/v1 HPA that configures metrics through alpha annotations.
public struct HPAAlphaAnnotationRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-hpa-alpha-annotation", practice: .cpuAutoscaling, severity: .warning,
        target: .kubernetes,
        summary: "an autoscaling/v1 HPA sets autoscaling.alpha.kubernetes.io annotations, which clusters ignore",
        rationale: """
            The practice "Configure Horizontal Pod Autoscaling (HPA) based on CPU" (cpu-autoscaling): \
            the alpha metric annotations of autoscaling/v1 are ignored by current clusters, so the \
            metrics they describe never drive scaling.
            """,
        fix: "Move the metrics to an autoscaling/v2 HorizontalPodAutoscaler's spec.metrics.",
        triggering: [
            RuleExample(
                """
                apiVersion: autoscaling/v1
                kind: HorizontalPodAutoscaler
                metadata:
                  name: gw
                  annotations:
                ↓    autoscaling.alpha.kubernetes.io/metrics: '[{"type":"Resource"}]'
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: gw}
                  minReplicas: 2
                  maxReplicas: 5
                  targetCPUUtilizationPercentage: 75
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: autoscaling/v1
                kind: HorizontalPodAutoscaler
                metadata:
                  name: gw
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: gw}
                  minReplicas: 2
                  maxReplicas: 5
                  targetCPUUtilizationPercentage: 75
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        var out: [KubernetesFinding] = []
        for autoscaler in context.set.autoscalers where autoscaler.isV1 {
            let object = autoscaler.object
            for entry in object.metadata?["annotations"]?.entries ?? []
            where entry.key.hasPrefix("autoscaling.alpha.kubernetes.io/") {
                out.append(
                    context.finding(
                        Self.description, object, at: entry.value,
                        message:
                            "\(object.displayName) sets '\(entry.key)', which current clusters ignore: use autoscaling/v2 metrics"
                    ))
            }
        }
        return out
    }
}

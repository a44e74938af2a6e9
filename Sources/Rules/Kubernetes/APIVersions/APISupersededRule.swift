import BerthCore
import Kubernetes

/// An object written in an API version that still works but has a successor.
public struct APISupersededRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-api-superseded", practice: .currentAPIs, severity: .info, target: .kubernetes,
        summary: "an object uses a Kubernetes API version that is superseded but still served",
        rationale: """
            current-apis: a superseded apiVersion (autoscaling/v1 for HorizontalPodAutoscaler) still \
            works but lacks what its successor offers (autoscaling/v2 metrics and behaviour) and is \
            the next to go. The replacement is named in the finding.
            """,
        fix: "Move the object to the replacement apiVersion (and adjust fields that changed shape).",
        triggering: [
            RuleExample(
                """
                ↓apiVersion: autoscaling/v1
                kind: HorizontalPodAutoscaler
                metadata:
                  name: web
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
                  maxReplicas: 4
                  targetCPUUtilizationPercentage: 70
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: web
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
                  maxReplicas: 4
                  metrics:
                    - type: Resource
                      resource:
                        name: cpu
                        target: {type: Utilization, averageUtilization: 70}
                ---
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: api
                spec:
                  minAvailable: 1
                  selector:
                    matchLabels: {app: api}
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        context.set.objects.compactMap { object in
            guard let entry = APIVersions.entry(for: object), entry.removedIn == nil else { return nil }
            return context.finding(
                Self.description, object, at: object.root["apiVersion"],
                message: "\(object.kind) \(object.apiVersion) is superseded: use \(entry.replacement)")
        }
    }
}

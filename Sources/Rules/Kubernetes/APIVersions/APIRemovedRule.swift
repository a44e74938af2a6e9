import BerthCore
import Kubernetes

/// An object written in an API version current clusters no longer serve.
public struct APIRemovedRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-api-removed", practice: .currentAPIs, severity: .error, target: .kubernetes,
        summary: "an object uses a Kubernetes API version that has been removed",
        rationale: """
            current-apis: a removed apiVersion (extensions/v1beta1, apps/v1beta2, policy/v1beta1, \
            autoscaling/v2beta2, ...) makes the API server reject the manifest on a current cluster. \
            The finding names the release that removed it and the replacement.
            """,
        fix: "Move the object to the replacement apiVersion (and adjust fields that changed shape).",
        triggering: [
            RuleExample(
                """
                ↓apiVersion: autoscaling/v2beta2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: api
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
                  minReplicas: 2
                  maxReplicas: 4
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: api
                spec:
                  minAvailable: 1
                  selector:
                    matchLabels: {app: api}
                ---
                apiVersion: autoscaling/v1
                kind: HorizontalPodAutoscaler
                metadata:
                  name: web
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
                  maxReplicas: 4
                  targetCPUUtilizationPercentage: 70
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        context.set.objects.compactMap { object in
            guard let entry = APIVersions.entry(for: object), let removed = entry.removedIn else { return nil }
            return context.finding(
                Self.description, object, at: object.root["apiVersion"],
                message:
                    "\(object.kind) \(object.apiVersion) was removed in Kubernetes \(removed): use \(entry.replacement)"
            )
        }
    }
}

import BerthCore
import Kubernetes

/// An HPA whose target workload is not in the set.
public struct HPATargetMissingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-hpa-target-missing", practice: .serviceInterconnect, severity: .error,
        target: .kubernetes,
        summary: "an HPA scales a workload that is not in the set",
        rationale: """
            service-interconnect: an autoscaler whose scaleTargetRef names a workload the deployment \
            does not hold scales nothing, and the workload it was meant for (often renamed) keeps a \
            fixed replica count. Judged only when the set holds a pod-bearing object in the \
            autoscaler's namespace.
            """,
        fix: "Make scaleTargetRef name the kind and name of the workload to scale.",
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
                        - name: gw
                          image: registry.example.com/gw:4.5.0
                ---
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: gw
                spec:
                ↓  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: gw-deployment}
                  minReplicas: 2
                  maxReplicas: 5
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
                ---
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: gw
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: gw}
                  minReplicas: 2
                  maxReplicas: 5
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        guard !set.workloads.isEmpty else { return [] }
        return set.autoscalers.compactMap { autoscaler in
            guard let kind = autoscaler.targetKind, let name = autoscaler.targetName,
                context.scope.holdsPods(inNamespaceOf: autoscaler.object),
                context.scope.canSettleMissing(from: autoscaler.object),
                set.object(kind: kind, named: name, near: autoscaler.object) == nil
            else { return nil }
            return context.finding(
                Self.description, autoscaler.object, at: autoscaler.targetNode,
                message: "\(autoscaler.object.displayName) scales \(kind)/\(name), which is not in the set")
        }
    }
}

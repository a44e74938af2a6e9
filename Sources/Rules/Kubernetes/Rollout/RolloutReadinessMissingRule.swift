import BerthCore
import Kubernetes

/// A Service-backed Deployment whose rollout has no readiness gate.
public struct RolloutReadinessMissingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-rollout-readiness-missing", practice: .rollingUpdates, severity: .warning,
        target: .kubernetes,
        summary: "a Service-backed Deployment rolls out with no readiness probe and no minReadySeconds",
        rationale: """
            The practice "Use Kubernetes Rolling Updates ... roll back" (rolling-updates): a rolling \
            update counts a pod as available the moment it starts unless a readiness probe or \
            minReadySeconds says otherwise, so old pods stop before the new ones (a WSO2 server takes \
            a minute to start) serve.
            """,
        fix: "Give the serving container a readiness probe, or set minReadySeconds.",
        triggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: km
                spec:
                  replicas: 2
                ↓  strategy:
                    rollingUpdate: {maxUnavailable: 1, maxSurge: 1}
                  selector:
                    matchLabels: {app: km}
                  template:
                    metadata:
                      labels: {app: km}
                    spec:
                      containers:
                        - name: km
                          image: registry.example.com/km:4.5.0
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: km
                spec:
                  selector: {app: km}
                  ports:
                    - port: 9443
                """)
        ],
        nonTriggering: [RuleExample(Rollouts.deploymentExample)])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        Rollouts.deployments(context).compactMap { subject in
            guard subject.served, !subject.recreates, !context.set.services(serving: subject.object).isEmpty
            else { return nil }
            let ready =
                subject.pod.containers.contains { $0.node["readinessProbe"] != nil }
                || (subject.spec["minReadySeconds"]?.int ?? 0) > 0
            guard !ready else { return nil }
            return context.finding(
                Self.description, subject.object,
                at: subject.spec["strategy"] ?? subject.pod.replicasNode ?? subject.object.root["kind"],
                message:
                    "\(subject.object.displayName) rolls out behind a Service with no readiness probe or minReadySeconds: old pods stop before new ones serve"
            )
        }
    }
}

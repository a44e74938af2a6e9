import BerthCore
import Kubernetes

/// A Deployment that keeps no old revision.
public struct RevisionHistoryZeroRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-revision-history-zero", practice: .rollingUpdates, severity: .warning,
        target: .kubernetes,
        summary: "a Deployment keeps no old revision (revisionHistoryLimit: 0) and cannot be rolled back",
        rationale: """
            The practice "Use Kubernetes Rolling Updates ... roll back" (rolling-updates): \
            `revisionHistoryLimit: 0` deletes the old ReplicaSets that `kubectl rollout undo` needs, \
            so a bad release can only be fixed forward.
            """,
        fix: "Keep revisionHistoryLimit above 0 (the default is 10).",
        triggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: batch
                spec:
                ↓  revisionHistoryLimit: 0
                  selector:
                    matchLabels: {app: batch}
                  template:
                    metadata:
                      labels: {app: batch}
                    spec:
                      containers:
                        - name: batch
                          image: registry.example.com/batch:1.0
                """)
        ],
        nonTriggering: [RuleExample(Rollouts.deploymentExample)])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        Rollouts.deployments(context).compactMap { subject in
            guard let limit = subject.spec["revisionHistoryLimit"], limit.int == 0 else { return nil }
            return context.finding(
                Self.description, subject.object, at: limit,
                message:
                    "\(subject.object.displayName) keeps no old revision (revisionHistoryLimit: 0): it cannot be rolled back"
            )
        }
    }
}

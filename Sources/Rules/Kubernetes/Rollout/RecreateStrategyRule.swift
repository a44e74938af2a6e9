import BerthCore
import Kubernetes

/// A served Deployment updated with the Recreate strategy.
public struct RecreateStrategyRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-recreate-strategy", practice: .rollingUpdates, severity: .warning, target: .kubernetes,
        summary: "a Deployment that serves traffic updates with Recreate",
        rationale: """
            The practice "Use Kubernetes Rolling Updates ... roll back" (rolling-updates): Recreate \
            stops every pod of a served workload before a new one starts, so each release is an \
            outage. A Deployment that serves nothing (no Service, no container port) is not judged.
            """,
        fix: "Use RollingUpdate with maxUnavailable below the replica count (e.g. 0 with maxSurge 1).",
        triggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gw
                spec:
                  replicas: 2
                  strategy:
                ↓    type: Recreate
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
                apiVersion: v1
                kind: Service
                metadata:
                  name: gw
                spec:
                  selector: {app: gw}
                  ports:
                    - port: 8243
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: batch
                spec:
                  strategy: {type: Recreate}
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
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        Rollouts.deployments(context).compactMap { subject in
            guard subject.served, subject.recreates, let type = subject.spec.at("strategy", "type") else { return nil }
            return context.finding(
                Self.description, subject.object, at: type,
                message:
                    "\(subject.object.displayName) serves traffic but updates with Recreate: every pod stops before a new one starts"
            )
        }
    }
}

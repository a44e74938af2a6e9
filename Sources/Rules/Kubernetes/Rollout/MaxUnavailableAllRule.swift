import BerthCore
import Kubernetes

/// A served Deployment whose maxUnavailable covers every replica.
public struct MaxUnavailableAllRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-max-unavailable-all", practice: .rollingUpdates, severity: .warning,
        target: .kubernetes,
        summary: "a served Deployment's maxUnavailable lets an update take every replica down",
        rationale: """
            The practice "Use Kubernetes Rolling Updates ... roll back" (rolling-updates): a \
            maxUnavailable as large as the replica count (a number or a percentage) lets a rolling \
            update stop every pod before new ones start, which is Recreate under another name.
            """,
        fix: "Set maxUnavailable below the replica count (e.g. 0 with maxSurge 1).",
        triggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: km
                spec:
                  replicas: 2
                  strategy:
                    rollingUpdate:
                ↓      maxUnavailable: 100%
                  selector:
                    matchLabels: {app: km}
                  template:
                    metadata:
                      labels: {app: km}
                    spec:
                      containers:
                        - name: km
                          image: registry.example.com/km:4.5.0
                          ports:
                            - containerPort: 9443
                """)
        ],
        nonTriggering: [RuleExample(Rollouts.deploymentExample)])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        Rollouts.deployments(context).compactMap { subject in
            guard subject.served, !subject.recreates,
                let unavailable = subject.spec.at("strategy", "rollingUpdate", "maxUnavailable"),
                let text = unavailable.string
            else { return nil }
            let replicas = subject.pod.replicas ?? 1
            let down: Int
            if text.hasSuffix("%"), let percent = Int(text.dropLast()) {
                down = (replicas * min(max(percent, 0), 100)) / 100
            } else {
                down = Int(text) ?? 0
            }
            guard down >= replicas else { return nil }
            return context.finding(
                Self.description, subject.object, at: unavailable,
                message:
                    "\(subject.object.displayName) allows maxUnavailable \(text) of \(replicas) replicas: an update can take all of them down"
            )
        }
    }
}

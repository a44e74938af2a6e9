import BerthCore
import Kubernetes

/// Updates that take every replica down, or cannot be rolled back.
public struct RolloutRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-rollout", practice: .rollingUpdates, severity: .warning, target: .kubernetes,
        summary: "an update strategy takes all serving replicas down, or keeps no revision to roll back to",
        rationale: """
            The practice "Use Kubernetes Rolling Updates ... roll back" (rolling-updates): a \
            Recreate strategy, or a maxUnavailable as large as the replica count, stops every pod \
            of a served workload before new ones start; `revisionHistoryLimit: 0` deletes the old \
            ReplicaSets that `kubectl rollout undo` needs. A rolling update of a Service-backed \
            Deployment with neither a readiness probe nor minReadySeconds counts a pod as available \
            the moment it starts, so old pods stop before new ones serve.
            """,
        fix:
            "Use RollingUpdate with maxUnavailable below the replica count (e.g. 0 with maxSurge 1), keep revisionHistoryLimit above 0, and gate availability on a readiness probe.",
        triggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gw
                spec:
                  replicas: 2
                ↓  revisionHistoryLimit: 0
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
                """),
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
                """),
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
                """),
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gw
                spec:
                  replicas: 2
                  revisionHistoryLimit: 5
                  strategy:
                    type: RollingUpdate
                    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
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
        var out: [KubernetesFinding] = []
        for object in context.set.workloads where object.kind == "Deployment" {
            guard let spec = object.spec, let pod = object.pod else { continue }
            let replicas = pod.replicas ?? 1
            let served = !context.set.services(serving: object).isEmpty || pod.containers.contains { !$0.ports.isEmpty }
            if let limit = spec["revisionHistoryLimit"], limit.int == 0 {
                out.append(
                    context.finding(
                        Self.description, object, at: limit,
                        message:
                            "\(object.displayName) keeps no old revision (revisionHistoryLimit: 0): it cannot be rolled back"
                    ))
            }
            guard served else { continue }
            if let type = spec.at("strategy", "type"), type.string == "Recreate" {
                out.append(
                    context.finding(
                        Self.description, object, at: type,
                        message:
                            "\(object.displayName) serves traffic but updates with Recreate: every pod stops before a new one starts"
                    ))
                continue
            }
            let backed = !context.set.services(serving: object).isEmpty
            let ready =
                pod.containers.contains { $0.node["readinessProbe"] != nil } || (spec["minReadySeconds"]?.int ?? 0) > 0
            if backed, !ready {
                out.append(
                    context.finding(
                        Self.description, object, at: spec["strategy"] ?? pod.replicasNode ?? object.root["kind"],
                        message:
                            "\(object.displayName) rolls out behind a Service with no readiness probe or minReadySeconds: old pods stop before new ones serve"
                    ))
            }
            if let unavailable = spec.at("strategy", "rollingUpdate", "maxUnavailable"), let text = unavailable.string {
                let down: Int
                if text.hasSuffix("%"), let percent = Int(text.dropLast()) {
                    down = (replicas * min(max(percent, 0), 100)) / 100
                } else {
                    down = Int(text) ?? 0
                }
                if down >= replicas {
                    out.append(
                        context.finding(
                            Self.description, object, at: unavailable,
                            message:
                                "\(object.displayName) allows maxUnavailable \(text) of \(replicas) replicas: an update can take all of them down"
                        ))
                }
            }
        }
        return out
    }
}

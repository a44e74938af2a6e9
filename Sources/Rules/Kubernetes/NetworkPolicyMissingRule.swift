import BerthCore
import Kubernetes

/// Workloads whose pods no NetworkPolicy selects, or that policies isolate in one direction only.
public struct NetworkPolicyMissingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-network-policy-missing", practice: .networkIsolation, severity: .info, target: .kubernetes,
        summary: "a workload's pods are selected by no NetworkPolicy, or isolated in one direction only",
        rationale: """
            network-isolation: without a NetworkPolicy selecting a pod, every pod in the cluster can \
            reach it; the WSO2 architecture needs only gateway to control plane, traffic manager and \
            key manager, and everything to the database. WSO2's charts ship no NetworkPolicy. Isolation \
            is per direction: a pod that policies select for ingress only can still open connections \
            anywhere (exfiltration, lateral movement), and one selected for egress only accepts them \
            from anywhere, so the open direction is reported. A policy without `policyTypes` isolates \
            ingress, and egress too when it has egress rules, as Kubernetes defaults it. Info, \
            because policies are often kept outside the application's manifests; a deliberately open \
            direction is best written as a policy admitting everything (`egress: [{}]`), which says so.
            """,
        fix: """
            Add NetworkPolicies that select the workload's pods in both directions (`policyTypes: [Ingress, \
            Egress]`) and admit only the flows it needs, cluster DNS included.
            """,
        triggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                ↓kind: Deployment
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
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: db
                spec:
                  podSelector:
                    matchLabels: {app: db}
                  policyTypes: [Ingress, Egress]
                """),
            RuleExample(
                """
                apiVersion: apps/v1
                ↓kind: Deployment
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
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: gw-ingress
                spec:
                  podSelector:
                    matchLabels: {app: gw}
                  policyTypes: [Ingress]
                  ingress:
                    - ports: [{port: 8243}]
                """),
            RuleExample(
                """
                apiVersion: apps/v1
                ↓kind: Deployment
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
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: gw-egress
                spec:
                  podSelector:
                    matchLabels: {app: gw}
                  policyTypes: [Egress]
                  egress:
                    - to: [{podSelector: {matchLabels: {app: cp}}}]
                """),
            RuleExample(
                """
                apiVersion: apps/v1
                ↓kind: Deployment
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
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: gw-ingress
                spec:
                  podSelector:
                    matchLabels: {app: gw}
                  ingress:
                    - ports: [{port: 8243}]
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
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: default-deny
                spec:
                  podSelector: {}
                  policyTypes: [Ingress, Egress]
                """),
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
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: gw-ingress
                spec:
                  podSelector:
                    matchLabels: {app: gw}
                  policyTypes: [Ingress]
                  ingress:
                    - ports: [{port: 8243}]
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: gw-egress
                spec:
                  podSelector:
                    matchLabels: {app: gw}
                  policyTypes: [Egress]
                  egress:
                    - to: [{podSelector: {matchLabels: {app: cp}}}]
                """),
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
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: gw
                spec:
                  podSelector:
                    matchLabels: {app: gw}
                  ingress:
                    - ports: [{port: 8243}]
                  egress:
                    - to: [{podSelector: {matchLabels: {app: cp}}}]
                """),
        ])

    public init() {}

    /// The directions a policy isolates: `policyTypes` as written, else Kubernetes' default (Ingress,
    /// and Egress when the policy has egress rules; `egress: []` has none).
    static func directions(of policy: NetworkPolicyView) -> Set<String> {
        let spec = policy.object.spec
        if let written = spec?["policyTypes"]?.items, !written.isEmpty {
            return Set(written.compactMap(\.string))
        }
        return (spec?["egress"]?.items ?? []).isEmpty ? ["Ingress"] : ["Ingress", "Egress"]
    }

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let policies = context.set.networkPolicies
        return context.pods.compactMap { object, pod in
            guard object.kind != "Job", object.kind != "CronJob" else { return nil }
            let matching = policies.filter {
                $0.object.sharesNamespace(with: object) && $0.podSelector.matches(pod.labels)
            }
            // A policy with copies in several files counts once: the copy nearest the workload.
            let kept = context.scope.nearest(matching.map(\.object), to: object)
            let views = matching.filter { view in kept.contains { KubernetesScope.same($0, view.object) } }
            guard !views.isEmpty else {
                return context.finding(
                    Self.description, object, at: object.root["kind"],
                    message: "no NetworkPolicy selects the pods of \(object.displayName)")
            }
            let isolated = views.reduce(into: Set<String>()) { $0.formUnion(Self.directions(of: $1)) }
            let open = ["Ingress", "Egress"].filter { !isolated.contains($0) }
            guard let direction = open.first else { return nil }
            let names = views.map { context.scope.cite($0.object, from: object) }.joined(separator: ", ")
            let message: String
            if open.count == 2 {
                message =
                    "the pods of \(object.displayName) are selected by policies that isolate neither direction (\(names)): their ingress and egress are open"
            } else {
                let closed = direction == "Ingress" ? "egress" : "ingress"
                message =
                    "the pods of \(object.displayName) are isolated for \(closed) only (\(names)): their \(direction.lowercased()) is open"
            }
            return context.finding(Self.description, object, at: object.root["kind"], message: message)
        }
    }
}

import BerthCore
import Kubernetes

/// Workloads that no NetworkPolicy selects.
public struct NetworkPolicyMissingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-network-policy-missing", practice: .networkIsolation, severity: .info, target: .kubernetes,
        summary: "a workload's pods are selected by no NetworkPolicy, or isolated in one direction only",
        rationale: """
            network-isolation: without a NetworkPolicy selecting a pod, every pod in the cluster can \
            reach it; the WSO2 architecture needs only gateway to control plane, traffic manager and \
            key manager, and everything to the database. WSO2's charts ship no NetworkPolicy. Info, \
            because policies are often kept outside the application's manifests. Isolation is per \
            direction: when the set isolates egress for some pods, pods selected only by policies \
            that isolate ingress keep their egress open by oversight (and the other way round), which \
            is reported with the open direction; a set whose policies isolate one direction only \
            leaves the other to policies kept elsewhere. A policy without `policyTypes` isolates \
            ingress, and egress too when it has egress rules, as Kubernetes defaults it.
            """,
        fix: "Add NetworkPolicies that select the workload's pods and admit only the flows it needs.",
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
                  policyTypes: [Ingress]
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
                apiVersion: apps/v1
                ↓kind: Deployment
                metadata:
                  name: cp
                spec:
                  selector:
                    matchLabels: {app: cp}
                  template:
                    metadata:
                      labels: {app: cp}
                    spec:
                      containers:
                        - name: cp
                          image: registry.example.com/cp:4.5.0
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
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: cp-egress
                spec:
                  podSelector:
                    matchLabels: {app: cp}
                  policyTypes: [Egress]
                  egress:
                    - to: [{podSelector: {matchLabels: {app: db}}}]
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
                  name: gw-ingress
                spec:
                  podSelector:
                    matchLabels: {app: gw}
                  ingress:
                    - ports: [{port: 8243}]
                """),
        ])

    public init() {}

    /// The directions a policy isolates: `policyTypes` as written, else Kubernetes' default (Ingress,
    /// and Egress when the policy has egress rules).
    static func directions(of policy: NetworkPolicyView) -> Set<String> {
        if let written = policy.object.spec?["policyTypes"]?.items {
            return Set(written.compactMap(\.string))
        }
        return (policy.object.spec?["egress"]?.items ?? []).isEmpty ? ["Ingress"] : ["Ingress", "Egress"]
    }

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let policies = context.set.networkPolicies
        let managed = policies.reduce(into: Set<String>()) { $0.formUnion(Self.directions(of: $1)) }
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
            // A direction no policy of the set isolates is left to policies kept elsewhere; one the
            // set isolates for other pods but not for these is open by oversight.
            guard let open = ["Ingress", "Egress"].first(where: { !isolated.contains($0) && managed.contains($0) })
            else { return nil }
            let closed = open == "Ingress" ? "egress" : "ingress"
            let names = views.map { context.scope.cite($0.object, from: object) }.joined(separator: ", ")
            return context.finding(
                Self.description, object, at: object.root["kind"],
                message:
                    "the pods of \(object.displayName) are isolated for \(closed) only (\(names)): their \(open.lowercased()) is open"
            )
        }
    }
}

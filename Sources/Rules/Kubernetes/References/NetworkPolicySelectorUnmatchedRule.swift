import BerthCore
import Kubernetes

/// A NetworkPolicy whose pod selector matches no pod of the set.
public struct NetworkPolicySelectorUnmatchedRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-network-policy-selector-unmatched", practice: .serviceInterconnect, severity: .error,
        target: .kubernetes,
        summary: "a NetworkPolicy's pod selector matches no pod in the set",
        rationale: """
            service-interconnect: a NetworkPolicy whose podSelector matches no pod isolates nothing, \
            so the flows it was written to restrict stay open. An empty selector (every pod) is not \
            judged, nor a policy in a namespace where the set holds no pod-bearing object.
            """,
        fix: "Make the policy's podSelector match the labels of the pods it is meant for.",
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
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: gw
                spec:
                ↓  podSelector:
                    matchLabels: {app: gateway}
                  policyTypes: [Ingress]
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
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: gw
                spec:
                  podSelector:
                    matchLabels: {app: gw}
                  policyTypes: [Ingress]
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        guard !set.workloads.isEmpty else { return [] }
        return set.networkPolicies.compactMap { policy in
            guard !policy.podSelector.isEmpty, context.scope.holdsPods(inNamespaceOf: policy.object),
                context.scope.canSettleMissing(from: policy.object),
                set.workloads(selectedBy: policy.podSelector, near: policy.object).isEmpty
            else { return nil }
            return context.finding(
                Self.description, policy.object, at: policy.podSelector.node,
                message:
                    "\(policy.object.displayName) selects \(References.describe(policy.podSelector)), which no pod in the set carries"
            )
        }
    }
}

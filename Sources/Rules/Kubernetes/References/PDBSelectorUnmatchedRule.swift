import BerthCore
import Kubernetes

/// A PodDisruptionBudget whose selector matches no pod of the set.
public struct PDBSelectorUnmatchedRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-pdb-selector-unmatched", practice: .serviceInterconnect, severity: .error,
        target: .kubernetes,
        summary: "a PodDisruptionBudget's selector matches no pod in the set",
        rationale: """
            service-interconnect: a PodDisruptionBudget whose selector matches no pod silently \
            protects nothing, so a node drain can take every replica down at once (WSO2's gateway PDB \
            selects `deployment: <name>-deployment` while the pods carry `deployment: <name>`). \
            Judged only when the set holds a pod-bearing object in the budget's namespace (one that \
            writes no namespace counts when it sits in the budget's directory, as in a rendered chart).
            """,
        fix: "Make the budget's selector match the labels of the pods it is meant to protect.",
        triggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gw
                spec:
                  selector:
                    matchLabels: {deployment: gw}
                  template:
                    metadata:
                      labels: {deployment: gw}
                    spec:
                      containers:
                        - name: gw
                          image: registry.example.com/gw:4.5.0
                ---
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: gw
                spec:
                  minAvailable: 1
                ↓  selector:
                    matchLabels: {deployment: gw-deployment}
                """),
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gw
                spec:
                  selector:
                    matchLabels: {deployment: gw}
                  template:
                    metadata:
                      labels: {deployment: gw}
                    spec:
                      containers:
                        - name: gw
                          image: registry.example.com/gw:4.5.0
                ---
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: gw
                  namespace: apim
                spec:
                  minAvailable: 1
                ↓  selector:
                    matchLabels: {deployment: gw-deployment}
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
                    matchLabels: {deployment: gw}
                  template:
                    metadata:
                      labels: {deployment: gw}
                    spec:
                      containers:
                        - name: gw
                          image: registry.example.com/gw:4.5.0
                ---
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: gw
                spec:
                  minAvailable: 1
                  selector:
                    matchLabels: {deployment: gw}
                """),
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gw
                  namespace: apim
                spec:
                  selector:
                    matchLabels: {deployment: gw}
                  template:
                    metadata:
                      labels: {deployment: gw}
                    spec:
                      containers:
                        - name: gw
                          image: registry.example.com/gw:4.5.0
                ---
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: coredns
                  namespace: kube-system
                spec:
                  minAvailable: 1
                  selector:
                    matchLabels: {k8s-app: kube-dns}
                """),
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        guard !set.workloads.isEmpty else { return [] }
        return set.disruptionBudgets.compactMap { budget in
            guard !budget.selector.isEmpty, context.scope.holdsPods(inNamespaceOf: budget.object),
                context.scope.canSettleMissing(from: budget.object),
                set.workloads(selectedBy: budget.selector, near: budget.object).isEmpty
            else { return nil }
            return context.finding(
                Self.description, budget.object, at: budget.selector.node,
                message:
                    "\(budget.object.displayName) selects \(References.describe(budget.selector)), which no pod in the set carries: it protects nothing"
            )
        }
    }
}

import BerthCore
import Kubernetes

/// Workloads that no NetworkPolicy selects.
public struct NetworkPolicyMissingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-network-policy-missing", practice: .networkIsolation, severity: .info, target: .kubernetes,
        summary: "a workload's pods are selected by no NetworkPolicy",
        rationale: """
            network-isolation: without a NetworkPolicy selecting a pod, every pod in the cluster can \
            reach it; the WSO2 architecture needs only gateway to control plane, traffic manager and \
            key manager, and everything to the database. WSO2's charts ship no NetworkPolicy. Info, \
            because policies are often kept outside the application's manifests.
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
                  name: default-deny
                spec:
                  podSelector: {}
                  policyTypes: [Ingress, Egress]
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let policies = context.set.networkPolicies
        return context.pods.compactMap { object, pod in
            guard object.kind != "Job", object.kind != "CronJob" else { return nil }
            let covered = policies.contains {
                $0.object.sharesNamespace(with: object) && $0.podSelector.matches(pod.labels)
            }
            guard !covered else { return nil }
            return context.finding(
                Self.description, object, at: object.root["kind"],
                message: "no NetworkPolicy selects the pods of \(object.displayName)")
        }
    }
}

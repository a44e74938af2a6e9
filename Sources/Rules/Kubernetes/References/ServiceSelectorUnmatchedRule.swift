import BerthCore
import Kubernetes

/// A Service whose selector matches no pod of the set.
public struct ServiceSelectorUnmatchedRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-service-selector-unmatched", practice: .serviceInterconnect, severity: .error,
        target: .kubernetes,
        summary: "a Service's selector matches no pod in the set",
        rationale: """
            service-interconnect: components reach each other through Services whose selectors match \
            real pods. A Service whose selector matches no pod has no endpoints, and every connection \
            to it fails at run time. Judged only when the set holds a pod-bearing object in the \
            Service's namespace (else the workload is installed elsewhere; one that writes no \
            namespace counts when it sits in the Service's directory); a Service without a selector \
            (external endpoints) is not judged.
            """,
        fix: "Make the Service's selector match the labels of the pod template it is meant for.",
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
                apiVersion: v1
                kind: Service
                metadata:
                  name: gw
                spec:
                ↓  selector: {deployment: gw-deployment}
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
                apiVersion: v1
                kind: Service
                metadata:
                  name: gw
                spec:
                  selector: {deployment: gw}
                  ports:
                    - port: 8243
                """),
            RuleExample(
                """
                apiVersion: v1
                kind: Service
                metadata:
                  name: external-db
                spec:
                  selector: {app: db}
                  ports:
                    - port: 5432
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
                apiVersion: v1
                kind: Service
                metadata:
                  name: dcgm-exporter
                  namespace: monitoring
                spec:
                  selector: {app.kubernetes.io/name: dcgm-exporter}
                  ports:
                    - port: 9400
                """),
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        guard !set.workloads.isEmpty else { return [] }
        return set.services.compactMap { service in
            guard let selector = service.selector, !selector.isEmpty,
                context.scope.holdsPods(inNamespaceOf: service.object),
                context.scope.canSettleMissing(from: service.object),
                set.workloads(selectedBy: selector, near: service.object).isEmpty
            else { return nil }
            return context.finding(
                Self.description, service.object, at: selector.node,
                message:
                    "\(service.object.displayName) selects \(References.describe(selector)), which no pod in the set carries"
            )
        }
    }
}

import BerthCore
import Kubernetes

/// A Gateway with no HTTPS or TLS listener.
public struct GatewayTLSMissingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-gateway-tls-missing", practice: .ingressExposure, severity: .warning,
        target: .kubernetes,
        summary: "a Gateway has no HTTPS or TLS listener",
        rationale: """
            The practice "Use Ingress Controller when exposing to external traffic" (ingress-exposure) \
            includes TLS: a Gateway whose listeners are all HTTP serves the product's APIs and \
            consoles in plain text.
            """,
        fix: "Add an HTTPS (or TLS) listener with a certificateRef; redirect HTTP to it.",
        triggering: [
            RuleExample(
                """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata:
                  name: edge
                spec:
                  gatewayClassName: nginx
                ↓  listeners:
                    - name: http
                      port: 80
                      protocol: HTTP
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata:
                  name: edge
                spec:
                  gatewayClassName: nginx
                  listeners:
                    - name: http
                      port: 80
                      protocol: HTTP
                    - name: https
                      port: 443
                      protocol: HTTPS
                      tls:
                        certificateRefs: [{kind: Secret, name: edge-tls}]
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        context.set.objects(ofKind: "Gateway").compactMap { gateway in
            guard gateway.group == "gateway.networking.k8s.io", let listeners = gateway.spec?["listeners"],
                !listeners.items.isEmpty,
                !listeners.items.contains(where: { ["HTTPS", "TLS"].contains($0["protocol"]?.string ?? "") })
            else { return nil }
            return context.finding(
                Self.description, gateway, at: listeners,
                message: "\(gateway.displayName) has no HTTPS or TLS listener: it serves plain HTTP")
        }
    }
}

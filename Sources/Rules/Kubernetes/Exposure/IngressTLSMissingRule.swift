import BerthCore
import Kubernetes

/// An Ingress with no tls section.
public struct IngressTLSMissingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-ingress-tls-missing", practice: .ingressExposure, severity: .warning,
        target: .kubernetes,
        summary: "an Ingress has no tls section",
        rationale: """
            The practice "Use Ingress Controller when exposing to external traffic" (ingress-exposure) \
            includes TLS: an Ingress without a `tls` section serves the product's APIs and consoles in \
            plain HTTP.
            """,
        fix: "Add a tls section naming the hosts and the Secret holding their certificate.",
        triggering: [
            RuleExample(
                """
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: gw
                spec:
                ↓  rules:
                    - host: gw.example.com
                      http:
                        paths:
                          - path: /
                            pathType: Prefix
                            backend:
                              service:
                                name: gw
                                port: {number: 8243}
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: gw
                spec:
                  tls:
                    - hosts: [gw.example.com]
                      secretName: gw-tls
                  rules:
                    - host: gw.example.com
                      http:
                        paths:
                          - path: /
                            pathType: Prefix
                            backend:
                              service:
                                name: gw
                                port: {number: 8243}
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        context.set.ingresses.compactMap { ingress in
            guard (ingress.tls?.items ?? []).isEmpty else { return nil }
            return context.finding(
                Self.description, ingress.object, at: ingress.object.spec?["rules"] ?? ingress.object.spec,
                message: "\(ingress.object.displayName) has no tls section: it serves plain HTTP")
        }
    }
}

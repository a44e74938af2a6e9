import BerthCore
import Kubernetes

/// A NodePort or LoadBalancer Service that exposes an HTTP port directly.
public struct HTTPServiceExposedRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-http-service-exposed", practice: .ingressExposure, severity: .warning,
        target: .kubernetes,
        summary: "a NodePort or LoadBalancer Service exposes an HTTP port instead of going through an Ingress",
        rationale: """
            The practice "Use Ingress Controller when exposing to external traffic" (ingress-exposure): \
            a NodePort or LoadBalancer Service puts an HTTP port on every node or on a public address, \
            bypassing the Ingress controller's TLS, host routing and rate limits. Non-HTTP ports (a \
            message broker's AMQP, say) are not judged.
            """,
        fix: "Make the Service ClusterIP and route to it from an Ingress with a tls section.",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Service
                metadata:
                  name: gw
                spec:
                ↓  type: LoadBalancer
                  selector: {app: gw}
                  ports:
                    - {name: https, port: 8243}
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Service
                metadata:
                  name: broker
                spec:
                  type: LoadBalancer
                  selector: {app: broker}
                  ports:
                    - {name: amqp, port: 5672}
                """)
        ])

    /// Ports that speak HTTP(S) in WSO2 products and web servers generally.
    static let httpPorts: Set<Int> = [80, 443, 8080, 8443, 8243, 8280, 9443, 9763, 9095, 9743, 8000, 8888, 3000]

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        context.set.services.compactMap { service in
            guard service.type == "NodePort" || service.type == "LoadBalancer" else { return nil }
            let http = service.ports.first { port in
                let name = (port.name ?? "").lowercased()
                return name.hasPrefix("http") || name.hasPrefix("https") || name.hasPrefix("servlet")
                    || port.port.map(Self.httpPorts.contains) == true
            }
            guard let first = http else { return nil }
            return context.finding(
                Self.description, service.object, at: service.typeNode,
                message:
                    "\(service.object.displayName) exposes HTTP port \(first.port.map(String.init) ?? first.name ?? "?") as \(service.type): route it through an Ingress"
            )
        }
    }
}

import BerthCore
import Kubernetes

/// An Ingress routing to a Service or port the set does not hold.
public struct IngressBackendMissingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-ingress-backend-missing", practice: .serviceInterconnect, severity: .error,
        target: .kubernetes,
        summary: "an Ingress routes to a Service or port that is not in the set",
        rationale: """
            service-interconnect: an Ingress backend naming no Service, or a port the Service does \
            not expose, answers every request on that path with 503. Judged only when the set holds \
            Services.
            """,
        fix: "Make each backend name a Service of the deployment and one of its ports (by number or name).",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Service
                metadata:
                  name: cp
                spec:
                  selector: {app: cp}
                  ports:
                    - port: 9443
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: cp
                spec:
                  tls:
                    - hosts: [cp.example.com]
                      secretName: cp-tls
                  rules:
                    - host: cp.example.com
                      http:
                        paths:
                          - path: /
                            pathType: Prefix
                            backend:
                ↓              service:
                                name: cp
                                port: {number: 443}
                          - path: /admin
                            pathType: Prefix
                            backend:
                ↓              service:
                                name: cp-admin
                                port: {number: 9443}
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Service
                metadata:
                  name: cp
                spec:
                  selector: {app: cp}
                  ports:
                    - name: https
                      port: 9443
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: cp
                spec:
                  tls:
                    - hosts: [cp.example.com]
                      secretName: cp-tls
                  rules:
                    - host: cp.example.com
                      http:
                        paths:
                          - path: /
                            pathType: Prefix
                            backend:
                              service:
                                name: cp
                                port: {name: https}
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        guard !set.services.isEmpty else { return [] }
        var out: [KubernetesFinding] = []
        for ingress in set.ingresses where context.scope.canSettleMissing(from: ingress.object) {
            for backend in ingress.backends {
                let at = backend.node["service"] ?? backend.node["serviceName"] ?? backend.node
                let candidates = set.services.filter {
                    $0.object.name == backend.service && $0.object.sharesNamespace(with: ingress.object)
                }
                // Copies of the Service in several files: the one nearest the Ingress is meant.
                let nearest = context.scope.nearest(candidates.map(\.object), to: ingress.object).first
                guard
                    let service = candidates.first(where: { candidate in
                        nearest.map { KubernetesScope.same($0, candidate.object) } ?? false
                    })
                else {
                    out.append(
                        context.finding(
                            Self.description, ingress.object, at: at,
                            message:
                                "\(ingress.object.displayName) routes to Service '\(backend.service)', which is not in the set"
                        ))
                    continue
                }
                guard let port = backend.port else { continue }
                let exposes = service.ports.contains { servicePort in
                    if let number = port.int { return servicePort.port == number }
                    return servicePort.name == port.string
                }
                if !exposes {
                    out.append(
                        context.finding(
                            Self.description, ingress.object, at: at,
                            message:
                                "\(ingress.object.displayName) routes to port \(port.string ?? "?") of \(context.scope.cite(service.object, from: ingress.object)), which does not expose it"
                        ))
                }
            }
        }
        return out
    }
}

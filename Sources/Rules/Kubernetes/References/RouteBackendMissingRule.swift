import BerthCore
import Kubernetes

/// A Gateway API route sending traffic to a Service or port the set does not hold.
public struct RouteBackendMissingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-route-backend-missing", practice: .serviceInterconnect, severity: .error,
        target: .kubernetes,
        summary: "a Gateway API route sends traffic to a Service or port that is not in the set",
        rationale: """
            service-interconnect: a backendRef naming no Service, or a port the Service does not \
            expose, leaves the route without a backend, and its requests fail with 500. Judged only \
            when the set holds Services.
            """,
        fix: "Make each backendRef name a Service of the deployment and one of its ports.",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Service
                metadata:
                  name: gw
                spec:
                  selector: {app: gw}
                  ports:
                    - port: 8243
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata:
                  name: gw
                spec:
                  parentRefs:
                    - name: edge
                  rules:
                    - backendRefs:
                ↓        - name: gw-service
                          port: 8243
                        - name: gw
                ↓          port: 9443
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Service
                metadata:
                  name: gw
                spec:
                  selector: {app: gw}
                  ports:
                    - port: 8243
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata:
                  name: gw
                spec:
                  parentRefs:
                    - name: edge
                  rules:
                    - backendRefs:
                        - name: gw
                          port: 8243
                        - name: mirror
                          kind: ServiceImport
                          group: multicluster.x-k8s.io
                          port: 8243
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let services = context.set.services
        guard !services.isEmpty else { return [] }
        var out: [KubernetesFinding] = []
        for route in References.routes(context.set) where context.scope.canSettleMissing(from: route) {
            for rule in route.spec?["rules"]?.items ?? [] {
                for backend in rule["backendRefs"]?.items ?? [] {
                    guard (backend["kind"]?.string ?? "Service") == "Service", (backend["group"]?.string ?? "") == "",
                        let name = backend["name"]?.string
                    else { continue }
                    let namespace = backend["namespace"]?.string ?? route.namespace
                    guard
                        let service = services.first(where: {
                            $0.object.name == name && $0.object.sharesNamespace(namespace)
                        })
                    else {
                        out.append(
                            context.finding(
                                Self.description, route, at: backend["name"],
                                message: "\(route.displayName) routes to Service '\(name)', which is not in the set"))
                        continue
                    }
                    if let port = backend["port"], let number = port.int,
                        !service.ports.contains(where: { $0.port == number })
                    {
                        out.append(
                            context.finding(
                                Self.description, route, at: port,
                                message:
                                    "\(route.displayName) routes to port \(number) of Service '\(name)', which does not expose it"
                            ))
                    }
                }
            }
        }
        return out
    }
}

import BerthCore
import Kubernetes

/// A Gateway API route attached to a Gateway or listener the set does not hold.
public struct RouteParentMissingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-route-parent-missing", practice: .serviceInterconnect, severity: .error,
        target: .kubernetes,
        summary: "a Gateway API route attaches to a Gateway or listener that is not in the set",
        rationale: """
            service-interconnect: a route whose parentRef names no Gateway, or a sectionName no \
            listener of it carries, is never attached, so the traffic it describes never arrives. \
            Judged only when the set holds Gateways.
            """,
        fix: "Make parentRefs name a Gateway shipped with the deployment, and sectionName one of its listeners.",
        triggering: [
            RuleExample(
                """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata:
                  name: edge
                spec:
                  gatewayClassName: nginx
                  listeners:
                    - name: gateway-https
                      port: 443
                      protocol: HTTPS
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata:
                  name: gw
                spec:
                  parentRefs:
                    - name: edge
                ↓      sectionName: gw-https
                ↓    - name: public
                  rules:
                    - backendRefs:
                        - name: gw
                          port: 8243
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
                    - name: gateway-https
                      port: 443
                      protocol: HTTPS
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata:
                  name: gw
                spec:
                  parentRefs:
                    - name: edge
                      sectionName: gateway-https
                  rules:
                    - backendRefs:
                        - name: gw
                          port: 8243
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let gateways = context.set.objects(ofKind: "Gateway")
        guard !gateways.isEmpty else { return [] }
        var out: [KubernetesFinding] = []
        for route in References.routes(context.set) where context.scope.canSettleMissing(from: route) {
            for parent in route.spec?["parentRefs"]?.items ?? []
            where (parent["kind"]?.string ?? "Gateway") == "Gateway" {
                guard let name = parent["name"]?.string else { continue }
                let namespace = parent["namespace"]?.string ?? route.namespace
                guard let gateway = gateways.first(where: { $0.name == name && $0.sharesNamespace(namespace) }) else {
                    out.append(
                        context.finding(
                            Self.description, route, at: parent["name"],
                            message: "\(route.displayName) attaches to Gateway '\(name)', which is not in the set"))
                    continue
                }
                guard let section = parent["sectionName"], let sectionName = section.string else { continue }
                let listeners = (gateway.spec?["listeners"]?.items ?? []).compactMap { $0["name"]?.string }
                if !listeners.contains(sectionName) {
                    out.append(
                        context.finding(
                            Self.description, route, at: section,
                            message:
                                "\(route.displayName) attaches to listener '\(sectionName)' of Gateway '\(name)', which has \(listeners.joined(separator: ", "))"
                        ))
                }
            }
        }
        return out
    }
}

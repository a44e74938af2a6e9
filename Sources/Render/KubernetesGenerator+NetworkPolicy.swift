/// NetworkPolicies: default deny, then the flows the architecture needs.
extension KubernetesGenerator {
    /// Default deny for ingress to every pod of the deployment, then exactly the flows it needs.
    static func networkPolicies(_ spec: RenderSpec, _ components: [Component]) -> [YAMLNode] {
        func policy(_ name: String, podSelector: [(String, YAMLNode)], ingress: [YAMLNode]?) -> YAMLNode {
            var body: [(String, YAMLNode)] = [
                ("podSelector", .map([("matchLabels", .map(podSelector))])),
                ("policyTypes", .list([.string("Ingress")])),
            ]
            if let ingress { body.append(("ingress", .list(ingress))) }
            return .map([
                ("apiVersion", .string("networking.k8s.io/v1")), ("kind", .string("NetworkPolicy")),
                ("metadata", metadata(spec, name: name, labels: commonLabels(spec))),
                ("spec", .map(body)),
            ])
        }
        func from(_ component: Component) -> YAMLNode {
            .map([("podSelector", .map([("matchLabels", .map(selector(spec, component, instance: nil)))]))])
        }
        func ports(_ numbers: [Int]) -> YAMLNode {
            .list(numbers.map { .map([("protocol", .string("TCP")), ("port", .int($0))]) })
        }
        var policies = [
            policy(
                "\(spec.name)-default-deny", podSelector: [("app.kubernetes.io/instance", .string(spec.name))],
                ingress: nil)
        ]
        let byName = Dictionary(uniqueKeysWithValues: components.map { ($0.name, $0) })
        for component in components {
            var rules: [YAMLNode] = []
            let external = component.ports.filter(\.external).map(\.port)
            if !external.isEmpty {
                // From the ingress controller, wherever it runs.
                rules.append(
                    .map([("from", .list([.map([("namespaceSelector", .map([]))])])), ("ports", ports(external))]))
            }
            if spec.prometheus {
                // Prometheus scrapes from its own namespace.
                rules.append(
                    .map([
                        ("from", .list([.map([("namespaceSelector", .map([]))])])),
                        ("ports", ports([Catalog.metricsPort])),
                    ]))
            }
            // Peers of the same component (HA pair, clustering).
            rules.append(.map([("from", .list([from(component)])), ("ports", ports(component.ports.map(\.port)))]))
            for flow in Catalog.flows(for: spec) where flow.to == component.name {
                guard let caller = byName[flow.from] else { continue }
                rules.append(.map([("from", .list([from(caller)])), ("ports", ports(flow.ports))]))
            }
            policies.append(
                policy(
                    Names.base(spec, component), podSelector: selector(spec, component, instance: nil), ingress: rules))
        }
        return policies
    }
}

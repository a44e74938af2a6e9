/// NetworkPolicies: default deny in both directions, then the flows the architecture needs.
extension KubernetesGenerator {
    /// Default deny for ingress and egress of every pod of the deployment, cluster DNS for all of
    /// them, then exactly the flows each component needs, both ways: what it accepts (ingress) and what
    /// it calls (egress).
    static func networkPolicies(_ spec: RenderSpec, _ components: [Component]) -> [YAMLNode] {
        func policy(_ name: String, podSelector: [(String, YAMLNode)], ingress: [YAMLNode]?, egress: YAMLNode?)
            -> YAMLNode
        {
            var types: [YAMLNode] = []
            if ingress != nil || egress == nil { types.append(.string("Ingress")) }
            types.append(.string("Egress"))
            var body: [(String, YAMLNode)] = [
                ("podSelector", .map([("matchLabels", .map(podSelector))])),
                ("policyTypes", .list(types)),
            ]
            if let ingress { body.append(("ingress", .list(ingress))) }
            if let egress { body.append(("egress", egress)) }
            return .map([
                ("apiVersion", .string("networking.k8s.io/v1")), ("kind", .string("NetworkPolicy")),
                ("metadata", metadata(spec, name: name, labels: commonLabels(spec))),
                ("spec", .map(body)),
            ])
        }
        func pods(_ component: Component) -> YAMLNode {
            .map([("podSelector", .map([("matchLabels", .map(selector(spec, component, instance: nil)))]))])
        }
        func ports(_ numbers: [Int], _ proto: String = "TCP") -> [YAMLNode] {
            numbers.map { .map([("protocol", .string(proto)), ("port", .int($0))]) }
        }
        let instance: [(String, YAMLNode)] = [("app.kubernetes.io/instance", .string(spec.name))]
        var policies = [
            policy("\(spec.name)-default-deny", podSelector: instance, ingress: nil, egress: nil),
            // Every pod resolves the Services of its peers and the database's host name.
            policy(
                "\(spec.name)-dns", podSelector: instance, ingress: nil,
                egress: .list([
                    .map([
                        ("to", .list([namespacePeer("kube-system")])),
                        ("ports", .list(ports([53], "UDP") + ports([53]))),
                    ])
                ])),
        ]
        let byName = Dictionary(uniqueKeysWithValues: components.map { ($0.name, $0) })
        let flows = Catalog.flows(for: spec)
        for component in components {
            var ingress: [YAMLNode] = []
            let external = component.ports.filter(\.external).map(\.port)
            if !external.isEmpty {
                // From the ingress controller, wherever it runs.
                ingress.append(
                    .map([
                        ("from", .list([.map([("namespaceSelector", .map([]))])])), ("ports", .list(ports(external))),
                    ]))
            }
            if spec.prometheus {
                // Prometheus scrapes from its own namespace.
                ingress.append(
                    .map([
                        ("from", .list([.map([("namespaceSelector", .map([]))])])),
                        ("ports", .list(ports([Catalog.metricsPort]))),
                    ]))
            }
            // Peers of the same component (HA pair, clustering).
            let peers = YAMLNode.list(ports(component.ports.map(\.port)))
            ingress.append(.map([("from", .list([pods(component)])), ("ports", peers)]))
            for flow in flows where flow.to == component.name {
                guard let caller = byName[flow.from] else { continue }
                ingress.append(.map([("from", .list([pods(caller)])), ("ports", .list(ports(flow.ports)))]))
            }
            policies.append(
                policy(
                    Names.base(spec, component), podSelector: selector(spec, component, instance: nil),
                    ingress: ingress, egress: egress(spec, component, peers: peers, flows: flows, byName, pods)))
        }
        return policies
    }

    /// What a component calls: its peers, the components its flows reach and the database; a gateway
    /// calls backends anywhere.
    private static func egress(
        _ spec: RenderSpec, _ component: Component, peers: YAMLNode, flows: [Flow], _ byName: [String: Component],
        _ pods: (Component) -> YAMLNode
    ) -> YAMLNode {
        if component.ports.contains(where: { $0.name == "passthrough-https" }) {
            return .commented(
                """
                Gateways proxy API calls to backends on any address and port, which the spec
                does not list: their egress is open by intent, not by omission.
                """, .list([.map([])]))
        }
        var rules: [YAMLNode] = [.map([("to", .list([pods(component)])), ("ports", peers)])]
        for flow in flows where flow.from == component.name {
            guard let callee = byName[flow.to] else { continue }
            rules.append(
                .map([
                    ("to", .list([pods(callee)])),
                    ("ports", .list(flow.ports.map { .map([("protocol", .string("TCP")), ("port", .int($0))]) })),
                ]))
        }
        var database: [(String, YAMLNode)] = []
        if let peer = databasePeer(spec) { database.append(("to", .list([peer]))) }
        database.append(
            (
                "ports",
                .list([
                    .map([
                        ("protocol", .string("TCP")),
                        ("port", .value("database.port", .int(spec.effectiveDatabasePort))),
                    ])
                ])
            ))
        rules.append(.map(database))
        return .list(rules)
    }

    /// The peer that is every pod of the namespace called `name`.
    static func namespacePeer(_ name: String) -> YAMLNode {
        .map([("namespaceSelector", .map([("matchLabels", .map([("kubernetes.io/metadata.name", .string(name))]))]))])
    }

    /// Where the database is, as far as a NetworkPolicy can say: an IPv4 address becomes an
    /// ipBlock, a Service name (`name`, `name.namespace.svc…`) its namespace; an outside host name
    /// cannot be selected, so the rule is by port only (nil).
    static func databasePeer(_ spec: RenderSpec) -> YAMLNode? {
        let host = spec.databaseHost
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let isIPv4 = labels.count == 4 && labels.allSatisfy { UInt8($0) != nil }
        if isIPv4 {
            // The spec's host names are DNS names, so the only address literal is IPv4.
            let cidr = YAMLNode.text([.value("database.host", .string(host)), .literal("/32")])
            return .map([("ipBlock", .map([("cidr", cidr)]))])
        }
        if labels.count == 1 {
            // A Service in the release's namespace.
            return .map([("podSelector", .map([]))])
        }
        if labels.count >= 3, labels[2] == "svc" { return namespacePeer(String(labels[1])) }
        return nil
    }
}

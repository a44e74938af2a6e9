/// Services and the Ingress.
extension KubernetesGenerator {
    static func service(_ spec: RenderSpec, _ component: Component, instance: Int?) -> YAMLNode {
        let name = instance.map { Names.instanceService(spec, component, $0) } ?? Names.service(spec, component)
        let ports = component.ports
        return .map([
            ("apiVersion", .string("v1")), ("kind", .string("Service")),
            ("metadata", metadata(spec, name: name, labels: labels(spec, component, instance: instance))),
            (
                "spec",
                .map([
                    ("type", .string("ClusterIP")),
                    ("selector", .map(selector(spec, component, instance: instance))),
                    (
                        "ports",
                        .list(
                            ports.map {
                                .map([
                                    ("name", .string($0.name)), ("port", .int($0.port)),
                                    ("targetPort", .string($0.name)), ("protocol", .string("TCP")),
                                ])
                            })
                    ),
                ])
            ),
        ])
    }

    static func ingress(_ spec: RenderSpec, _ component: Component) -> YAMLNode {
        let hostKey: String
        let host: String
        switch component.name {
        case "gateway": (hostKey, host) = ("gateway", spec.gatewayHost)
        case "identity-server": (hostKey, host) = ("identity", spec.identityHost)
        default: (hostKey, host) = ("portal", spec.portalHost)
        }
        let port = component.ports.first { $0.external && $0.port != 9443 } ?? component.ports.first { $0.external }!
        let hostText: YAMLNode = .text([.value("ingress.hosts.\(hostKey)", .string(host))])
        var annotations: [(String, YAMLNode)] = [("nginx.ingress.kubernetes.io/backend-protocol", .string("HTTPS"))]
        if component.name != "gateway" {
            annotations += [
                ("nginx.ingress.kubernetes.io/affinity", .string("cookie")),
                ("nginx.ingress.kubernetes.io/session-cookie-name", .string("route")),
            ]
        }
        return .map([
            ("apiVersion", .string("networking.k8s.io/v1")), ("kind", .string("Ingress")),
            (
                "metadata",
                metadata(
                    spec, name: Names.base(spec, component), labels: labels(spec, component, instance: nil),
                    annotations: annotations)
            ),
            (
                "spec",
                .map([
                    ("ingressClassName", .text([.value("ingress.className", .string(spec.ingressClass))])),
                    (
                        "tls",
                        .list([
                            .map([
                                ("hosts", .list([hostText])),
                                ("secretName", .text([.value("ingress.tlsSecret", .string(spec.tlsSecret))])),
                            ])
                        ])
                    ),
                    (
                        "rules",
                        .list([
                            .map([
                                ("host", hostText),
                                (
                                    "http",
                                    .map([
                                        (
                                            "paths",
                                            .list([
                                                .map([
                                                    ("path", .string("/")), ("pathType", .string("Prefix")),
                                                    (
                                                        "backend",
                                                        .map([
                                                            (
                                                                "service",
                                                                .map([
                                                                    ("name", .string(Names.service(spec, component))),
                                                                    ("port", .map([("number", .int(port.port))])),
                                                                ])
                                                            )
                                                        ])
                                                    ),
                                                ])
                                            ])
                                        )
                                    ])
                                ),
                            ])
                        ])
                    ),
                ])
            ),
        ])
    }
}

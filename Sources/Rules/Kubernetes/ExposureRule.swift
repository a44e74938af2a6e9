import BerthCore
import Kubernetes

/// HTTP exposed through NodePort/LoadBalancer Services, or an Ingress without TLS.
public struct ExposureRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-exposure", practice: .ingressExposure, severity: .warning, target: .kubernetes,
        summary:
            "an HTTP component is exposed by a NodePort or LoadBalancer Service or a hostPort, or an Ingress or Gateway has no TLS",
        rationale: """
            The practice "Use Ingress Controller when exposing to external traffic" (ingress-exposure): \
            a NodePort or LoadBalancer Service puts an HTTP port on every node or on a public address, \
            and a container hostPort on its node, bypassing the Ingress controller's TLS, host routing \
            and rate limits. An Ingress without a `tls` section, or a Gateway without an HTTPS or TLS \
            listener, serves plain HTTP.
            """,
        fix:
            "Make the Service ClusterIP, drop hostPort, and route to it from an Ingress with a tls section (or an HTTPS Gateway listener).",
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
                ---
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
                """),
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
                """),
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: web
                spec:
                  containers:
                    - name: web
                      image: registry.example.com/web:1.0
                      ports:
                        - containerPort: 8080
                ↓          hostPort: 80
                """),
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
                ---
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

    /// Ports that speak HTTP(S) in WSO2 products and web servers generally.
    static let httpPorts: Set<Int> = [80, 443, 8080, 8443, 8243, 8280, 9443, 9763, 9095, 9743, 8000, 8888, 3000]

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        var out: [KubernetesFinding] = []
        for service in context.set.services where service.type == "NodePort" || service.type == "LoadBalancer" {
            let http = service.ports.filter { port in
                let name = (port.name ?? "").lowercased()
                return name.hasPrefix("http") || name.hasPrefix("https") || name.hasPrefix("servlet")
                    || port.port.map(Self.httpPorts.contains) == true
            }
            guard let first = http.first else { continue }
            out.append(
                context.finding(
                    Self.description, service.object, at: service.typeNode,
                    message:
                        "\(service.object.displayName) exposes HTTP port \(first.port.map(String.init) ?? first.name ?? "?") as \(service.type): route it through an Ingress"
                ))
        }
        for gateway in context.set.objects(ofKind: "Gateway") where gateway.group == "gateway.networking.k8s.io" {
            guard let listeners = gateway.spec?["listeners"], !listeners.items.isEmpty else { continue }
            let secure = listeners.items.contains { ["HTTPS", "TLS"].contains($0["protocol"]?.string ?? "") }
            if !secure {
                out.append(
                    context.finding(
                        Self.description, gateway, at: listeners,
                        message: "\(gateway.displayName) has no HTTPS or TLS listener: it serves plain HTTP"))
            }
        }
        for (object, pod) in context.pods {
            for container in pod.containers {
                for port in container.ports {
                    guard let hostPort = port.node["hostPort"], (hostPort.int ?? 0) > 0 else { continue }
                    out.append(
                        context.finding(
                            Self.description, object, at: hostPort,
                            message:
                                "container '\(container.name)' binds host port \(hostPort.int ?? 0) on its node: route through a Service and an Ingress",
                            container: container.name))
                }
            }
        }
        for ingress in context.set.ingresses {
            let tls = ingress.tls?.items ?? []
            guard tls.isEmpty else { continue }
            out.append(
                context.finding(
                    Self.description, ingress.object, at: ingress.object.spec?["rules"] ?? ingress.object.spec,
                    message: "\(ingress.object.displayName) has no tls section: it serves plain HTTP"))
        }
        return out
    }
}

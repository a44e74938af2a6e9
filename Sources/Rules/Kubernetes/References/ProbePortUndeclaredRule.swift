import BerthCore
import Kubernetes

/// A probe that names a port its container does not declare.
public struct ProbePortUndeclaredRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-probe-port-undeclared", practice: .serviceInterconnect, severity: .error,
        target: .kubernetes,
        summary: "a probe names a port the container does not declare",
        rationale: """
            service-interconnect: a probe's named port resolves only through the container's own port \
            names. When it names none, the kubelet cannot run the probe: a readiness probe keeps the \
            pod out of its Service, a liveness probe restarts it. Numeric ports are not judged.
            """,
        fix: "Name the port as the container declares it, or use the port number.",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: gw
                spec:
                  containers:
                    - name: gw
                      image: registry.example.com/gw:4.5.0
                      ports:
                        - {name: https, containerPort: 8243}
                      readinessProbe:
                ↓        tcpSocket: {port: servlet-https}
                      livenessProbe:
                        httpGet:
                          path: /health
                ↓          port: servlet-http
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: gw
                spec:
                  containers:
                    - name: gw
                      image: registry.example.com/gw:4.5.0
                      ports:
                        - {name: https, containerPort: 8243}
                      readinessProbe:
                        tcpSocket: {port: https}
                      livenessProbe:
                        tcpSocket: {port: 8243}
                """)
        ])

    public static var includesInitContainers: Bool { false }

    public init() {}

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        var out: [Problem] = []
        for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
            guard let node = container.node[probe] else { continue }
            for handler in ["httpGet", "tcpSocket", "grpc"] {
                guard let port = node.at(handler, "port"), let name = port.string, Int(name) == nil,
                    !container.ports.contains(where: { $0.name == name })
                else { continue }
                out.append(
                    Problem(
                        at: port,
                        "the \(probe) of container '\(container.name)' names port '\(name)', which the container does not declare"
                    ))
            }
        }
        return out
    }
}

import BerthCore
import Kubernetes

/// A container port bound on its node.
public struct HostPortRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-host-port", practice: .ingressExposure, severity: .warning, target: .kubernetes,
        summary: "a container binds a port on its node (hostPort)",
        rationale: """
            The practice "Use Ingress Controller when exposing to external traffic" (ingress-exposure): \
            a hostPort opens the container on its node's address, bypassing the Ingress controller's \
            TLS, host routing and rate limits, and limits the workload to one pod per node.
            """,
        fix: "Drop hostPort; reach the container through a Service and an Ingress.",
        triggering: [
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
                """)
        ],
        nonTriggering: [
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
                """)
        ])

    public static var includesInitContainers: Bool { false }

    public init() {}

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        container.ports.compactMap { port in
            guard let hostPort = port.node["hostPort"], (hostPort.int ?? 0) > 0 else { return nil }
            return Problem(
                at: hostPort,
                "container '\(container.name)' binds host port \(hostPort.int ?? 0) on its node: route through a Service and an Ingress"
            )
        }
    }
}

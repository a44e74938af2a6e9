import BerthCore
import Kubernetes

/// A pod or container that turns seccomp off.
public struct SeccompUnconfinedRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-seccomp-unconfined", practice: .leastPrivilege, severity: .error, target: .kubernetes,
        summary: "a pod or container runs with seccompProfile type Unconfined",
        rationale: """
            The practice "Drop privileges where necessary" (least-privilege): an Unconfined seccomp \
            profile lets the process make every system call, including the rarely used ones most \
            kernel exploits go through. RuntimeDefault blocks them and costs a Java server nothing.
            """,
        fix: "Set seccompProfile.type: RuntimeDefault on the pod (or remove the container's Unconfined override).",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: api
                spec:
                  securityContext:
                ↓    seccompProfile: {type: Unconfined}
                  containers:
                    - name: api
                      image: registry.example.com/api:1.0
                      securityContext:
                        seccompProfile:
                ↓          type: Unconfined
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: api
                spec:
                  securityContext:
                    seccompProfile: {type: RuntimeDefault}
                  containers:
                    - name: api
                      image: registry.example.com/api:1.0
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let pods = context.podFindings(Self.description) { pod, object in
            guard let type = pod.spec.at("securityContext", "seccompProfile", "type"), type.string == "Unconfined"
            else { return [] }
            return [Problem(at: type, "\(object.displayName) runs unconfined by seccomp")]
        }
        let containers = context.containerFindings(Self.description) { container, _, _ in
            guard let type = container.node.at("securityContext", "seccompProfile", "type"),
                type.string == "Unconfined"
            else { return [] }
            return [Problem(at: type, "container '\(container.name)' runs unconfined by seccomp")]
        }
        return pods + containers
    }
}

import BerthCore
import Kubernetes

/// A container in privileged mode.
public struct PrivilegedContainerRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-privileged-container", practice: .leastPrivilege, severity: .error, target: .kubernetes,
        summary: "a container runs in privileged mode",
        rationale: """
            The practice "Drop privileges where necessary" (least-privilege): a privileged container \
            holds every capability and sees the node's devices; root in it is root on the node.
            """,
        fix: "Remove privileged: true; add only the capability the process needs, if any.",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: agent
                spec:
                  containers:
                    - name: agent
                      image: registry.example.com/agent:1.0
                      securityContext:
                ↓        privileged: true
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: agent
                spec:
                  containers:
                    - name: agent
                      image: registry.example.com/agent:1.0
                      securityContext:
                        privileged: false
                """)
        ])

    public init() {}

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        guard let node = container.node.at("securityContext", "privileged"), node.bool == true else { return [] }
        return [Problem(at: node, "container '\(container.name)' runs privileged")]
    }
}

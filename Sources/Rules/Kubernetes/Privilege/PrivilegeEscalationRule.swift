import BerthCore
import Kubernetes

/// A container that explicitly allows privilege escalation.
public struct PrivilegeEscalationRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-privilege-escalation-allowed", practice: .leastPrivilege, severity: .error,
        target: .kubernetes,
        summary: "a container sets allowPrivilegeEscalation: true",
        rationale: """
            The practice "Drop privileges where necessary" (least-privilege): with privilege escalation \
            allowed, a setuid binary or file capability in the image lifts the non-root user back to \
            root (no_new_privs is off).
            """,
        fix: "Set allowPrivilegeEscalation: false.",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: api
                spec:
                  containers:
                    - name: api
                      image: registry.example.com/api:1.0
                      securityContext:
                ↓        allowPrivilegeEscalation: true
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
                  containers:
                    - name: api
                      image: registry.example.com/api:1.0
                      securityContext:
                        allowPrivilegeEscalation: false
                """)
        ])

    public init() {}

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        guard let node = container.node.at("securityContext", "allowPrivilegeEscalation"), node.bool == true else {
            return []
        }
        return [Problem(at: node, "container '\(container.name)' allows privilege escalation")]
    }
}

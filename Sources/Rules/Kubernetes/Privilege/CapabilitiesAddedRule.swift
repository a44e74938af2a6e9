import BerthCore
import Kubernetes

/// A container that adds Linux capabilities beyond binding low ports.
public struct CapabilitiesAddedRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-capabilities-added", practice: .leastPrivilege, severity: .error, target: .kubernetes,
        summary: "a container adds Linux capabilities other than NET_BIND_SERVICE",
        rationale: """
            The practice "Drop privileges where necessary" (least-privilege): capabilities such as \
            SYS_ADMIN, NET_ADMIN or SYS_PTRACE give a compromised container ways onto the node; a WSO2 \
            server needs none of them (binding a port below 1024 needs only NET_BIND_SERVICE).
            """,
        fix: "Remove the added capabilities; keep NET_BIND_SERVICE only if the server binds a port below 1024.",
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
                        capabilities:
                ↓          add: [SYS_ADMIN, NET_BIND_SERVICE]
                          drop: [ALL]
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
                        capabilities:
                          drop: [ALL]
                          add: [NET_BIND_SERVICE]
                """)
        ])

    public init() {}

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        let node = container.node.at("securityContext", "capabilities", "add")
        let risky = (node?.items.compactMap(\.string) ?? []).filter { $0 != "NET_BIND_SERVICE" }
        guard !risky.isEmpty else { return [] }
        return [Problem(at: node, "container '\(container.name)' adds capabilities \(risky.joined(separator: ", "))")]
    }
}

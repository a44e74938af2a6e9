import BerthCore
import Kubernetes

/// A container whose capability drop list leaves capabilities in place.
public struct CapabilitiesNotDroppedRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-capabilities-not-dropped", practice: .leastPrivilege, severity: .error,
        target: .kubernetes,
        summary: "a container's capabilities.drop list does not drop ALL",
        rationale: """
            The practice "Drop privileges where necessary" (least-privilege): a drop list that names \
            some capabilities keeps the rest of the runtime's defaults (NET_RAW, CHOWN, SETUID...). \
            The name is case-sensitive: `all` matches no capability and drops nothing.
            """,
        fix: "Drop ALL (upper case) and add back only what the process needs.",
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
                        capabilities:
                ↓          drop: [all]
                    - name: agent
                      image: registry.example.com/agent:1.0
                      securityContext:
                        capabilities:
                ↓          drop: [NET_RAW]
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
                """)
        ])

    public init() {}

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        guard let node = container.node.at("securityContext", "capabilities", "drop") else { return [] }
        let dropped = node.items.compactMap(\.string)
        guard !dropped.contains("ALL") else { return [] }
        let wrongCase = dropped.first { $0.uppercased() == "ALL" }
        return [
            Problem(
                at: node,
                "container '\(container.name)' "
                    + (wrongCase.map { "drops '\($0)', which matches no capability: the name is ALL" }
                        ?? "does not drop ALL capabilities"))
        ]
    }
}

import BerthCore
import Kubernetes

/// A container that leaves the hardening settings at their permissive defaults.
public struct HardeningUnsetRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-hardening-unset", practice: .leastPrivilege, severity: .warning, target: .kubernetes,
        summary: "a container does not set allowPrivilegeEscalation: false, capabilities.drop or a seccomp profile",
        rationale: """
            The practice "Drop privileges where necessary" (least-privilege): left unset, privilege \
            escalation is allowed, the runtime's default capabilities stay and no seccomp profile \
            applies (unless the pod sets one). Nothing is granted explicitly, so this is a warning: the \
            container keeps defaults it rarely needs. One finding names every setting missing.
            """,
        fix:
            "Set allowPrivilegeEscalation: false and capabilities.drop: [ALL] on the container and seccompProfile.type: RuntimeDefault on the pod.",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: api
                spec:
                  containers:
                ↓    - name: api
                      image: registry.example.com/api:1.0
                    - name: agent
                      image: registry.example.com/agent:1.0
                ↓      securityContext:
                        allowPrivilegeEscalation: false
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
                      securityContext:
                        allowPrivilegeEscalation: false
                        capabilities:
                          drop: [ALL]
                """)
        ])

    public init() {}

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        let security = container.node["securityContext"]
        var missing: [String] = []
        if security?["allowPrivilegeEscalation"] == nil && security?["privileged"]?.bool != true {
            missing.append("allowPrivilegeEscalation: false")
        }
        if security?.at("capabilities", "drop") == nil { missing.append("capabilities.drop: [ALL]") }
        if security?.at("seccompProfile", "type") == nil
            && pod.spec.at("securityContext", "seccompProfile", "type") == nil
        {
            missing.append("seccompProfile")
        }
        guard !missing.isEmpty else { return [] }
        return [
            Problem(
                at: security ?? container.node["name"] ?? container.node,
                "container '\(container.name)' does not set \(missing.joined(separator: ", "))")
        ]
    }
}

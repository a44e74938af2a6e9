import BerthCore
import Kubernetes

/// A RoleBinding whose roleRef names a Role the set does not hold.
public struct RoleBindingRoleMissingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-role-binding-role-missing", practice: .serviceInterconnect, severity: .error,
        target: .kubernetes,
        summary: "a RoleBinding grants a Role or ClusterRole that is not in the set",
        rationale: """
            service-interconnect: a binding whose roleRef names no role grants nothing, so the \
            component's API calls (a WSO2 member discovering its peers, say) are refused at run time. \
            Judged only when the set holds objects of the role's kind.
            """,
        fix: "Make roleRef name a Role or ClusterRole shipped with the deployment.",
        triggering: [
            RuleExample(
                """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata:
                  name: apim-reader
                rules:
                  - apiGroups: [""]
                    resources: [configmaps]
                    verbs: [get]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata:
                  name: apim
                roleRef:
                  apiGroup: rbac.authorization.k8s.io
                  kind: Role
                ↓  name: apim-readers
                subjects:
                  - kind: ServiceAccount
                    name: apim
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata:
                  name: apim-reader
                rules:
                  - apiGroups: [""]
                    resources: [configmaps]
                    verbs: [get]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata:
                  name: apim
                roleRef:
                  apiGroup: rbac.authorization.k8s.io
                  kind: Role
                  name: apim-reader
                subjects:
                  - kind: ServiceAccount
                    name: apim
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        return set.roleBindings.compactMap { binding in
            guard let kind = binding.roleKind, let name = binding.roleName, !set.objects(ofKind: kind).isEmpty,
                set.object(kind: kind, named: name, near: binding.object) == nil
            else { return nil }
            return context.finding(
                Self.description, binding.object, at: binding.object.root.at("roleRef", "name"),
                message: "\(binding.object.displayName) grants \(kind) '\(name)', which is not in the set")
        }
    }
}

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
            Judged only when the set holds objects of the role's kind (for a Role, in the binding's \
            namespace). The roles every cluster provides are never judged: the ClusterRoles \
            `system:*`, `cluster-admin`, `admin`, `edit` and `view`, and the `system:*` and \
            `extension-apiserver-authentication-reader` Roles of `kube-system`.
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
                """),
            RuleExample(
                """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata:
                  name: metrics-reader
                rules:
                  - apiGroups: [metrics.k8s.io]
                    resources: [pods]
                    verbs: [get]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata:
                  name: apim-reader
                  namespace: apim
                rules:
                  - apiGroups: [""]
                    resources: [configmaps]
                    verbs: [get]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata:
                  name: adapter-auth-delegator
                roleRef:
                  apiGroup: rbac.authorization.k8s.io
                  kind: ClusterRole
                  name: system:auth-delegator
                subjects:
                  - kind: ServiceAccount
                    name: adapter
                    namespace: apim
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata:
                  name: operators-edit
                  namespace: apim
                roleRef:
                  apiGroup: rbac.authorization.k8s.io
                  kind: ClusterRole
                  name: edit
                subjects:
                  - kind: Group
                    name: operators
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata:
                  name: adapter-auth-reader
                  namespace: kube-system
                roleRef:
                  apiGroup: rbac.authorization.k8s.io
                  kind: Role
                  name: extension-apiserver-authentication-reader
                subjects:
                  - kind: ServiceAccount
                    name: adapter
                    namespace: apim
                """),
        ])

    public init() {}

    static func isBuiltIn(kind: String, name: String, namespace: String?) -> Bool {
        kind == "ClusterRole"
            ? KubernetesScope.isBuiltInClusterRole(name) : KubernetesScope.isBuiltInRole(name, namespace: namespace)
    }

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        return set.roleBindings.compactMap { binding in
            guard let kind = binding.roleKind, let name = binding.roleName,
                context.scope.canSettleMissing(from: binding.object),
                !Self.isBuiltIn(kind: kind, name: name, namespace: binding.object.namespace),
                set.objects(ofKind: kind).contains(where: {
                    kind == "ClusterRole" || $0.sharesNamespace(with: binding.object)
                }),
                set.object(kind: kind, named: name, near: binding.object) == nil
            else { return nil }
            return context.finding(
                Self.description, binding.object, at: binding.object.root.at("roleRef", "name"),
                message: "\(binding.object.displayName) grants \(kind) '\(name)', which is not in the set")
        }
    }
}

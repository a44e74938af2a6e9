import BerthCore
import Kubernetes

/// A RoleBinding that binds a ServiceAccount the set does not hold.
public struct RoleBindingSubjectMissingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-role-binding-subject-missing", practice: .serviceInterconnect, severity: .error,
        target: .kubernetes,
        summary: "a RoleBinding binds a ServiceAccount that is not in the set",
        rationale: """
            service-interconnect: a binding whose ServiceAccount subject names no account grants its \
            role to nobody the deployment runs as, so the component's API calls are refused at run \
            time. Judged only when the set holds ServiceAccounts, and a subject in another namespace \
            only when the set holds that namespace; every namespace's `default` account is the \
            cluster's.
            """,
        fix: "Make the subject name the ServiceAccount the pods run as.",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: ServiceAccount
                metadata:
                  name: apim
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
                ↓    name: apim-sa
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: ServiceAccount
                metadata:
                  name: apim
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
                  - kind: Group
                    name: operators
                """),
            RuleExample(
                """
                apiVersion: v1
                kind: ServiceAccount
                metadata:
                  name: apim
                  namespace: apim
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata:
                  name: metrics-readers
                roleRef:
                  apiGroup: rbac.authorization.k8s.io
                  kind: ClusterRole
                  name: view
                subjects:
                  - kind: ServiceAccount
                    name: prometheus
                    namespace: monitoring
                  - kind: ServiceAccount
                    name: default
                    namespace: apim
                """),
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        let accounts = set.objects(ofKind: "ServiceAccount")
        guard !accounts.isEmpty else { return [] }
        var out: [KubernetesFinding] = []
        for binding in set.roleBindings where context.scope.canSettleMissing(from: binding.object) {
            for subject in binding.subjects where subject["kind"]?.string == "ServiceAccount" {
                guard let node = subject["name"], let name = node.string else { continue }
                let written = subject["namespace"]?.string
                let namespace = written ?? binding.object.namespace
                if name == "default" { continue }
                if let written, written != binding.object.namespace, !context.scope.contains(namespace: written) {
                    continue
                }
                let found = accounts.contains {
                    $0.name == name && (namespace == nil || $0.namespace == nil || $0.namespace == namespace)
                }
                if !found {
                    out.append(
                        context.finding(
                            Self.description, binding.object, at: node,
                            message:
                                "\(binding.object.displayName) binds ServiceAccount '\(name)', which is not in the set")
                    )
                }
            }
        }
        return out
    }
}

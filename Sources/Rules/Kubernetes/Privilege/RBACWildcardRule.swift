import BerthCore
import Kubernetes

/// An RBAC rule that grants every verb, resource or API group.
public struct RBACWildcardRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-rbac-wildcard", practice: .leastPrivilege, severity: .error, target: .kubernetes,
        summary: "a Role or ClusterRole grants every verb, resource or API group (\"*\")",
        rationale: """
            The practice "Drop privileges where necessary" (least-privilege): a `*` in verbs, resources \
            or apiGroups grants today's permissions and every one added later, so a service account \
            token stolen from a pod reaches far more than the product needs.
            """,
        fix: "List the verbs, resources and API groups the component uses.",
        triggering: [
            RuleExample(
                """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata:
                  name: ops
                rules:
                  - apiGroups: [""]
                    resources: [pods]
                ↓    verbs: ["*"]
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata:
                  name: reader
                rules:
                  - apiGroups: [""]
                    resources: [configmaps, endpoints]
                    verbs: [get, list, watch]
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        var out: [KubernetesFinding] = []
        for role in context.set.roles {
            for rule in role.rules {
                for key in ["verbs", "resources", "apiGroups"] {
                    guard let node = rule[key], node.items.contains(where: { $0.string == "*" }) else { continue }
                    out.append(
                        context.finding(
                            Self.description, role.object, at: node,
                            message: "\(role.object.displayName) grants every \(key.dropLast()) (\"*\")"))
                }
            }
        }
        return out
    }
}

import BerthCore
import Kubernetes

/// A pod that runs as a ServiceAccount the set does not hold.
public struct ServiceAccountMissingRule: PodRule {
    public static let description = RuleDescription(
        id: "kubernetes-service-account-missing", practice: .serviceInterconnect, severity: .error,
        target: .kubernetes,
        summary: "a pod runs as a ServiceAccount that is not in the set",
        rationale: """
            service-interconnect: the API server refuses to create a pod whose serviceAccountName \
            names no ServiceAccount, so the workload never starts. Judged only when the set holds \
            ServiceAccounts; `default` is not judged.
            """,
        fix: "Ship the ServiceAccount with the deployment, or correct serviceAccountName.",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: ServiceAccount
                metadata:
                  name: apim
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: tool
                spec:
                ↓  serviceAccountName: wso2am
                  containers:
                    - name: tool
                      image: registry.example.com/tool:1.0
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
                apiVersion: v1
                kind: Pod
                metadata:
                  name: tool
                spec:
                  serviceAccountName: apim
                  containers:
                    - name: tool
                      image: registry.example.com/tool:1.0
                """)
        ])

    public init() {}

    public func problems(of pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext) -> [Problem] {
        guard !context.set.objects(ofKind: "ServiceAccount").isEmpty, context.scope.canSettleMissing(from: object),
            let node = pod.spec["serviceAccountName"],
            let name = node.string, name != "default",
            context.set.object(kind: "ServiceAccount", named: name, near: object) == nil
        else { return [] }
        return [Problem(at: node, "\(object.displayName) runs as ServiceAccount '\(name)', which is not in the set")]
    }
}

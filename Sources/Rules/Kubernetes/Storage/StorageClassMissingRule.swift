import BerthCore
import Kubernetes

/// A claim or claim template naming a StorageClass the set does not define.
public struct StorageClassMissingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-storage-class-missing", practice: .persistentStorage, severity: .error,
        target: .kubernetes,
        summary: "a claim or volume claim template asks for a StorageClass that is not in the set",
        rationale: """
            The practice "Use PersistentVolumes with required read/write access" (persistent-storage): \
            a claim naming a StorageClass the cluster does not have stays Pending, and so does every \
            pod mounting it. Judged only when the set defines StorageClasses.
            """,
        fix: "Name a StorageClass the deployment defines (or omit storageClassName for the default).",
        triggering: [
            RuleExample(
                """
                apiVersion: storage.k8s.io/v1
                kind: StorageClass
                metadata:
                  name: nfs
                provisioner: nfs.csi.k8s.io
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: shared
                spec:
                  accessModes: [ReadWriteMany]
                ↓  storageClassName: efs
                  resources:
                    requests: {storage: 1Gi}
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: storage.k8s.io/v1
                kind: StorageClass
                metadata:
                  name: nfs
                provisioner: nfs.csi.k8s.io
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: shared
                spec:
                  accessModes: [ReadWriteMany]
                  storageClassName: nfs
                  resources:
                    requests: {storage: 1Gi}
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        let classes = Set(set.objects(ofKind: "StorageClass").compactMap(\.name))
        guard !classes.isEmpty else { return [] }
        var out: [KubernetesFinding] = []
        for claim in set.claims {
            guard let name = claim.storageClassName, !name.isEmpty, !classes.contains(name) else { continue }
            out.append(
                context.finding(
                    Self.description, claim.object, at: claim.storageClassNode,
                    message:
                        "\(claim.object.displayName) asks for StorageClass '\(name)', which is not in the set (\(classes.sorted().joined(separator: ", ")))"
                ))
        }
        for (object, _) in context.pods where object.kind == "StatefulSet" {
            for template in object.spec?["volumeClaimTemplates"]?.items ?? [] {
                guard let node = template.at("spec", "storageClassName"), let name = node.string, !name.isEmpty,
                    !classes.contains(name)
                else { continue }
                out.append(
                    context.finding(
                        Self.description, object, at: node,
                        message:
                            "a volume claim template of \(object.displayName) asks for StorageClass '\(name)', which is not in the set"
                    ))
            }
        }
        return out
    }
}

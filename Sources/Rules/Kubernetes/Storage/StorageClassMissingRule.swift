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
            pod mounting it. A set of files is not the cluster, which brings its own classes: a \
            claim is judged only when its own file (or rendered chart) defines StorageClasses, and \
            never for a class clusters provide (`standard`, `standard-rwo`, `gp2`, `gp3`, \
            `managed-csi`, `local-path` and the like).
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
                """),
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
                  name: cache
                spec:
                  accessModes: [ReadWriteOnce]
                  storageClassName: standard
                  resources:
                    requests: {storage: 1Gi}
                """,
                files: [
                    "minio/claim.yaml": """
                    apiVersion: v1
                    kind: PersistentVolumeClaim
                    metadata:
                      name: minio
                    spec:
                      accessModes: [ReadWriteOnce]
                      storageClassName: cdk-cinder
                      resources:
                        requests: {storage: 10Gi}
                    """
                ]),
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        var classesByFile: [String: Set<String>] = [:]
        for object in set.objects(ofKind: "StorageClass") {
            if let name = object.name { classesByFile[object.file, default: []].insert(name) }
        }
        guard !classesByFile.isEmpty else { return [] }
        let classes = Set(classesByFile.values.joined())
        // Only a file that ships its own classes settles which classes its claims may name; a class
        // every cluster of some provider has (`standard`, `gp2`) is never judged.
        func missing(_ name: String, in file: String) -> Bool {
            guard let own = classesByFile[file], !name.isEmpty else { return false }
            return !classes.contains(name) && !own.contains(name)
                && !KubernetesScope.clusterStorageClasses.contains(name)
        }
        var out: [KubernetesFinding] = []
        for claim in set.claims {
            guard let name = claim.storageClassName, missing(name, in: claim.object.file) else { continue }
            let own = classesByFile[claim.object.file] ?? []
            out.append(
                context.finding(
                    Self.description, claim.object, at: claim.storageClassNode,
                    message:
                        "\(claim.object.displayName) asks for StorageClass '\(name)', which is not in the set (its file defines \(own.sorted().joined(separator: ", ")))"
                ))
        }
        for (object, _) in context.pods where object.kind == "StatefulSet" {
            for template in object.spec?["volumeClaimTemplates"]?.items ?? [] {
                guard let node = template.at("spec", "storageClassName"), let name = node.string,
                    missing(name, in: object.file)
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

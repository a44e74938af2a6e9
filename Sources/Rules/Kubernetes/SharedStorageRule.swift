import BerthCore
import Kubernetes

/// Storage whose access mode or kind does not fit how the deployment shares it.
public struct SharedStorageRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-shared-storage", practice: .persistentStorage, severity: .error, target: .kubernetes,
        summary:
            "a single-writer claim is shared by several pods, shared data sits on pod-local storage, or a claim names a missing StorageClass",
        rationale: """
            The practice "Use PersistentVolumes with required read/write access" (persistent-storage): \
            a ReadWriteOnce claim mounted by a workload with several replicas, or by several \
            workloads, attaches to one node only, so the other pods hang in ContainerCreating or, \
            on one node, write the same files without coordination. Data the deployment shares \
            (WSO2's synapse artifacts under repository/deployment/server) on emptyDir or hostPath \
            differs per pod. A claim naming a StorageClass that the set does not define stays Pending.
            """,
        fix:
            "Use ReadWriteMany storage (NFS, EFS, Azure Files) for shared claims, a PersistentVolumeClaim for shared data, and an existing StorageClass.",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: synapse
                spec:
                ↓  accessModes: [ReadWriteOnce]
                  resources:
                    requests: {storage: 1Gi}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gw
                spec:
                  replicas: 2
                  selector:
                    matchLabels: {app: gw}
                  template:
                    metadata:
                      labels: {app: gw}
                    spec:
                      containers:
                        - name: gw
                          image: registry.example.com/gw:4.5.0
                          volumeMounts:
                            - {name: synapse, mountPath: /home/wso2carbon/wso2am/repository/deployment/server/synapse-configs}
                            - {name: tenants, mountPath: /home/wso2carbon/wso2am/repository/tenants}
                      volumes:
                        - name: synapse
                          persistentVolumeClaim: {claimName: synapse}
                        - name: tenants
                ↓          emptyDir: {}
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
                  name: shared
                spec:
                  accessModes: [ReadWriteMany]
                ↓  storageClassName: efs
                  resources:
                    requests: {storage: 1Gi}
                """),
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: synapse
                spec:
                  accessModes: [ReadWriteMany]
                  storageClassName: nfs
                  resources:
                    requests: {storage: 1Gi}
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: solr
                spec:
                  accessModes: [ReadWriteOnce]
                  resources:
                    requests: {storage: 1Gi}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gw
                spec:
                  replicas: 2
                  selector:
                    matchLabels: {app: gw}
                  template:
                    metadata:
                      labels: {app: gw}
                    spec:
                      containers:
                        - name: gw
                          image: registry.example.com/gw:4.5.0
                          volumeMounts:
                            - {name: synapse, mountPath: /home/wso2carbon/wso2am/repository/deployment/server/synapse-configs}
                            - {name: tmp, mountPath: /tmp}
                      volumes:
                        - name: synapse
                          persistentVolumeClaim: {claimName: synapse}
                        - name: tmp
                          emptyDir: {}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: cp
                spec:
                  replicas: 1
                  strategy: {type: Recreate}
                  selector:
                    matchLabels: {app: cp}
                  template:
                    metadata:
                      labels: {app: cp}
                    spec:
                      containers:
                        - name: cp
                          image: registry.example.com/cp:4.5.0
                          volumeMounts:
                            - {name: solr, mountPath: /home/wso2carbon/solr}
                      volumes:
                        - name: solr
                          persistentVolumeClaim: {claimName: solr}
                """)
        ])

    /// Mount paths whose data every pod of a WSO2 deployment must see the same.
    static let sharedPaths = ["repository/deployment/server", "repository/tenants", "/shared"]

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        var out: [KubernetesFinding] = []
        // Single-writer claims mounted by many pods.
        for claim in set.claims where claim.isSingleWriter {
            guard let name = claim.object.name else { continue }
            var users: [(object: KubernetesObject, pods: Int)] = []
            for (object, pod) in context.pods where object.sharesNamespace(with: claim.object) {
                guard pod.volumes.contains(where: { $0.claimName == name }) else { continue }
                users.append((object, set.maximumPods(of: object) ?? 1))
            }
            let many = users.filter { $0.pods > 1 }
            if users.count > 1 || !many.isEmpty {
                let who =
                    users.count > 1
                    ? "is mounted by \(users.count) workloads (\(users.map(\.object.displayName).joined(separator: ", ")))"
                    : "is mounted by \(many[0].object.displayName), which runs \(many[0].pods == Int.max ? "a pod per node" : "up to \(many[0].pods) pods")"
                out.append(
                    context.finding(
                        Self.description, claim.object, at: claim.accessModesNode,
                        message:
                            "\(claim.object.displayName) is \(claim.accessModes.joined(separator: ", ")) but \(who): only one node can write it"
                    ))
            }
        }
        // Shared data on pod-local volumes.
        for (object, pod) in context.pods {
            let pods = set.maximumPods(of: object) ?? 1
            guard pods > 1 else { continue }
            for volume in pod.volumes where volume.source == "emptyDir" || volume.source == "hostPath" {
                let mounts = pod.allContainers.flatMap(\.volumeMounts).filter { $0.name == volume.name }
                guard
                    let mount = mounts.first(where: { mount in
                        Self.sharedPaths.contains { mount.mountPath.contains($0) }
                    })
                else {
                    continue
                }
                out.append(
                    context.finding(
                        Self.description, object, at: volume.sourceNode ?? volume.node,
                        message:
                            "\(mount.mountPath) holds data the pods of \(object.displayName) share, but volume '\(volume.name)' is \(volume.source ?? "") and differs per pod"
                    ))
            }
        }
        // Claims naming StorageClasses absent from the set.
        let classes = Set(set.objects(ofKind: "StorageClass").compactMap(\.name))
        if !classes.isEmpty {
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
        }
        return out
    }
}

import BerthCore
import Kubernetes

/// A single-writer claim mounted by several pods.
public struct SingleWriterClaimSharedRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-single-writer-claim-shared", practice: .persistentStorage, severity: .error,
        target: .kubernetes,
        summary: "a ReadWriteOnce claim is mounted by several workloads or by a workload with several pods",
        rationale: """
            The practice "Use PersistentVolumes with required read/write access" (persistent-storage): \
            a ReadWriteOnce claim attaches to one node only, so when a workload with several replicas, \
            or several workloads, mount it, the other pods hang in ContainerCreating or, on one node, \
            write the same files without coordination.
            """,
        fix: "Use ReadWriteMany storage (NFS, EFS, Azure Files) for a claim several pods share.",
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
                      volumes:
                        - name: synapse
                          persistentVolumeClaim: {claimName: synapse}
                """),
            RuleExample(
                """
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: pvc0001
                spec:
                ↓  accessModes: [ReadWriteOnce]
                  resources:
                    requests: {storage: 1Gi}
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: pvpod
                spec:
                  containers:
                    - name: pvpod
                      image: registry.example.com/redis:7.2
                      volumeMounts:
                        - {name: data, mountPath: /data}
                  volumes:
                    - name: data
                      persistentVolumeClaim: {claimName: pvc0001}
                """,
                files: [
                    "redis/pod.yaml": """
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: redis
                    spec:
                      containers:
                        - name: redis
                          image: registry.example.com/redis:7.2
                          volumeMounts:
                            - {name: data, mountPath: /data}
                      volumes:
                        - name: data
                          persistentVolumeClaim: {claimName: pvc0001}
                    """
                ]),
        ],
        nonTriggering: [
            RuleExample(
                """
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
                """),
            RuleExample(
                """
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: pvc0001
                spec:
                  accessModes: [ReadWriteOnce]
                  resources:
                    requests: {storage: 1Gi}
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: pvpod
                spec:
                  containers:
                    - name: pvpod
                      image: registry.example.com/redis:7.2
                      volumeMounts:
                        - {name: data, mountPath: /data}
                  volumes:
                    - name: data
                      persistentVolumeClaim: {claimName: pvc0001}
                """,
                files: [
                    "portworx/claim.yaml": """
                    apiVersion: v1
                    kind: PersistentVolumeClaim
                    metadata:
                      name: pvc0001
                    spec:
                      accessModes: [ReadWriteOnce]
                      resources:
                        requests: {storage: 1Gi}
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: pvpod
                    spec:
                      containers:
                        - name: pvpod
                          image: registry.example.com/redis:7.2
                          volumeMounts:
                            - {name: data, mountPath: /data}
                      volumes:
                        - name: data
                          persistentVolumeClaim: {claimName: pvc0001}
                    """,
                    "vsphere/pod.yaml": """
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: pvpod
                    spec:
                      containers:
                        - name: pvpod
                          image: registry.example.com/redis:7.2
                          volumeMounts:
                            - {name: data, mountPath: /data}
                      volumes:
                        - name: data
                          persistentVolumeClaim: {claimName: pvc0001}
                    """,
                ]),
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        let scope = context.scope
        var out: [KubernetesFinding] = []
        for claim in set.claims where claim.isSingleWriter {
            guard let name = claim.object.name else { continue }
            let copies = set.claims.map(\.object).filter { $0.name == name }
            var mounting: [KubernetesObject] = []
            for (object, pod) in context.pods where object.sharesNamespace(with: claim.object) {
                guard pod.volumes.contains(where: { $0.claimName == name }) else { continue }
                // Where the claim has copies in several files, a workload mounts the nearest one.
                let meant = scope.nearest(copies.filter { $0.sharesNamespace(with: object) }, to: object)
                guard meant.contains(where: { KubernetesScope.same($0, claim.object) }) else { continue }
                mounting.append(object)
            }
            // Copies of one workload in several files are alternatives: one of them runs.
            let users = scope.nearest(mounting, to: claim.object).map { ($0, set.maximumPods(of: $0) ?? 1) }
            let many = users.filter { $0.1 > 1 }
            guard users.count > 1 || !many.isEmpty else { continue }
            let who =
                users.count > 1
                ? "is mounted by \(users.count) workloads (\(users.map { scope.cite($0.0, from: claim.object) }.joined(separator: ", ")))"
                : "is mounted by \(scope.cite(many[0].0, from: claim.object)), which runs \(many[0].1 == Int.max ? "a pod per node" : "up to \(many[0].1) pods")"
            out.append(
                context.finding(
                    Self.description, claim.object, at: claim.accessModesNode,
                    message:
                        "\(claim.object.displayName) is \(claim.accessModes.joined(separator: ", ")) but \(who): only one node can write it"
                ))
        }
        return out
    }
}

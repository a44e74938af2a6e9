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
                """)
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
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        var out: [KubernetesFinding] = []
        for claim in set.claims where claim.isSingleWriter {
            guard let name = claim.object.name else { continue }
            var users: [(object: KubernetesObject, pods: Int)] = []
            for (object, pod) in context.pods where object.sharesNamespace(with: claim.object) {
                guard pod.volumes.contains(where: { $0.claimName == name }) else { continue }
                users.append((object, set.maximumPods(of: object) ?? 1))
            }
            let many = users.filter { $0.pods > 1 }
            guard users.count > 1 || !many.isEmpty else { continue }
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
        return out
    }
}

import BerthCore
import Kubernetes

/// Data every pod must share, kept on a per-pod volume.
public struct SharedDataPodLocalRule: PodRule {
    public static let description = RuleDescription(
        id: "kubernetes-shared-data-pod-local", practice: .persistentStorage, severity: .error,
        target: .kubernetes,
        summary: "data the pods of a multi-pod workload share sits on an emptyDir or hostPath volume",
        rationale: """
            The practice "Use PersistentVolumes with required read/write access" (persistent-storage): \
            data the deployment shares (WSO2's synapse artifacts under repository/deployment/server, \
            tenants) on emptyDir or hostPath differs per pod, so an API deployed through one gateway \
            pod is missing from the others.
            """,
        fix: "Mount shared data from a ReadWriteMany PersistentVolumeClaim.",
        triggering: [
            RuleExample(
                """
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
                            - {name: tenants, mountPath: /home/wso2carbon/wso2am/repository/tenants}
                            - {name: tmp, mountPath: /tmp}
                      volumes:
                        - name: tenants
                ↓          emptyDir: {}
                        - name: tmp
                          emptyDir: {}
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gw
                spec:
                  replicas: 1
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
                            - {name: tenants, mountPath: /home/wso2carbon/wso2am/repository/tenants}
                      volumes:
                        - name: tenants
                          emptyDir: {}
                """)
        ])

    /// Mount paths whose data every pod of a WSO2 deployment must see the same.
    static let sharedPaths = ["repository/deployment/server", "repository/tenants", "/shared"]

    public init() {}

    public func problems(of pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext) -> [Problem] {
        guard (context.set.maximumPods(of: object) ?? 1) > 1 else { return [] }
        return pod.volumes.compactMap { volume in
            guard volume.source == "emptyDir" || volume.source == "hostPath",
                let mount = pod.allContainers.flatMap(\.volumeMounts).first(where: { mount in
                    mount.name == volume.name && Self.sharedPaths.contains { mount.mountPath.contains($0) }
                })
            else { return nil }
            return Problem(
                at: volume.sourceNode ?? volume.node,
                "\(mount.mountPath) holds data the pods of \(object.displayName) share, but volume '\(volume.name)' is \(volume.source ?? "") and differs per pod"
            )
        }
    }
}

import BerthCore
import Kubernetes

/// A pod volume that mounts the node's filesystem.
public struct HostPathRule: PodRule {
    public static let description = RuleDescription(
        id: "kubernetes-host-path", practice: .leastPrivilege, severity: .error, target: .kubernetes,
        summary: "a pod mounts a directory of the node's filesystem (hostPath)",
        rationale: """
            The practice "Drop privileges where necessary" (least-privilege): a hostPath volume gives \
            the container the node's files; a compromised container can read other pods' data or \
            write where the kubelet or container runtime will run it.
            """,
        fix: "Use a PersistentVolumeClaim, a ConfigMap or an emptyDir instead of hostPath.",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: agent
                spec:
                  containers:
                    - name: agent
                      image: registry.example.com/agent:1.0
                      volumeMounts:
                        - {name: root, mountPath: /host}
                  volumes:
                    - name: root
                ↓      hostPath: {path: /}
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: agent
                spec:
                  containers:
                    - name: agent
                      image: registry.example.com/agent:1.0
                      volumeMounts:
                        - {name: scratch, mountPath: /tmp}
                  volumes:
                    - name: scratch
                      emptyDir: {}
                """)
        ])

    public init() {}

    public func problems(of pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext) -> [Problem] {
        pod.volumes.filter { $0.source == "hostPath" }.map { volume in
            Problem(
                at: volume.sourceNode,
                "volume '\(volume.name)' of \(object.displayName) mounts the node's filesystem (hostPath \(volume.sourceNode?["path"]?.string ?? ""))"
            )
        }
    }
}

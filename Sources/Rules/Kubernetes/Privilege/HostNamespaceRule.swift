import BerthCore
import Kubernetes

/// A pod that shares the node's network, process or IPC namespace.
public struct HostNamespaceRule: PodRule {
    public static let description = RuleDescription(
        id: "kubernetes-host-namespace", practice: .leastPrivilege, severity: .error, target: .kubernetes,
        summary: "a pod shares the node's network, process or IPC namespace",
        rationale: """
            The practice "Drop privileges where necessary" (least-privilege): with hostNetwork, hostPID \
            or hostIPC a compromised container sees the node's interfaces, processes or shared memory, \
            and can reach what every other pod on the node does.
            """,
        fix: "Remove hostNetwork, hostPID and hostIPC (or set them to false); expose ports through a Service.",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: agent
                spec:
                ↓  hostPID: true
                ↓  hostNetwork: true
                  containers:
                    - name: agent
                      image: registry.example.com/agent:1.0
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
                  hostNetwork: false
                  containers:
                    - name: agent
                      image: registry.example.com/agent:1.0
                """)
        ])

    public init() {}

    public func problems(of pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext) -> [Problem] {
        ["hostNetwork", "hostPID", "hostIPC"].compactMap { key in
            guard let node = pod.spec[key], node.bool == true else { return nil }
            return Problem(at: node, "\(object.displayName) shares the node's namespace (\(key): true)")
        }
    }
}

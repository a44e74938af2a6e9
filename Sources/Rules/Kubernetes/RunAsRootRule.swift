import BerthCore
import Kubernetes

/// A container that runs, or may run, as root.
public struct RunAsRootRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-run-as-root", practice: .nonRootUser, severity: .warning, target: .kubernetes,
        summary: "a container runs as root, or nothing stops it from doing so",
        rationale: """
            The practice "Never run as root" (non-root-user): `runAsUser: 0` or `runAsNonRoot: false` \
            runs the process as root (an error); with neither `runAsNonRoot: true` nor a non-zero \
            `runAsUser` on the container or pod, the image's USER decides, and an image without one \
            runs as root unnoticed. WSO2 images run as wso2carbon (uid 802).
            """,
        fix:
            "Set securityContext.runAsNonRoot: true and runAsUser to the image's user (802 for WSO2 images), on the pod or each container.",
        triggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: api
                spec:
                  selector:
                    matchLabels: {app: api}
                  template:
                    metadata:
                      labels: {app: api}
                    spec:
                      containers:
                        - name: api
                          image: registry.example.com/api:1.0
                          securityContext:
                ↓            runAsUser: 0
                ↓        - name: agent
                          image: registry.example.com/agent:1.0
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: api
                spec:
                  selector:
                    matchLabels: {app: api}
                  template:
                    metadata:
                      labels: {app: api}
                    spec:
                      securityContext:
                        runAsNonRoot: true
                      containers:
                        - name: api
                          image: registry.example.com/api:1.0
                        - name: agent
                          image: registry.example.com/agent:1.0
                          securityContext:
                            runAsUser: 802
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        var out: [KubernetesFinding] = []
        for (object, pod) in context.pods {
            for container in pod.allContainers {
                let user = KubernetesScan.securityValue("runAsUser", container: container, pod: pod)
                let nonRoot = KubernetesScan.securityValue("runAsNonRoot", container: container, pod: pod)
                if let user, user.int == 0 {
                    out.append(
                        context.finding(
                            Self.description, object, at: user,
                            message: "container '\(container.name)' runs as root (runAsUser: 0)",
                            container: container.name, severity: .error))
                } else if let nonRoot, nonRoot.bool == false, (user?.int ?? 0) == 0 {
                    out.append(
                        context.finding(
                            Self.description, object, at: nonRoot,
                            message: "container '\(container.name)' allows root (runAsNonRoot: false)",
                            container: container.name,
                            severity: .error))
                } else if nonRoot?.bool != true, (user?.int ?? 0) == 0 {
                    out.append(
                        context.finding(
                            Self.description, object, at: container.node["name"] ?? container.node,
                            message:
                                "container '\(container.name)' sets neither runAsNonRoot: true nor a non-root runAsUser: the image decides",
                            container: container.name))
                }
            }
        }
        return out
    }
}

import BerthCore
import Kubernetes

/// A container whose user is left to the image.
public struct RunAsNonRootUnsetRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-run-as-non-root-unset", practice: .nonRootUser, severity: .warning, target: .kubernetes,
        summary: "nothing stops a container from running as root: no runAsNonRoot: true, no non-root runAsUser",
        rationale: """
            The practice "Never run as root" (non-root-user): with neither `runAsNonRoot: true` nor a \
            non-zero `runAsUser` on the container or pod, the image's USER decides, and an image \
            without one runs as root unnoticed. WSO2 images run as wso2carbon (uid 802).
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
                            runAsNonRoot: true
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

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        let user = KubernetesScan.securityValue("runAsUser", container: container, pod: pod)
        let nonRoot = KubernetesScan.securityValue("runAsNonRoot", container: container, pod: pod)
        // An explicit root user or runAsNonRoot: false is reported by the error rules instead.
        guard user?.int != 0, nonRoot?.bool != false, nonRoot?.bool != true,
            (user?.int ?? 0) == 0
        else { return [] }
        return [
            Problem(
                at: container.node["name"] ?? container.node,
                "container '\(container.name)' sets neither runAsNonRoot: true nor a non-root runAsUser: the image decides"
            )
        ]
    }
}

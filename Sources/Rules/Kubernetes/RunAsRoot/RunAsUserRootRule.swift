import BerthCore
import Kubernetes

/// A container whose user id is 0.
public struct RunAsUserRootRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-run-as-user-root", practice: .nonRootUser, severity: .error, target: .kubernetes,
        summary: "a container runs as root (runAsUser: 0 on the container or its pod)",
        rationale: """
            The practice "Never run as root" (non-root-user): `runAsUser: 0` overrides the image's \
            USER and runs the server as root, whatever the image was built for. WSO2 images run as \
            wso2carbon (uid 802).
            """,
        fix: "Set runAsUser to the image's user (802 for WSO2 images) and runAsNonRoot: true.",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: api
                spec:
                  containers:
                    - name: api
                      image: registry.example.com/api:1.0
                      securityContext:
                ↓        runAsUser: 0
                """),
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: api
                spec:
                  securityContext:
                ↓    runAsUser: 0
                  containers:
                    - name: api
                      image: registry.example.com/api:1.0
                """),
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: api
                spec:
                  securityContext:
                    runAsUser: 0
                  containers:
                    - name: api
                      image: registry.example.com/api:1.0
                      securityContext:
                        runAsUser: 802
                """)
        ])

    public init() {}

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        guard let user = KubernetesScan.securityValue("runAsUser", container: container, pod: pod), user.int == 0
        else { return [] }
        return [Problem(at: user, "container '\(container.name)' runs as root (runAsUser: 0)")]
    }
}

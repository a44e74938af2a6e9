import BerthCore
import Kubernetes

/// A container that explicitly allows root and sets no other user.
public struct RunAsNonRootFalseRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-run-as-non-root-false", practice: .nonRootUser, severity: .error, target: .kubernetes,
        summary: "a container sets runAsNonRoot: false and no non-root runAsUser",
        rationale: """
            The practice "Never run as root" (non-root-user): `runAsNonRoot: false` switches off the \
            kubelet's refusal to start a root container, so an image whose USER is root runs as root. \
            A container with `runAsUser: 0` is reported by kubernetes-run-as-user-root instead.
            """,
        fix: "Set runAsNonRoot: true, and runAsUser to the image's user (802 for WSO2 images).",
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
                ↓        runAsNonRoot: false
                """)
        ],
        nonTriggering: [
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
                        runAsNonRoot: false
                        runAsUser: 802
                """)
        ])

    public init() {}

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        let user = KubernetesScan.securityValue("runAsUser", container: container, pod: pod)
        // runAsUser: 0 is kubernetes-run-as-user-root's finding.
        guard user?.int != 0, (user?.int ?? 0) == 0,
            let nonRoot = KubernetesScan.securityValue("runAsNonRoot", container: container, pod: pod),
            nonRoot.bool == false
        else { return [] }
        return [Problem(at: nonRoot, "container '\(container.name)' allows root (runAsNonRoot: false)")]
    }
}

import BerthCore
import Kubernetes

/// A container image tagged latest.
public struct ContainerImageLatestRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-image-latest", practice: .pinnedImages, severity: .warning, target: .kubernetes,
        summary: "a container image uses the moving tag latest",
        rationale: """
            The practice "Use specific / unique tag" (pinned-images): latest changes under the same \
            name, so two replicas can run different code and a rollback pulls the new image again. \
            A digest pins the exact bytes.
            """,
        fix: "Name a specific version tag, best with its digest (image: registry/app:1.2.3@sha256:...).",
        triggering: [
            RuleExample(
                """
                apiVersion: batch/v1
                kind: Job
                metadata:
                  name: migrate
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      initContainers:
                        - name: wait
                          image: busybox
                      containers:
                        - name: migrate
                ↓          image: registry.example.com/migrate:latest
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: batch/v1
                kind: Job
                metadata:
                  name: migrate
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                        - name: migrate
                          image: registry.example.com/migrate:latest@sha256:4a1c4b21597c1b4415bdbecb28a3296c6b5e23ca4f9feeb599860a1dac6a0108
                        - name: tool
                          image: registry.example.com/tool:1.4
                """)
        ])

    public init() {}

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        guard let image = ContainerImages.judgeable(container), ImageName(image).tag == "latest" else { return [] }
        return [
            Problem(
                at: container.imageNode, "container '\(container.name)' image '\(image)' uses the moving tag latest")
        ]
    }
}

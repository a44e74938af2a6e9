import BerthCore
import Kubernetes

/// A container image with no tag, or `latest`.
public struct ContainerImageUnpinnedRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-image-unpinned", practice: .pinnedImages, severity: .warning, target: .kubernetes,
        summary: "a container image has no tag or uses latest",
        rationale: """
            The practice "Use specific / unique tag" (pinned-images): an untagged or `latest` image \
            changes under the same name, so two replicas can run different code and a rollback \
            pulls the new image again. A digest pins the exact bytes.
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
                ↓          image: busybox
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
                          image: registry.example.com/migrate:2.1.0@sha256:4a1c4b21597c1b4415bdbecb28a3296c6b5e23ca4f9feeb599860a1dac6a0108
                        - name: tool
                          image: registry.example.com/tool:1.4
                        - name: unset
                          image: /
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        var out: [KubernetesFinding] = []
        for (object, pod) in context.pods {
            for container in pod.allContainers {
                guard let image = container.image, !image.contains("{{"), !image.contains("$(") else { continue }
                let reference = ImageReference(image)
                // A digest pins; text that is no reference at all (empty chart values) cannot be judged.
                if reference.digest != nil || !reference.isWellFormed { continue }
                if reference.tag == nil {
                    out.append(
                        context.finding(
                            Self.description, object, at: container.imageNode,
                            message:
                                "container '\(container.name)' image '\(image)' has no tag: it pulls whatever latest is",
                            container: container.name))
                } else if reference.tag == "latest" {
                    out.append(
                        context.finding(
                            Self.description, object, at: container.imageNode,
                            message: "container '\(container.name)' image '\(image)' uses the moving tag latest",
                            container: container.name))
                }
            }
        }
        return out
    }
}

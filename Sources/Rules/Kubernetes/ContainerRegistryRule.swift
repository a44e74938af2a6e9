import BerthCore
import Kubernetes

/// A container image from a registry outside the configured trusted list.
public struct ContainerRegistryRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-untrusted-registry", practice: .privateRegistry, severity: .error, target: .kubernetes,
        summary: "a container image comes from a registry that is not trusted",
        rationale: """
            The practice "use of your own private container registry to host all the required images" \
            (private-registry): a pod that pulls from a public registry depends on it at every \
            reschedule, and skips the scanning and access control of your own. Checked only when \
            trustedRegistries is configured in .berth.yaml.
            """,
        fix: "Mirror the image into a trusted registry and reference the mirror.",
        triggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                spec:
                  selector:
                    matchLabels: {app: web}
                  template:
                    metadata:
                      labels: {app: web}
                    spec:
                      containers:
                        - name: web
                ↓          image: docker.io/library/nginx:1.27
                        - name: agent
                ↓          image: quay.io/example/agent:2.0
                """, configuration: "trustedRegistries: [registry.example.com]\n")
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                spec:
                  selector:
                    matchLabels: {app: web}
                  template:
                    metadata:
                      labels: {app: web}
                    spec:
                      containers:
                        - name: web
                          image: eu.corp.example.com/nginx:1.27
                """, configuration: "trustedRegistries: [\"*.corp.example.com\"]\n"),
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: web
                spec:
                  containers:
                    - name: web
                      image: nginx:1.27
                """),
        ])

    public init() {}

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        let trusted = context.configuration.trustedRegistries
        guard !trusted.isEmpty, let image = container.image, !image.contains("{{") else { return [] }
        let reference = ImageName(image)
        guard reference.isWellFormed else { return [] }
        let registry = reference.registry ?? "docker.io"
        if trusted.contains(where: { Glob.matches($0, registry) }) { return [] }
        return [
            Problem(
                at: container.imageNode,
                "container '\(container.name)' image '\(image)' comes from \(registry), which is not a trusted registry"
            )
        ]
    }
}

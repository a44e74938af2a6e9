import BerthCore
import Kubernetes

/// A WSO2 product container that mounts no ConfigMap.
public struct WSO2ConfigBakedInRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-wso2-config-baked-in", practice: .configViaConfigMap, severity: .info,
        target: .kubernetes,
        summary: "a WSO2 product container mounts no ConfigMap and runs the image's configuration",
        rationale: """
            The practice "Use ConfigMaps to induce changes to configuration files" (config-via-configmap): \
            a WSO2 product container with no ConfigMap mounted (as a volume or through envFrom) runs \
            the deployment.toml baked into the image, which a deployment rarely means to ship. It may \
            be intended (a custom image), so this is information.
            """,
        fix: "Mount the product's deployment.toml from a ConfigMap shipped with the deployment.",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: apim
                spec:
                  containers:
                ↓    - name: apim
                      image: wso2/wso2am:4.5.0
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: apim
                spec:
                  initContainers:
                    - name: wait
                      image: wso2/wso2am:4.5.0
                  containers:
                    - name: apim
                      image: wso2/wso2am:4.5.0
                      volumeMounts:
                        - {name: conf, mountPath: /home/wso2carbon/wso2am-4.5.0/repository/conf/deployment.toml, subPath: deployment.toml}
                  volumes:
                    - name: conf
                      configMap: {name: apim-conf}
                """)
        ])

    public init() {}

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        guard !container.isInit, let image = container.image, context.isWSO2Image(image) else { return [] }
        let mountsConfigMap = container.volumeMounts.contains { mount in
            !(pod.volume(named: mount.name)?.configMapNames.isEmpty ?? true)
        }
        let fromEnv = container.node["envFrom"]?.items.contains { $0["configMapRef"] != nil } ?? false
        guard !mountsConfigMap, !fromEnv else { return [] }
        return [
            Problem(
                at: container.node["name"] ?? container.node,
                "WSO2 container '\(container.name)' mounts no ConfigMap: it runs the configuration baked into \(image)")
        ]
    }
}

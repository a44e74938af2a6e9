import BerthCore
import Kubernetes

/// A configMap volume naming a ConfigMap the deployment does not ship.
public struct ConfigMapMissingRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-configmap-missing", practice: .configViaConfigMap, severity: .warning,
        target: .kubernetes,
        summary: "a container mounts a ConfigMap that is not in the set",
        rationale: """
            The practice "Use ConfigMaps to induce changes to configuration files" (config-via-configmap): \
            a configMap volume naming a ConfigMap that the deployment does not ship leaves the pod \
            stuck in ContainerCreating. Judged only when the set holds ConfigMaps; a volume marked \
            optional is not judged.
            """,
        fix: "Ship the ConfigMap with the deployment, or correct the name in the volume.",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: cp
                spec:
                  containers:
                    - name: cp
                      image: registry.example.com/cp:4.5.0
                      volumeMounts:
                        - {name: conf, mountPath: /home/wso2carbon/conf}
                ↓        - {name: extra, mountPath: /home/wso2carbon/extra}
                  volumes:
                    - name: conf
                      configMap: {name: cp-conf}
                    - name: extra
                      configMap: {name: cp-extra}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: cp-conf
                data:
                  deployment.toml: |
                    [server]
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: cp
                spec:
                  containers:
                    - name: cp
                      image: registry.example.com/cp:4.5.0
                      volumeMounts:
                        - {name: conf, mountPath: /home/wso2carbon/conf}
                        - {name: extra, mountPath: /home/wso2carbon/extra}
                  volumes:
                    - name: conf
                      configMap: {name: cp-conf}
                    - name: extra
                      configMap: {name: cp-extra, optional: true}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: cp-conf
                data:
                  deployment.toml: |
                    [server]
                """)
        ])

    public init() {}

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        let configMaps = context.set.objects(ofKind: "ConfigMap")
        guard !configMaps.isEmpty else { return [] }
        var out: [Problem] = []
        for mount in container.volumeMounts {
            guard let volume = pod.volume(named: mount.name), volume.sourceNode?["optional"]?.bool != true else {
                continue
            }
            for name in volume.configMapNames
            where !configMaps.contains(where: { $0.name == name && $0.sharesNamespace(with: object) }) {
                out.append(
                    Problem(
                        at: mount.node,
                        "container '\(container.name)' mounts ConfigMap '\(name)', which is not in the set"))
            }
        }
        return out
    }
}

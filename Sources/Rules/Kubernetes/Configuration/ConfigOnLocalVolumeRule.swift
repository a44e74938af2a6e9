import BerthCore
import Kubernetes

/// A configuration file read from pod-local or node storage.
public struct ConfigOnLocalVolumeRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-config-on-local-volume", practice: .configViaConfigMap, severity: .warning,
        target: .kubernetes,
        summary: "a configuration file is mounted from an emptyDir or hostPath volume, not a ConfigMap",
        rationale: """
            The practice "Use ConfigMaps to induce changes to configuration files" (config-via-configmap): \
            a deployment.toml on emptyDir or hostPath is whatever the pod or node happens to hold, \
            differs between replicas and is lost on reschedule.
            """,
        fix: "Put the file in a ConfigMap shipped with the deployment and mount it (subPath for a single file).",
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
                ↓        - {name: conf, mountPath: /home/wso2carbon/wso2am/repository/conf/deployment.toml, subPath: deployment.toml}
                        - {name: logs, mountPath: /home/wso2carbon/wso2am/repository/logs}
                  volumes:
                    - name: conf
                      hostPath: {path: /etc/wso2}
                    - name: logs
                      emptyDir: {}
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
                        - {name: conf, mountPath: /home/wso2carbon/wso2am/repository/conf/deployment.toml, subPath: deployment.toml}
                  volumes:
                    - name: conf
                      configMap: {name: cp-conf}
                """)
        ])

    static let configExtensions = [".toml", ".xml", ".yaml", ".yml", ".properties", ".conf", ".json", ".ini", ".cfg"]

    static func isConfigPath(_ path: String) -> Bool {
        path.contains("/conf/") || path.hasSuffix("/conf") || configExtensions.contains { path.hasSuffix($0) }
    }

    public init() {}

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        container.volumeMounts.compactMap { mount in
            guard let volume = pod.volume(named: mount.name),
                volume.source == "emptyDir" || volume.source == "hostPath", Self.isConfigPath(mount.mountPath)
            else { return nil }
            return Problem(
                at: mount.node,
                "container '\(container.name)' reads \(mount.mountPath) from \(volume.source ?? "") volume '\(volume.name)', not a ConfigMap"
            )
        }
    }
}

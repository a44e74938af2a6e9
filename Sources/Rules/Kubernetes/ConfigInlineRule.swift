import BerthCore
import Kubernetes

/// Configuration files that do not come from a ConfigMap.
public struct ConfigInlineRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-config-not-from-configmap", practice: .configViaConfigMap, severity: .warning,
        target: .kubernetes,
        summary: "a configuration file is mounted from pod-local or host storage, or from a ConfigMap the set lacks",
        rationale: """
            The practice "Use ConfigMaps to induce changes to configuration files" (config-via-configmap): \
            a deployment.toml on emptyDir or hostPath is whatever the pod or node happens to hold, \
            differs between replicas and is lost on reschedule; a configMap volume naming a ConfigMap \
            that the deployment does not ship leaves the pod stuck in ContainerCreating. A WSO2 \
            product container with no ConfigMap mounted runs the image's baked-in configuration (info).
            """,
        fix: "Put the file in a ConfigMap shipped with the deployment and mount it (subPath for a single file).",
        triggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: cp
                spec:
                  selector:
                    matchLabels: {app: cp}
                  template:
                    metadata:
                      labels: {app: cp}
                    spec:
                      containers:
                        - name: cp
                          image: registry.example.com/cp:4.5.0
                          volumeMounts:
                ↓            - {name: conf, mountPath: /home/wso2carbon/wso2am/repository/conf/deployment.toml, subPath: deployment.toml}
                ↓            - {name: extra, mountPath: /home/wso2carbon/extra}
                      volumes:
                        - name: conf
                          hostPath: {path: /etc/wso2}
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
                """),
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
                """),
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: cp
                spec:
                  selector:
                    matchLabels: {app: cp}
                  template:
                    metadata:
                      labels: {app: cp}
                    spec:
                      containers:
                        - name: cp
                          image: wso2/wso2am-acp:4.5.0
                          volumeMounts:
                            - {name: conf, mountPath: /home/wso2carbon/wso2am-acp/repository/conf/deployment.toml, subPath: deployment.toml}
                      volumes:
                        - name: conf
                          configMap: {name: cp-conf}
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

    static let configExtensions = [".toml", ".xml", ".yaml", ".yml", ".properties", ".conf", ".json", ".ini", ".cfg"]

    static func isConfigPath(_ path: String) -> Bool {
        path.contains("/conf/") || path.hasSuffix("/conf") || configExtensions.contains { path.hasSuffix($0) }
    }

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        var out: [KubernetesFinding] = []
        let configMaps = set.objects(ofKind: "ConfigMap")
        for (object, pod) in context.pods {
            for container in pod.allContainers {
                var mountsConfigMap = false
                for mount in container.volumeMounts {
                    guard let volume = pod.volume(named: mount.name) else { continue }
                    let names = volume.configMapNames
                    if !names.isEmpty { mountsConfigMap = true }
                    if volume.source == "emptyDir" || volume.source == "hostPath", Self.isConfigPath(mount.mountPath) {
                        out.append(
                            context.finding(
                                Self.description, object, at: mount.node,
                                message:
                                    "container '\(container.name)' reads \(mount.mountPath) from \(volume.source ?? "") volume '\(volume.name)', not a ConfigMap",
                                container: container.name))
                    }
                    if !configMaps.isEmpty, volume.sourceNode?["optional"]?.bool != true {
                        for name in names
                        where !configMaps.contains(where: { $0.name == name && $0.sharesNamespace(with: object) }) {
                            out.append(
                                context.finding(
                                    Self.description, object, at: mount.node,
                                    message:
                                        "container '\(container.name)' mounts ConfigMap '\(name)', which is not in the set",
                                    container: container.name))
                        }
                    }
                }
                if !mountsConfigMap, !container.isInit, let image = container.image, context.isWSO2Image(image) {
                    let fromEnv = container.node["envFrom"]?.items.contains { $0["configMapRef"] != nil } ?? false
                    if !fromEnv {
                        out.append(
                            context.finding(
                                Self.description, object, at: container.node["name"] ?? container.node,
                                message:
                                    "WSO2 container '\(container.name)' mounts no ConfigMap: it runs the configuration baked into \(image)",
                                container: container.name, severity: .info))
                    }
                }
            }
        }
        return out
    }
}

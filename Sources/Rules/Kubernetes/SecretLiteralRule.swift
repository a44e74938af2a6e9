import BerthCore
import Kubernetes

/// A password or token written as a literal in env, args or a ConfigMap.
public struct SecretLiteralRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-secret-literal", practice: .secretsManagement, severity: .error, target: .kubernetes,
        summary: "a password, token or key is written in plain text in env, args or a ConfigMap",
        rationale: """
            secrets-management: a literal env value, a command-line argument or a ConfigMap entry is \
            readable by anyone who can read the manifest, the chart repository or `kubectl describe`; \
            ConfigMaps are not encrypted at rest. WSO2's charts ship `password = "admin"` in \
            deployment.toml. Secrets, referenced by secretKeyRef or mounted, keep them apart.
            """,
        fix:
            "Move the value into a Secret and reference it (env valueFrom.secretKeyRef, or a mounted file with $secret{} in deployment.toml).",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: apim-conf
                data:
                  deployment.toml: |
                    [super_admin]
                    username = "admin"
                ↓    password = "admin"
                ↓  DB_PASSWORD: hunter2
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: tool
                spec:
                  containers:
                    - name: tool
                      image: registry.example.com/tool:1.0
                ↓      args: ["--user", "svc", "--password=s3cr3t"]
                      env:
                        - name: API_TOKEN
                ↓          value: "eyJhbGciOi"
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: apim-conf
                data:
                  deployment.toml: |
                    [super_admin]
                    username = "admin"
                    password = "$secret{admin_password}"
                    [oauth_config]
                    enable_token_encryption = true
                    allow_credentials = "false"
                    [apim.devportal]
                    show_as_token_endpoint_url = "https://gw.example.com/oauth2/token"
                  settings.json: |
                    {
                      "grantTypes": {
                        "password": "Password",
                        "refresh_token": "Refresh Token"
                      },
                      "passwordChange": {
                        "guidelinesEnabled": false
                      },
                      "API_KEY": "API Key"
                    }
                  PASSWORD_FILE: /etc/secrets/password
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: tool
                spec:
                  containers:
                    - name: tool
                      image: registry.example.com/tool:1.0
                      env:
                        - name: API_TOKEN
                          valueFrom:
                            secretKeyRef: {name: tool, key: token}
                        - name: TOKEN_PATH
                          value: /var/run/secrets/token
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        var out: [KubernetesFinding] = []
        for (object, pod) in context.pods {
            for container in pod.allContainers {
                for variable in container.env where KubernetesScan.isSecretName(variable.name) {
                    guard let value = variable.value, KubernetesScan.isLiteralSecret(value) else { continue }
                    out.append(
                        context.finding(
                            Self.description, object, at: variable.valueNode,
                            message: "env \(variable.name) of container '\(container.name)' holds a literal secret",
                            container: container.name))
                }
                for key in ["command", "args"] {
                    for item in container.node[key]?.items ?? [] {
                        guard let text = item.string, let equals = text.firstIndex(of: "="), text.hasPrefix("-") else {
                            continue
                        }
                        let name = String(text[..<equals])
                        guard KubernetesScan.isSecretName(name),
                            KubernetesScan.isLiteralSecret(String(text[text.index(after: equals)...]))
                        else {
                            continue
                        }
                        out.append(
                            context.finding(
                                Self.description, object, at: item,
                                message: "\(key) of container '\(container.name)' passes \(name) as a literal",
                                container: container.name))
                    }
                }
            }
        }
        for view in context.set.configData where view.object.kind == "ConfigMap" {
            for entry in view.entries {
                guard let text = entry.value.string else { continue }
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                if lines.count == 1 {
                    if KubernetesScan.isSecretName(entry.key), KubernetesScan.isLiteralSecret(text) {
                        out.append(
                            context.finding(
                                Self.description, view.object, at: entry.value,
                                message: "\(view.object.displayName) holds '\(entry.key)' in plain text"))
                    }
                    continue
                }
                for (offset, line) in lines.enumerated() {
                    guard let assignment = KubernetesScan.assignment(in: String(line)),
                        KubernetesScan.isSecretAssignment(key: assignment.key, value: assignment.value)
                    else { continue }
                    var node = entry.value
                    node.keyLine = entry.value.line(ofTextLine: offset)
                    node.keyColumn =
                        entry.value.blockIndent == nil ? entry.value.column : entry.value.column(ofTextLine: line)
                    out.append(
                        context.finding(
                            Self.description, view.object, at: node,
                            message: "'\(entry.key)' in \(view.object.displayName) sets \(assignment.key) in plain text"
                        ))
                }
            }
        }
        return out
    }
}

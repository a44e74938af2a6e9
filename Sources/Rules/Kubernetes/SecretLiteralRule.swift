import BerthCore
import Kubernetes

/// A password, token or key written as a literal in env, args, annotations or a ConfigMap.
public struct SecretLiteralRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-secret-literal", practice: .secretsManagement, severity: .error, target: .kubernetes,
        summary: "a password, token or key is written in plain text in env, args, annotations or a ConfigMap",
        rationale: """
            secrets-management: a literal env value, a command-line argument, an annotation or a \
            ConfigMap entry is readable by anyone who can read the manifest, the chart repository or \
            `kubectl describe`; ConfigMaps are not encrypted at rest. WSO2's charts ship \
            `password = "admin"` in deployment.toml. Secrets, referenced by secretKeyRef or mounted, \
            keep them apart. Reported: a literal under a secret-looking name (password, token, secret, \
            api_key, ...), and key material or a credential whatever its name: PEM and OpenSSH \
            private keys, PKCS#12 and Java keystores holding a private key in binaryData, GCP \
            service-account JSON, the OCI CLI's key_content, AWS secret access keys, Azure storage \
            and Batch keys, GitHub, GitLab and Slack tokens. The message names the kind and shows at \
            most a short prefix, never the value. Not reported: Secrets themselves, references \
            ($secret{...}, $env{...}, ${...}), templates ({{ ... }}), placeholders (<password>, \
            changeme, changeit, your-token-here, xxxx, values with "example"), key ids, public keys, \
            certificates and truststores.
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
                """),
            RuleExample(
                """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: cloud-keys
                  annotations:
                ↓    ci.example.com/notify: "https://hooks.slack.com/services/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"
                data:
                  oci-config: |
                    [DEFAULT]
                    user=ocid1.user.oc1..aaaaaaaa
                    fingerprint=20:3b:97:13:55:1c:5b:0d:d3:37:d8:50:4e:c5:3a:34
                ↓    key_content=-----BEGIN RSA PRIVATE KEY-----
                    MIIEowIBAAKCAQEAx3ZrY2VkIGtleSBib2R5IGxpbmU
                    -----END RSA PRIVATE KEY-----
                  gcp.json: |
                    {
                      "type": "service_account",
                      "private_key_id": "3f0c1e2d4b5a69788796a5b4c3d2e1f0a9b8c7d6",
                ↓      "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n"
                    }
                ↓  STORAGE: "DefaultEndpointsProtocol=https;AccountName=ci;AccountKey=c92P2+zHd3OC2pYwL82DeaGdyy8Yck0kF4nP47GiCpj7ZfZzp72dpiifA9SHEA8JMOE9mQfHdlNwl9cyhDujSw==;EndpointSuffix=core.windows.net"
                binaryData:
                ↓  keystore.p12: MIIBJQIBAzCB3AYJKoZIhvcNAQcBoIHOBIHLMIHIMIHFBgkqhkiG9w0BBwGggbcEgbQwgbEwga4GCyqGSIb3DQEMCgECoIGeMIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiwXvnNkMF/WAICCAAwDAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEJVGPNk6SDJmgsxCGpqimogEQBlOYT5bRMoL911nb74JS6t/38HkMDvOYjnS6kZwa75Z9+DlyEkj5oiHLBDdllgKMkTi2+hw2FphUm1eCbohZ9UwQTAxMA0GCWCGSAFlAwQCAQUABCD+L+lm9xFOKfva4T40VGMHqRDqYup59TDgi2hVuD4f8gQIYiJGHsSRkIoCAggA
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: ci
                spec:
                  selector: {matchLabels: {app: ci}}
                  template:
                    metadata:
                      labels: {app: ci}
                    spec:
                      containers:
                        - name: ci
                          image: registry.example.com/ci:1.0
                          env:
                            - name: DEPLOY_KEY
                ↓              value: "-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\\n-----END OPENSSH PRIVATE KEY-----\\n"
                            - name: NOTIFY
                ↓              value: xoxb-6146100330766-AeKOmXRrvftva9AW7hipTgad
                            - name: AWS_SECRET_ACCESS_KEY
                ↓              value: jLYQkA+eNH+uiG3GUHeV7HRcTD/LLrLHPhSTTIZ+
                            - name: AZURE_BATCH_ACCESS_KEY
                ↓              value: UvImZaYMEtKJGF2VDuiBNgkWb2sRPReNbA/TkB/yOaGglfIPk5VlDPk4C47bIkprJIoekk6P0K4uGpSSozBfGA==
                """),
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
                    [database.shared_db]
                    password = "$env{DB_PASSWORD}"
                    [keystore.primary]
                    password = "changeit"
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
                      "API_KEY": "API Key",
                      "private_key_id": "3f0c1e2d4b5a69788796a5b4c3d2e1f0a9b8c7d6"
                    }
                  PASSWORD_FILE: /etc/secrets/password
                  ADMIN_PASSWORD: "<admin-password>"
                  ca.crt: |
                    -----BEGIN CERTIFICATE-----
                    MIIBszCCAVmgAwIBAgIUK7hmYWtlIGNlcnRpZmljYXRl
                    -----END CERTIFICATE-----
                  signing.pub: |
                    -----BEGIN PUBLIC KEY-----
                    MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=
                    -----END PUBLIC KEY-----
                  authorized_keys: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx1Y2t5IHlvdSwgdGhpcyBpcyBub3QgYSBrZXk= ci
                ---
                apiVersion: v1
                kind: Secret
                metadata:
                  name: tool
                stringData:
                  token: ghp_4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: tool
                  annotations:
                    checksum/config: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
                spec:
                  containers:
                    - name: tool
                      image: registry.example.com/tool:1.0
                      args: ["--token=$(API_TOKEN)", "--password-file=/var/run/secrets/password"]
                      env:
                        - name: API_TOKEN
                          valueFrom:
                            secretKeyRef: {name: tool, key: token}
                        - name: TOKEN_PATH
                          value: /var/run/secrets/token
                        - name: GITHUB_TOKEN
                          value: "{{ .Values.githubToken }}"
                        - name: SMTP_PASSWORD
                          value: changeme
                        - name: AWS_SECRET_ACCESS_KEY
                          value: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
                """)
        ])

    public init() {}

    /// A literal that holds a secret: not a reference, a switch or a placeholder.
    static func isLiteral(_ value: String) -> Bool {
        KubernetesScan.isLiteralSecret(value) && !SecretDetector.isPlaceholder(value)
    }

    /// A secret-looking name that is not an identifier of one (`private_key_id`, `secretId`).
    static func isSecretName(_ name: String) -> Bool {
        let lower = name.lowercased()
        if lower.hasSuffix("id") || lower.hasSuffix("ids") { return false }
        return KubernetesScan.isSecretName(name) || SecretDetector.isCredentialName(name)
    }

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        var out: [KubernetesFinding] = []
        for (object, pod) in context.pods {
            for container in pod.allContainers {
                out += containerFindings(container, object: object, context: context)
            }
        }
        for view in context.set.configData where view.object.kind == "ConfigMap" {
            out += configMapFindings(view, context: context)
        }
        for object in context.set.objects where object.kind != "Secret" {
            let annotations =
                (object.root.at("metadata", "annotations")?.entries ?? [])
                + (object.pod?.metadata?["annotations"]?.entries ?? [])
            for entry in annotations {
                guard let text = entry.value.string,
                    let match = SecretDetector.credential(name: entry.key, value: text)
                else { continue }
                out.append(
                    context.finding(
                        Self.description, object, at: Self.node(entry.value, line: match.line, of: text),
                        message: "annotation '\(entry.key)' of \(object.displayName) holds \(match.summary)"))
            }
        }
        return out
    }

    func containerFindings(_ container: Container, object: KubernetesObject, context: KubernetesContext)
        -> [KubernetesFinding]
    {
        var out: [KubernetesFinding] = []
        for variable in container.env {
            guard let value = variable.value else { continue }
            let message: String
            if let match = SecretDetector.credential(name: variable.name, value: value) {
                message = "env \(variable.name) of container '\(container.name)' holds \(match.summary)"
            } else if Self.isSecretName(variable.name), Self.isLiteral(value) {
                message = "env \(variable.name) of container '\(container.name)' holds a literal secret"
            } else {
                continue
            }
            out.append(
                context.finding(
                    Self.description, object, at: variable.valueNode, message: message, container: container.name))
        }
        for key in ["command", "args"] {
            for item in container.node[key]?.items ?? [] {
                guard let text = item.string else { continue }
                let message: String
                if let match = SecretDetector.firstMatch(in: text) {
                    message = "\(key) of container '\(container.name)' passes \(match.summary)"
                } else if let equals = text.firstIndex(of: "="), text.hasPrefix("-"),
                    Self.isSecretName(String(text[..<equals])),
                    Self.isLiteral(String(text[text.index(after: equals)...]))
                {
                    message = "\(key) of container '\(container.name)' passes \(text[..<equals]) as a literal"
                } else {
                    continue
                }
                out.append(
                    context.finding(Self.description, object, at: item, message: message, container: container.name))
            }
        }
        return out
    }

    func configMapFindings(_ view: ConfigDataView, context: KubernetesContext) -> [KubernetesFinding] {
        var out: [KubernetesFinding] = []
        let name = view.object.displayName
        for entry in view.entries {
            guard let text = entry.value.string else { continue }
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            while lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }
            if lines.count == 1 {
                let text = String(lines[0])
                let message: String
                if let match = SecretDetector.credential(name: entry.key, value: text) {
                    message = "\(name) holds \(match.summary) in '\(entry.key)'"
                } else if Self.isSecretName(entry.key), Self.isLiteral(text) {
                    message = "\(name) holds '\(entry.key)' in plain text"
                } else {
                    continue
                }
                out.append(context.finding(Self.description, view.object, at: entry.value, message: message))
                continue
            }
            // Key material first (a PEM block spans lines), then one finding a line for assignments.
            var reported: Set<Int> = []
            for match in SecretDetector.matches(in: text) {
                reported.insert(match.line)
                out.append(
                    context.finding(
                        Self.description, view.object, at: Self.node(entry.value, line: match.line, of: text),
                        message: "'\(entry.key)' in \(name) holds \(match.summary)"))
            }
            for (offset, line) in lines.enumerated() where !reported.contains(offset) {
                guard let assignment = KubernetesScan.assignment(in: String(line)) else { continue }
                let message: String
                if let match = SecretDetector.credential(name: assignment.key, value: assignment.value) {
                    message = "'\(entry.key)' in \(name) sets \(assignment.key) to \(match.summary)"
                } else if Self.isSecretName(assignment.key),
                    KubernetesScan.isSecretAssignment(key: assignment.key, value: assignment.value),
                    !SecretDetector.isPlaceholder(assignment.value)
                {
                    message = "'\(entry.key)' in \(name) sets \(assignment.key) in plain text"
                } else {
                    continue
                }
                out.append(
                    context.finding(
                        Self.description, view.object, at: Self.node(entry.value, line: offset, of: text),
                        message: message))
            }
        }
        for entry in view.object.root["binaryData"]?.entries ?? [] {
            guard let text = entry.value.string, let match = SecretDetector.base64Value(text) else { continue }
            out.append(
                context.finding(
                    Self.description, view.object, at: entry.value,
                    message: "binaryData '\(entry.key)' of \(name) holds \(match.summary)"))
        }
        return out
    }

    /// The node to report for line `offset` of a scalar's text: that line's own position in a `|`
    /// block, the scalar's otherwise.
    static func node(_ value: ManifestNode, line offset: Int, of text: String) -> ManifestNode {
        guard offset > 0 || value.blockIndent != nil else { return value }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard offset < lines.count else { return value }
        var node = value
        node.keyLine = value.line(ofTextLine: offset)
        node.keyColumn = value.blockIndent == nil ? value.column : value.column(ofTextLine: lines[offset])
        return node
    }
}

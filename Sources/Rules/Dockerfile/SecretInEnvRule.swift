import BerthCore
import Dockerfile
import Foundation

/// A password, token or key written into ENV or an ARG default.
public struct SecretInEnvRule: InstructionRule {
    public static let description = RuleDescription(
        id: "dockerfile-secret-in-env", practice: .secretsManagement, severity: .error, target: .dockerfile,
        summary: "a secret is written into ENV or an ARG default",
        rationale: """
            Secrets management (secrets-management): ENV values and ARG defaults are stored in the image \
            configuration and history, readable by anyone who can pull the image. Secrets belong in \
            build secrets (RUN --mount=type=secret) and, at run time, in Kubernetes Secrets. Reported: \
            a literal value under a secret-looking name (PASSWORD, TOKEN, SECRET, API_KEY, ...), and \
            key material or a credential whatever its name (PEM and OpenSSH private keys, GitHub, \
            GitLab and Slack tokens, AWS secret access keys, Azure storage keys). The message shows \
            the kind and at most a short prefix, never the value. Not reported: references \
            (${DB_PASSWORD}), placeholders (<password>, changeme, changeit, your-token-here, xxxx, \
            values with "example"), switches (true, off), public keys and certificates.
            """,
        fix: "Remove the value; use RUN --mount=type=secret for builds and a Secret (secretKeyRef) at run time.",
        triggering: [
            RuleExample("FROM alpine:3.20\n↓ENV DB_PASSWORD=wso2carbon\n"),
            RuleExample("FROM alpine:3.20\n↓ARG GITHUB_TOKEN=ghp_0123456789abcdef\n"),
            RuleExample("FROM alpine:3.20\n↓ENV ADMIN_PASSWORD admin\n"),
            RuleExample(
                """
                FROM alpine:3.20
                ↓ENV DEPLOY_KEY="-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\\n-----END OPENSSH PRIVATE KEY-----"

                """),
            RuleExample("FROM alpine:3.20\n↓ARG CI_PULL=glpat-ilI8ihN5KXSc7Tvo_hBK\n"),
            RuleExample(
                "FROM alpine:3.20\n↓ENV AZURE_STORAGE_KEY=UvImZaYMEtKJGF2VDuiBNgkWb2sRPReNbA/TkB/yOaGglfIPk5VlDPk4C47bIkprJIoekk6P0K4uGpSSozBfGA==\n"
            ),
        ],
        nonTriggering: [
            RuleExample("FROM alpine:3.20\nARG GITHUB_TOKEN\nENV PASSWORD_FILE=/run/secrets/db\n"),
            RuleExample("FROM alpine:3.20\nENV DB_PASSWORD=${DB_PASSWORD}\n"),
            RuleExample("FROM alpine:3.20\nENV KEYSTORE_PATH=/home/wso2carbon/keystore.jks JAVA_OPTS=-Xmx1g\n"),
            RuleExample("FROM alpine:3.20\nENV DB_PASSWORD=\"\"\n"),
            RuleExample("FROM alpine:3.20\nENV TOKEN_ENCRYPTION=true CREDENTIAL_CACHE=off\n"),
            RuleExample(
                "FROM alpine:3.20\nENV DB_PASSWORD=changeme KEYSTORE_PASSWORD=changeit API_TOKEN=<your-token> CLIENT_SECRET=xxxxxxxx\n"
            ),
            RuleExample(
                "FROM alpine:3.20\nARG AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"),
            RuleExample("FROM postgres:17\nENV GPG_KEYS B42F6819007F00F88E364FD4036A9C25BF357DD4\n"),
            RuleExample(
                """
                FROM alpine:3.20
                ENV SSH_PUBLIC_KEY="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx1Y2t5IHlvdSwgdGhpcyBpcyBub3QgYSBrZXk="
                ENV CA_CERT="-----BEGIN CERTIFICATE-----\\nMIIBszCCAVmgAwIBAgIUK7hmYWtlIGNlcnRpZmljYXRl\\n-----END CERTIFICATE-----"

                """),
        ],
        hadolintCodes: [])

    static let secretWords = [
        "password", "passwd", "secret", "token", "apikey", "api_key", "private_key", "access_key", "credential",
    ]
    static let harmlessSuffixes = [
        "_file", "_path", "_dir", "_url", "_name", "_id", "_user", "_username", "_length", "_ttl",
    ]

    public init() {}

    static func looksSecret(_ name: String) -> Bool {
        let lower = name.lowercased()
        guard secretWords.contains(where: { lower.contains($0) }) || SecretDetector.isCredentialName(name) else {
            return false
        }
        return !harmlessSuffixes.contains { lower.hasSuffix($0) }
    }

    public static let keywords: Set<String> = ["ENV", "ARG"]

    public func problem(with instruction: Instruction, in stage: Stage?, context: DockerfileContext) -> String? {
        let pairs: [(String, String)]
        if instruction.keyword == "ENV" {
            pairs = instruction.keyValuePairs.map { ($0.key, $0.value) }
        } else {
            pairs = instruction.arguments.compactMap { word in
                let parts = word.split(separator: "=", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            }
        }
        for (name, rawValue) in pairs {
            let value = rawValue.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            // Key material or a credential, whatever the name: say what, never the value.
            if let match = SecretDetector.credential(name: name, value: value) {
                return "\(name) holds \(match.summary) in \(instruction.keyword)"
            }
            guard Self.looksSecret(name) else { continue }
            // Empty, a reference, a placeholder or a switch (`TOKEN_ENCRYPTION=true`): no secret in the image.
            if value.isEmpty || SecretDetector.isPlaceholder(value) || SettingValue.isSwitch(value) { continue }
            return "\(name) is given a literal value in \(instruction.keyword)"
        }
        return nil
    }
}

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
            build secrets (RUN --mount=type=secret) and, at run time, in Kubernetes Secrets.
            """,
        fix: "Remove the value; use RUN --mount=type=secret for builds and a Secret (secretKeyRef) at run time.",
        triggering: [
            RuleExample("FROM alpine:3.20\n↓ENV DB_PASSWORD=wso2carbon\n"),
            RuleExample("FROM alpine:3.20\n↓ARG GITHUB_TOKEN=ghp_0123456789abcdef\n"),
            RuleExample("FROM alpine:3.20\n↓ENV ADMIN_PASSWORD admin\n"),
        ],
        nonTriggering: [
            RuleExample("FROM alpine:3.20\nARG GITHUB_TOKEN\nENV PASSWORD_FILE=/run/secrets/db\n"),
            RuleExample("FROM alpine:3.20\nENV DB_PASSWORD=${DB_PASSWORD}\n"),
            RuleExample("FROM alpine:3.20\nENV KEYSTORE_PATH=/home/wso2carbon/keystore.jks JAVA_OPTS=-Xmx1g\n"),
            RuleExample("FROM alpine:3.20\nENV DB_PASSWORD=\"\"\n"),
            RuleExample("FROM alpine:3.20\nENV TOKEN_ENCRYPTION=true CREDENTIAL_CACHE=off\n"),
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
        guard secretWords.contains(where: { lower.contains($0) }) else { return false }
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
        for (name, rawValue) in pairs where Self.looksSecret(name) {
            let value = rawValue.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            // Empty, a reference, or a switch (`TOKEN_ENCRYPTION=true`): no secret in the image.
            if value.isEmpty || value.hasPrefix("$") || SettingValue.isSwitch(value) { continue }
            return "\(name) is given a literal value in \(instruction.keyword)"
        }
        return nil
    }
}

import BerthCore
import Dockerfile

/// The last USER of the shipped stages is root.
public struct UserRootRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-user-root", practice: .nonRootUser, severity: .error, target: .dockerfile,
        summary: "the final USER is root",
        rationale: """
            The practice "Never run as root" (non-root-user): the last USER of the final stage is the \
            user the product runs as. Root in a builder stage is fine; root at the end is not.
            """,
        fix: "Switch back to the non-root user at the end of the final stage: USER 802 (wso2carbon).",
        triggering: [
            RuleExample("FROM alpine:3.20\nUSER 802\nRUN echo hi\n↓USER root\n"),
            RuleExample("FROM alpine:3.20\n↓USER 0:0\n"),
            RuleExample("FROM alpine:3.20\nARG RUNAS=root\n↓USER ${RUNAS}\n"),
        ],
        nonTriggering: [
            RuleExample("FROM alpine:3.20\nUSER root\nRUN apk add --no-cache curl\nUSER 802\n"),
            RuleExample("FROM alpine:3.20 AS build\nUSER root\nFROM alpine:3.20\nUSER 802\n"),
            RuleExample("FROM alpine:3.20\nARG RUNAS\nUSER ${RUNAS}\n"),
        ],
        hadolintCodes: ["DL3002"])

    public init() {}

    public func check(_ context: DockerfileContext) -> [Finding] {
        guard let final = context.finalStage else { return [] }
        for stage in context.shippedStages {
            guard let position = stage.instructions.lastIndex(where: { $0.keyword == "USER" }) else {
                continue
            }
            let user = stage.instructions[position]
            guard let written = user.arguments.first else { return [] }
            let scope = context.scope(before: position, in: stage)
            guard
                let value = ParsedDockerfile.expand(
                    written, scope: scope, lexer: ShellLexer(escapeToken: context.parsed.escapeToken))
            else {
                return []
            }
            let name = value.split(separator: ":", omittingEmptySubsequences: false).first.map(String.init) ?? value
            if name == "root" || name == "0" {
                return [
                    context.finding(
                        Self.description, at: user, message: "the final USER is '\(value)': the product runs as root")
                ]
            }
            return []
        }
        return []
    }
}

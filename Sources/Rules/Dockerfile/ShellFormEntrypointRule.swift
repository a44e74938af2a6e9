import BerthCore
import Dockerfile

/// ENTRYPOINT or CMD in shell form: the server is not PID 1 and never sees SIGTERM.
public struct ShellFormEntrypointRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-shell-form-entrypoint", practice: .gracefulShutdown, severity: .warning, target: .dockerfile,
        summary: "ENTRYPOINT or CMD in shell form keeps SIGTERM from the server",
        rationale: """
            Graceful shutdown (graceful-shutdown): the shell form runs /bin/sh -c as PID 1, which does \
            not forward SIGTERM, so on every rolling update or scale-down the server is killed after the \
            grace period instead of finishing its requests.
            """,
        fix:
            "Use the exec form: ENTRYPOINT [\"/home/wso2carbon/docker-entrypoint.sh\"], and exec the server in that script.",
        triggering: [
            RuleExample("FROM alpine:3.20\n↓ENTRYPOINT /opt/app/start.sh\n"),
            RuleExample("FROM alpine:3.20\n↓CMD java -jar /app.jar\n"),
        ],
        nonTriggering: [
            RuleExample("FROM alpine:3.20\nENTRYPOINT [\"/opt/app/start.sh\"]\n"),
            RuleExample("FROM alpine:3.20\nENTRYPOINT [\"java\", \"-jar\", \"/app.jar\"]\nCMD --server.port=8080\n"),
            RuleExample("FROM alpine:3.20 AS build\nCMD make\nFROM alpine:3.20\nCMD [\"/app\"]\n"),
            RuleExample("FROM alpine:3.20\nCMD exec java -jar /app.jar\n"),
        ],
        hadolintCodes: ["DL3025"])

    public init() {}

    public func check(_ context: DockerfileContext) -> [Finding] {
        let shipped = context.shippedInstructions
        let entrypoint = shipped.last { $0.keyword == "ENTRYPOINT" }
        let command = shipped.last { $0.keyword == "CMD" }
        var findings: [Finding] = []
        if let entrypoint, !entrypoint.isJSON, !entrypoint.arguments.isEmpty {
            if !(entrypoint.arguments.first?.hasPrefix("exec ") ?? false) {
                findings.append(
                    context.finding(
                        Self.description, at: entrypoint,
                        message: "ENTRYPOINT in shell form: /bin/sh is PID 1 and does not forward SIGTERM"))
            }
        } else if entrypoint == nil, let command, !command.isJSON, !command.arguments.isEmpty {
            if !(command.arguments.first?.hasPrefix("exec ") ?? false) {
                findings.append(
                    context.finding(
                        Self.description, at: command,
                        message: "CMD in shell form: /bin/sh is PID 1 and does not forward SIGTERM"))
            }
        }
        return findings
    }
}

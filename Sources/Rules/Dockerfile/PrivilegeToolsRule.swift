import BerthCore
import Dockerfile

/// sudo, doas, su by a non-root user, or setuid bits in the image: ways back to root.
public struct PrivilegeToolsRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-privilege-escalation", practice: .leastPrivilege, severity: .warning, target: .dockerfile,
        summary: "sudo, doas, su by a non-root user or a setuid bit gives processes a way back to root",
        rationale: """
            The practice "Drop privileges where necessary" (least-privilege): what matters is the \
            direction. Tools that let a non-root user become root again are findings: sudo and doas \
            (used or installed), setuid/setgid bits (chmod u+s, 4755), and su run after USER has \
            switched to a non-root user. Tools that root uses to step down are not: gosu and su-exec \
            (`gosu postgres initdb`, `gosu nobody true` to check the binary, the official images' \
            entrypoint pattern), setpriv, runuser, and su run by root (`su postgres -c initdb`) only \
            ever lose privileges. A RUN before any USER runs as the base image's user, taken as root.
            """,
        fix: """
            Drop sudo and doas: put root steps before USER and switch users once; step down with gosu or \
            su-exec from a root entrypoint; do not set setuid bits (chmod u+s, 4755).
            """,
        triggering: [
            RuleExample("FROM ubuntu:24.04\nUSER 802\n↓RUN sudo apt-get update\n"),
            RuleExample("FROM ubuntu:24.04\nUSER wso2carbon\n↓RUN su -c 'touch /tmp/x'\n"),
            RuleExample("FROM ubuntu:24.04\n↓RUN chmod u+s /usr/local/bin/tool\n"),
            RuleExample("FROM ubuntu:24.04\n↓RUN chmod 4755 /usr/local/bin/tool\n"),
            RuleExample("FROM ubuntu:24.04\n↓RUN apt-get update && apt-get install -y sudo\n"),
            RuleExample("FROM alpine:3.20\n↓RUN apk add --no-cache doas\n"),
            RuleExample("FROM alpine:3.20\nRUN apk add --no-cache su-exec\n↓RUN chmod +s /sbin/su-exec\n"),
            RuleExample("FROM alpine:3.20 AS base\nUSER 802\nFROM base\n↓RUN su root -c id\n"),
        ],
        nonTriggering: [
            RuleExample("FROM ubuntu:24.04\nRUN chmod 0755 /usr/local/bin/tool && chmod g+rwX /opt\n"),
            RuleExample("FROM ubuntu:24.04\nRUN echo 'sudo is not used here'\n"),
            RuleExample(
                "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends gosu && gosu nobody true\n"
            ),
            RuleExample("FROM alpine:3.20\nRUN apk add --no-cache su-exec && su-exec nobody true\n"),
            RuleExample("FROM ubuntu:24.04\nRUN su wso2carbon -c 'touch /tmp/x'\nUSER wso2carbon\n"),
            RuleExample("FROM ubuntu:24.04\nUSER 802\nUSER root\nRUN su postgres -c 'initdb -D /data'\nUSER 802\n"),
            RuleExample("FROM ubuntu:24.04\nARG RUNAS\nUSER ${RUNAS}\nRUN su -c id\n"),
        ],
        hadolintCodes: ["DL3004"])

    public init() {}

    /// Who a RUN runs as: root, a non-root user, or a user that cannot be resolved.
    enum RunUser: Equatable {
        case root
        case nonRoot(String)
        case unknown
    }

    static func problem(_ command: ShellScript.Command, user: RunUser) -> String? {
        let arguments = Array(command.arguments)
        switch command.program {
        case "sudo", "doas":
            return "\(command.program) is used"
        case "su":
            // Root stepping down (`su postgres -c ...`) loses privileges; a non-root user running su
            // asks for root's.
            if case .nonRoot(let name) = user { return "su is run by the non-root user '\(name)'" }
        case "chmod":
            for mode in arguments where !mode.hasPrefix("-") {
                if mode.contains("+s") || mode.contains("s,") {
                    return "chmod \(mode) sets a setuid/setgid bit"
                }
                if mode.count == 4, mode.allSatisfy(\.isNumber), let first = mode.first, "2367456".contains(first),
                    first != "0", first != "1"
                {
                    return "chmod \(mode) sets a setuid/setgid bit"
                }
                break
            }
        case "apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper":
            if arguments.contains(where: { $0 == "install" || $0 == "add" }),
                let tool = arguments.first(where: { ["sudo", "doas", "opendoas"].contains($0) })
            {
                return "\(tool) is installed"
            }
        default:
            break
        }
        return nil
    }

    public func check(_ context: DockerfileContext) -> [Finding] {
        var findings: [Finding] = []
        var userAtEnd: [Int: RunUser] = [:]
        // Root first, so a stage built FROM an earlier one starts as that stage's last user.
        for stage in context.shippedStages.reversed() {
            var user = stage.parentStage.flatMap { userAtEnd[$0] } ?? .root
            for (position, instruction) in stage.instructions.enumerated() {
                if instruction.keyword == "USER" {
                    user = Self.user(of: instruction, position: position, in: stage, context: context)
                    continue
                }
                guard instruction.keyword == "RUN" else { continue }
                for command in context.script(of: instruction).commands {
                    if let problem = Self.problem(command, user: user) {
                        findings.append(context.finding(Self.description, at: instruction, message: problem))
                        break
                    }
                }
            }
            userAtEnd[stage.index] = user
        }
        return findings.sorted { $0.location.line < $1.location.line }
    }

    static func user(of instruction: Instruction, position: Int, in stage: Stage, context: DockerfileContext)
        -> RunUser
    {
        guard let written = instruction.arguments.first,
            let value = ParsedDockerfile.expand(
                written, scope: context.scope(before: position, in: stage),
                lexer: ShellLexer(escapeToken: context.parsed.escapeToken)),
            !value.isEmpty, !TemplateText.isTemplate(value)
        else { return .unknown }
        let name = value.split(separator: ":", omittingEmptySubsequences: false).first.map(String.init) ?? value
        return name == "root" || name == "0" ? .root : .nonRoot(name)
    }
}

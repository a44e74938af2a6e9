import BerthCore
import Dockerfile

/// sudo, su, or setuid bits in the image.
public struct PrivilegeToolsRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-privilege-escalation", practice: .leastPrivilege, severity: .warning, target: .dockerfile,
        summary: "sudo, su or a setuid bit gives processes a way back to root",
        rationale: """
            The practice "Drop privileges where necessary" (least-privilege): sudo and su in a build \
            only hide which user a step needs, and setuid binaries let the non-root user become root \
            again. Run root steps as root, then switch users once.
            """,
        fix: "Drop sudo/su: put root steps before USER, and do not set setuid bits (chmod u+s, 4755).",
        triggering: [
            RuleExample("FROM ubuntu:24.04\nUSER 802\n↓RUN sudo apt-get update\n"),
            RuleExample("FROM ubuntu:24.04\n↓RUN su wso2carbon -c 'touch /tmp/x'\n"),
            RuleExample("FROM ubuntu:24.04\n↓RUN chmod u+s /usr/local/bin/tool\n"),
            RuleExample("FROM ubuntu:24.04\n↓RUN chmod 4755 /usr/local/bin/tool\n"),
            RuleExample("FROM ubuntu:24.04\n↓RUN apt-get update && apt-get install -y sudo\n"),
        ],
        nonTriggering: [
            RuleExample("FROM ubuntu:24.04\nRUN chmod 0755 /usr/local/bin/tool && chmod g+rwX /opt\n"),
            RuleExample("FROM ubuntu:24.04\nRUN echo 'sudo is not used here'\n"),
        ],
        hadolintCodes: ["DL3004"])

    public init() {}

    static func problem(_ command: ShellScript.Command) -> String? {
        let arguments = Array(command.arguments)
        switch command.program {
        case "sudo", "su", "doas", "gosu", "su-exec":
            return "\(command.program) is used"
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
        case "apt-get", "apt", "apk", "yum", "dnf", "microdnf":
            if arguments.contains(where: { $0 == "install" || $0 == "add" }), arguments.contains("sudo") {
                return "sudo is installed"
            }
        default:
            break
        }
        return nil
    }

    public func check(_ context: DockerfileContext) -> [Finding] {
        var findings: [Finding] = []
        for stage in context.shippedStages {
            for instruction in stage.instructions where instruction.keyword == "RUN" {
                for command in context.script(of: instruction).commands {
                    if let problem = Self.problem(command) {
                        findings.append(context.finding(Self.description, at: instruction, message: problem))
                        break
                    }
                }
            }
        }
        return findings.sorted { $0.location.line < $1.location.line }
    }
}

import BerthCore
import Dockerfile

/// Certificate or signature checks switched off for a download or a package manager.
public struct TLSVerificationDisabledRule: InstructionRule {
    public static let description = RuleDescription(
        id: "dockerfile-verification-disabled", practice: .httpsOnly, severity: .error, target: .dockerfile,
        summary: "TLS certificate or package signature checking is turned off",
        rationale: """
            The practices "Always use HTTPS for files added remotely" and "Check for GPG keys, signed \
            files or valid checksums" (https-only): curl -k, wget --no-check-certificate, pip \
            --trusted-host, apt --allow-unauthenticated, yum/dnf --nogpgcheck and apk --allow-untrusted \
            keep the transport but drop the check that makes it trustworthy.
            """,
        fix: "Remove the switch; install the CA certificate or the repository key the check needs instead.",
        triggering: [
            RuleExample("FROM alpine:3.20\n↓RUN curl -k -fsSLo a.zip https://example.com/a.zip\n"),
            RuleExample("FROM alpine:3.20\n↓RUN wget --no-check-certificate https://example.com/a.zip\n"),
            RuleExample("FROM ubuntu:24.04\n↓RUN apt-get install -y --allow-unauthenticated curl\n"),
            RuleExample("FROM rockylinux:9.3\n↓RUN dnf install -y --nogpgcheck unzip\n"),
            RuleExample("FROM python:3.12-slim\n↓RUN pip install --trusted-host pypi.example.com flask==3.0.0\n"),
            RuleExample("FROM alpine:3.20\n↓RUN apk add --allow-untrusted /tmp/pkg.apk\n"),
        ],
        nonTriggering: [
            RuleExample("FROM alpine:3.20\nRUN curl -fsSLo a.zip https://example.com/a.zip\n"),
            RuleExample("FROM alpine:3.20\nRUN curl -fsk https://localhost:9443/health\n"),
            RuleExample("FROM alpine:3.20\nRUN ls -k /tmp\n"),
        ],
        hadolintCodes: [])

    public init() {}

    static func problem(_ command: ShellScript.Command) -> String? {
        let arguments = Array(command.arguments)
        func has(_ option: String) -> Bool {
            arguments.contains { $0 == option || $0.hasPrefix(option + "=") }
        }
        switch command.program {
        case "curl":
            if has("--insecure") { return "curl --insecure" }
            if arguments.contains(where: { $0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("k") }) {
                return "curl -k"
            }
        case "wget":
            if has("--no-check-certificate") { return "wget --no-check-certificate" }
        case "apt-get", "apt":
            if has("--allow-unauthenticated") { return "apt --allow-unauthenticated" }
            if arguments.contains(where: {
                $0.contains("AllowInsecureRepositories") || $0.contains("AllowUnauthenticated")
            }) {
                return "apt with insecure repositories allowed"
            }
            if has("--force-yes") { return "apt-get --force-yes" }
        case "yum", "dnf", "microdnf", "tdnf", "zypper":
            if has("--nogpgcheck") || has("--no-gpg-checks") { return "\(command.program) --nogpgcheck" }
        case "rpm":
            if has("--nodigest") || has("--nosignature") { return "rpm without digest or signature checks" }
        case "pip", "pip3":
            if has("--trusted-host") { return "pip --trusted-host" }
        case "apk":
            if has("--allow-untrusted") { return "apk --allow-untrusted" }
        case "git":
            if arguments.contains(where: { $0.lowercased().contains("sslverify=false") }) {
                return "git http.sslVerify=false"
            }
        case "npm", "yarn":
            if arguments.contains("strict-ssl"), arguments.contains("false") {
                return "\(command.program) strict-ssl false"
            }
        default:
            break
        }
        return nil
    }

    public static let keywords: Set<String> = ["RUN"]

    public func problem(with instruction: Instruction, in stage: Stage?, context: DockerfileContext) -> String? {
        for command in context.script(of: instruction).commands {
            guard let problem = Self.problem(command) else { continue }
            // Talking to the container itself is not a download.
            if command.program == "curl" || command.program == "wget",
                command.arguments.contains(where: { $0.contains("://") }),
                command.arguments.filter({ $0.contains("://") }).allSatisfy(Downloads.isLocal)
            {
                continue
            }
            return "\(problem) turns verification off"
        }
        return nil
    }
}

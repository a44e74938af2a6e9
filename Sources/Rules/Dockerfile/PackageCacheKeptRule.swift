import BerthCore
import Dockerfile

/// Package manager caches left in the layer that installed packages.
public struct PackageCacheKeptRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-package-cache-kept", practice: .noBuildLeftovers, severity: .warning, target: .dockerfile,
        summary: "a package install leaves the package manager's cache in the layer",
        rationale: """
            The practice "Only the necessary software packages have been installed" and the removal of \
            build leftovers (no-build-leftovers): apt lists, apk and yum/dnf caches add tens of megabytes \
            that the image never uses. They must go in the same RUN as the install.
            """,
        fix:
            "apt-get: && rm -rf /var/lib/apt/lists/*; apk: add --no-cache; yum/dnf: && yum clean all (or dnf clean all).",
        triggering: [
            RuleExample("FROM ubuntu:24.04\n↓RUN apt-get update && apt-get install -y --no-install-recommends curl\n"),
            RuleExample("FROM alpine:3.20\n↓RUN apk add curl\n"),
            RuleExample("FROM rockylinux:9.3\n↓RUN dnf install -y unzip\n"),
        ],
        nonTriggering: [
            RuleExample(
                "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n"
            ),
            RuleExample("FROM alpine:3.20\nRUN apk add --no-cache curl\n"),
            RuleExample("FROM rockylinux:9.3\nRUN dnf install -y unzip && dnf clean all\n"),
            RuleExample(
                "FROM ubuntu:24.04\nRUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y curl\n"
            ),
            RuleExample(
                "FROM ubuntu:24.04 AS build\nRUN apt-get update && apt-get install -y gcc\nFROM ubuntu:24.04\nCOPY --from=build /out /out\n"
            ),
        ],
        hadolintCodes: ["DL3009", "DL3019", "DL3032", "DL3040"])

    public init() {}

    public func check(_ context: DockerfileContext) -> [Finding] {
        var findings: [Finding] = []
        for stage in context.shippedStages {
            for instruction in stage.instructions where instruction.keyword == "RUN" {
                let cached = instruction.flags.contains { $0.hasPrefix("--mount=") && $0.contains("type=cache") }
                if cached { continue }
                let commands = context.script(of: instruction).commands
                let text = commands.map { $0.words.joined(separator: " ") }.joined(separator: "\n")
                for command in commands {
                    let arguments = Array(command.arguments)
                    var problem: String?
                    switch command.program {
                    case "apt-get", "apt":
                        if arguments.contains("install"), !text.contains("/var/lib/apt/lists") {
                            problem = "apt-get install without removing /var/lib/apt/lists/*"
                        }
                    case "apk":
                        if arguments.contains("add"), !arguments.contains("--no-cache"),
                            !text.contains("/var/cache/apk")
                        {
                            problem = "apk add without --no-cache"
                        }
                    case "yum", "dnf", "microdnf", "tdnf":
                        if arguments.contains("install"), !text.contains("\(command.program) clean"),
                            !text.contains("/var/cache/\(command.program == "microdnf" ? "dnf" : command.program)")
                        {
                            problem = "\(command.program) install without \(command.program) clean all"
                        }
                    default:
                        break
                    }
                    if let problem {
                        findings.append(
                            context.finding(
                                Self.description, at: instruction, message: "\(problem): the cache stays in this layer")
                        )
                        break
                    }
                }
            }
        }
        return findings.sorted { $0.location.line < $1.location.line }
    }
}

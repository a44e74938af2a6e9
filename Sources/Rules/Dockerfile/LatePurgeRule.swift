import BerthCore
import Dockerfile

/// Packages removed in a later layer than the one that installed them.
public struct LatePurgeRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-late-purge", practice: .noBuildLeftovers, severity: .warning, target: .dockerfile,
        summary: "build tools are purged in a later layer than the one that installed them",
        rationale: """
            The practice "The product distribution pack and its dependencies are removed to prevent the \
            Docker image size from increasing" (no-build-leftovers): removing a package in a later RUN \
            hides it but the earlier layer still ships it, so the image gets larger, not smaller. WSO2's \
            own Dockerfiles install unzip and wget in one RUN and purge them in another.
            """,
        fix: "Install, use and purge build-only packages in the same RUN, or build in a separate stage.",
        triggering: [
            RuleExample(
                "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y unzip wget && rm -rf /var/lib/apt/lists/*\nRUN unzip x.zip\n↓RUN apt-get purge -y unzip wget\n"
            ),
            RuleExample("FROM alpine:3.20\nRUN apk add --no-cache --virtual .build gcc\n↓RUN apk del .build\n"),
        ],
        nonTriggering: [
            RuleExample(
                "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y unzip && unzip x.zip && apt-get purge -y unzip && rm -rf /var/lib/apt/lists/*\n"
            ),
            RuleExample("FROM ubuntu:24.04\nRUN apt-get purge -y --auto-remove perl-modules\n"),
            RuleExample(
                "FROM ubuntu:24.04 AS build\nRUN apt-get update && apt-get install -y gcc\nRUN apt-get purge -y gcc\nFROM ubuntu:24.04\n"
            ),
        ],
        hadolintCodes: [])

    public init() {}

    /// Packages a command installs or removes: the non-option arguments after the verb.
    static func packages(_ command: ShellScript.Command, verbs: Set<String>) -> [String]? {
        let arguments = Array(command.arguments)
        guard let verb = arguments.firstIndex(where: { verbs.contains($0) }) else { return nil }
        var names: [String] = []
        var skipNext = false
        for argument in arguments[(verb + 1)...] {
            if skipNext {
                skipNext = false
                if command.program == "apk", names.isEmpty { names.append(argument) }  // --virtual NAME
                continue
            }
            if argument == "--virtual" || argument == "-t" || argument == "-o" {
                skipNext = true
                continue
            }
            if argument.hasPrefix("-") { continue }
            names.append(argument.split(separator: "=").first.map(String.init) ?? argument)
        }
        return names
    }

    static let managers: [String: (install: Set<String>, remove: Set<String>)] = [
        "apt-get": (["install"], ["purge", "remove", "autoremove"]), "apt": (["install"], ["purge", "remove"]),
        "apk": (["add"], ["del"]), "yum": (["install"], ["remove", "erase"]),
        "dnf": (["install"], ["remove", "erase"]),
        "microdnf": (["install"], ["remove"]),
    ]

    public func check(_ context: DockerfileContext) -> [Finding] {
        var findings: [Finding] = []
        for stage in context.shippedStages {
            var installedAt: [String: Int] = [:]
            for instruction in stage.instructions where instruction.keyword == "RUN" {
                var installedHere: Set<String> = []
                for command in context.script(of: instruction).commands {
                    guard let manager = Self.managers[command.program] else { continue }
                    if let names = Self.packages(command, verbs: manager.install) {
                        for name in names {
                            installedHere.insert(name)
                            installedAt[name] = installedAt[name] ?? instruction.startLine
                        }
                    } else if let names = Self.packages(command, verbs: manager.remove) {
                        let late = names.filter { !installedHere.contains($0) && installedAt[$0] != nil }
                        if let first = late.first, let line = installedAt[first] {
                            findings.append(
                                context.finding(
                                    Self.description, at: instruction,
                                    message:
                                        "\(late.joined(separator: ", ")) installed on line \(line) but removed in this later layer: the earlier layer still ships them"
                                ))
                        }
                    }
                }
            }
        }
        return findings.sorted { $0.location.line < $1.location.line }
    }
}

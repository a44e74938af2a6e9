import BerthCore
import Dockerfile

/// An archive downloaded in a RUN and not removed in that RUN.
public struct ArchiveLeftBehindRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-archive-left-behind", practice: .noBuildLeftovers, severity: .warning, target: .dockerfile,
        summary: "a downloaded archive stays in the image layer",
        rationale: """
            The practice "The product distribution pack and its dependencies are removed to prevent the \
            Docker image size from increasing" (no-build-leftovers): a file deleted in a later RUN still \
            ships in the earlier layer. Builder stages that are not shipped do not count.
            """,
        fix: "Download, unpack and rm the archive in the same RUN.",
        triggering: [
            RuleExample(
                "FROM alpine:3.20\n↓RUN wget -O /tmp/p.zip https://example.com/p.zip && echo \"$S  /tmp/p.zip\" | sha256sum -c - && unzip /tmp/p.zip -d /opt\nRUN rm /tmp/p.zip\n"
            ),
            RuleExample(
                "FROM alpine:3.20\n↓RUN curl -fsSLo jdk.tar.gz https://example.com/jdk.tar.gz && sha256sum -c jdk.sha && tar -xzf jdk.tar.gz\n"
            ),
        ],
        nonTriggering: [
            RuleExample(
                "FROM alpine:3.20\nRUN curl -fsSLo /tmp/p.zip https://example.com/p.zip && sha256sum -c p.sha && unzip /tmp/p.zip -d /opt && rm -f /tmp/p.zip\n"
            ),
            RuleExample(
                "FROM alpine:3.20 AS build\nRUN curl -fsSLo /tmp/p.zip https://example.com/p.zip\nFROM alpine:3.20\nCOPY --from=build /opt /opt\n"
            ),
            RuleExample(
                "FROM alpine:3.20\nRUN curl -fsSLo /opt/app.jar https://example.com/app.jar && sha256sum -c app.sha\n"),
            RuleExample(
                "FROM alpine:3.20\nRUN wget -O p.zip https://example.com/p.zip && unzip p.zip && rm -rf *.zip\n"),
        ],
        hadolintCodes: [])

    static let archiveSuffixes = [
        ".zip", ".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".gz", ".xz", ".bz2", ".7z", ".rpm",
        ".deb", ".apk",
    ]

    public init() {}

    public func check(_ context: DockerfileContext) -> [Finding] {
        var findings: [Finding] = []
        for stage in context.shippedStages {
            for download in Downloads.find(in: stage, context: context) {
                guard download.program != "ADD", let file = download.target else { continue }
                let resolvedName = Downloads.basename(
                    Downloads.resolve(file, position: 0, stage: stage, context: context) ?? file)
                let name = Downloads.basename(file)
                let lower = (resolvedName.contains("$") ? (download.resolvedURL ?? download.url) : resolvedName)
                    .lowercased()
                guard Self.archiveSuffixes.contains(where: { lower.hasSuffix($0) }) else { continue }
                let commands = context.script(of: download.instruction).commands
                let removed = commands[(download.commandIndex + 1)...].contains { command in
                    guard command.program == "rm" else { return false }
                    return command.arguments.contains { argument in
                        if argument.hasPrefix("-") { return false }
                        if argument == file || Downloads.basename(argument) == name { return true }
                        // rm -rf /tmp/*, rm *.zip: a glob that covers the file.
                        return argument.contains("*") && Glob.matches(Downloads.basename(argument), name)
                            && (argument.contains("/")
                                ? Glob.matches(argument, file) || file.hasPrefix(String(argument.prefix { $0 != "*" }))
                                : true)
                    }
                }
                if !removed {
                    findings.append(
                        context.finding(
                            Self.description, at: download.instruction,
                            message: "'\(name)' is downloaded but not removed in the same RUN, so the layer keeps it"))
                }
            }
        }
        return findings.sorted { $0.location.line < $1.location.line }
    }
}

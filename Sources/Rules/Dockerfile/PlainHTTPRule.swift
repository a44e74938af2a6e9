import BerthCore
import Dockerfile

/// `http://` or `ftp://` used to fetch files.
public struct PlainHTTPRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-plain-http", practice: .httpsOnly, severity: .error, target: .dockerfile,
        summary: "a file is fetched over plain HTTP or FTP",
        rationale: """
            The practice "Always use HTTPS for files added remotely" (https-only): over http:// or ftp:// \
            anyone on the path can replace what you download. Requests to localhost (health checks) are \
            not downloads and are not flagged.
            """,
        fix: "Use the https:// URL of the same file (and verify its checksum).",
        triggering: [
            RuleExample(
                "FROM alpine:3.20\n↓RUN wget http://archive.example.com/tool.tgz && echo \"$S  tool.tgz\" | sha256sum -c -\n"
            ),
            RuleExample(
                "FROM alpine:3.20\n↓ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d http://example.com/a.tgz /opt/\n"
            ),
            RuleExample("FROM alpine:3.20\n↓RUN curl -o x.tgz ftp://ftp.example.com/x.tgz\n"),
            RuleExample(
                "FROM alpine:3.20\nARG MIRROR=http://mirror.example.com\n↓RUN curl -fsSLo a.zip ${MIRROR}/a.zip\n"),
            RuleExample(
                "FROM python:3.12-slim\n↓RUN pip install --index-url http://pypi.example.com/simple flask==3.0.0\n"),
        ],
        nonTriggering: [
            RuleExample("FROM alpine:3.20\nRUN curl -fsSLo a.zip https://example.com/a.zip\n"),
            RuleExample(
                "FROM alpine:3.20\nHEALTHCHECK CMD curl -f http://localhost:9763/carbon/admin/login.jsp || exit 1\n"),
            RuleExample("FROM alpine:3.20\nRUN echo 'see http://example.com for details'\n"),
            RuleExample("FROM alpine:3.20\nLABEL org.opencontainers.image.url=http://example.com\n"),
        ],
        hadolintCodes: [])

    static let fetchers: Set<String> = [
        "curl", "wget", "git", "pip", "pip3", "apk", "svn", "aria2c", "npm", "yarn", "gem",
    ]

    public init() {}

    static func insecureURL(in text: String) -> String? {
        for scheme in ["http://", "ftp://"] {
            if let range = text.range(of: scheme) {
                let url = String(text[range.lowerBound...].prefix { !$0.isWhitespace && $0 != "\"" && $0 != "'" })
                if !Downloads.isLocal(url) { return url }
            }
        }
        return nil
    }

    public func check(_ context: DockerfileContext) -> [Finding] {
        var findings: [Finding] = []
        for stage in context.stages {
            for (position, instruction) in stage.instructions.enumerated() {
                var hit: String?
                switch instruction.keyword {
                case "ADD":
                    for source in instruction.arguments.dropLast() {
                        let resolved =
                            Downloads.resolve(source, position: position, stage: stage, context: context) ?? source
                        if let url = Self.insecureURL(in: resolved) { hit = url }
                    }
                case "RUN":
                    for command in context.script(of: instruction).commands
                    where Self.fetchers.contains(command.program) {
                        for argument in command.arguments {
                            let resolved =
                                Downloads.resolve(argument, position: position, stage: stage, context: context)
                                ?? argument
                            if let url = Self.insecureURL(in: resolved) {
                                hit = url
                                break
                            }
                        }
                        if hit != nil { break }
                    }
                default:
                    break
                }
                if let hit {
                    findings.append(
                        context.finding(Self.description, at: instruction, message: "'\(hit)' is fetched without TLS"))
                }
            }
        }
        return findings
    }
}

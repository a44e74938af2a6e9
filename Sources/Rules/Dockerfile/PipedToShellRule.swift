import BerthCore
import Dockerfile

/// `curl ... | sh`: code run straight from the network.
public struct PipedToShellRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-download-piped-to-shell", practice: .verifiedDownload, severity: .error, target: .dockerfile,
        summary: "a download is piped straight into a shell or interpreter",
        rationale: """
            The practice "Verify Authenticity of any software installed in the image" (verified-download): \
            a script piped from curl or wget into sh runs before anything can check it, so nothing is \
            verified, whatever comes after.
            """,
        fix: "Download the script to a file, verify its checksum or signature, then run it.",
        triggering: [
            RuleExample("FROM alpine:3.20\n↓RUN curl -fsSL https://get.example.com/install.sh | sh\n"),
            RuleExample("FROM alpine:3.20\n↓RUN wget -qO- https://example.com/setup | bash -s -- --yes\n"),
            RuleExample("FROM python:3.12-slim\n↓RUN curl -sSL https://example.com/install.py | python3 -\n"),
        ],
        nonTriggering: [
            RuleExample(
                "FROM alpine:3.20\nRUN curl -fsSLo install.sh https://get.example.com/install.sh && echo \"$SUM  install.sh\" | sha256sum -c - && sh install.sh\n"
            ),
            RuleExample("FROM alpine:3.20\nRUN curl -fs http://localhost:8080/x | sh\n"),
        ],
        hadolintCodes: [])

    static let shells: Set<String> = [
        "sh", "bash", "dash", "zsh", "ash", "ksh", "python", "python3", "perl", "ruby", "node", "php",
    ]

    public init() {}

    public func check(_ context: DockerfileContext) -> [Finding] {
        var findings: [Finding] = []
        for stage in context.stages {
            for download in Downloads.find(in: stage, context: context) {
                guard let target = download.pipedInto, Self.shells.contains(target.program) else { continue }
                if Downloads.isLocal(download.resolvedURL ?? download.url) { continue }
                findings.append(
                    context.finding(
                        Self.description, at: download.instruction,
                        message: "'\(download.url)' is piped into \(target.program) and runs unverified"))
            }
        }
        return findings
    }
}

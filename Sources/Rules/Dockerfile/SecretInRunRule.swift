import BerthCore
import Dockerfile

/// A private key or access token written into a RUN command or a heredoc.
public struct SecretInRunRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-secret-in-run", practice: .secretsManagement, severity: .error, target: .dockerfile,
        summary: "a private key or access token is written into a RUN command or a heredoc",
        rationale: """
            Secrets management (secrets-management): a RUN command is kept word for word in the \
            image history (docker history, the image configuration), and what it or a COPY heredoc \
            writes stays in a layer even when a later step deletes it; the Dockerfile itself is \
            committed. Reported: key material and credentials recognised by their shape (PEM and \
            OpenSSH private keys, GitHub, GitLab, Slack, npm and PyPI tokens, AWS secret access keys, \
            Azure connection-string keys). The message shows the kind and at most a short prefix, \
            never the value. Public keys, certificates, variables ($TOKEN) and placeholders are not \
            reported.
            """,
        fix: """
            Pass the secret at build time: RUN --mount=type=secret,id=token (or --mount=type=ssh for \
            keys), and revoke the one that was committed.
            """,
        triggering: [
            RuleExample(
                "FROM alpine:3.20\n↓RUN git clone https://oauth2:glpat-ilI8ihN5KXSc7Tvo_hBK@gitlab.example.com/app.git\n"
            ),
            RuleExample(
                """
                FROM alpine:3.20
                ↓RUN mkdir -p /root/.ssh && printf '%s\\n' '-----BEGIN OPENSSH PRIVATE KEY-----' \\
                    'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW' \\
                    '-----END OPENSSH PRIVATE KEY-----' > /root/.ssh/id_ed25519

                """),
            RuleExample(
                "FROM amazon/aws-cli:2.17.0\n↓RUN aws configure set aws_secret_access_key jLYQkA+eNH+uiG3GUHeV7HRcTD/LLrLHPhSTTIZ+\n"
            ),
            RuleExample(
                """
                FROM alpine:3.20
                ↓COPY <<EOF /root/.npmrc
                //registry.npmjs.org/:_authToken=npm_4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD
                EOF

                """),
        ],
        nonTriggering: [
            RuleExample(
                "FROM alpine:3.20\nRUN --mount=type=secret,id=gh GITHUB_TOKEN=$(cat /run/secrets/gh) ./fetch.sh\n"),
            RuleExample(
                """
                FROM alpine:3.20
                RUN echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx1Y2t5IHlvdSwgdGhpcyBpcyBub3QgYSBrZXk= ci' >> /root/.ssh/authorized_keys
                RUN grep -q -- '-----BEGIN PRIVATE KEY-----' /tmp/key.pem || exit 1
                RUN git clone https://x-access-token:${GITHUB_TOKEN}@github.com/example/app.git
                RUN export GH_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx

                """),
        ],
        hadolintCodes: [])

    public init() {}

    public func check(_ context: DockerfileContext) -> [Finding] {
        var findings: [Finding] = []
        for instruction in context.parsed.instructions {
            let text: String
            switch instruction.keyword {
            case "RUN":
                text =
                    ([instruction.arguments.joined(separator: " ")] + instruction.heredocs.map(\.effectiveContent))
                    .joined(separator: "\n")
            case "COPY", "ADD":
                text = instruction.heredocs.map(\.effectiveContent).joined(separator: "\n")
            default:
                continue
            }
            guard let match = SecretDetector.firstMatch(in: text) else { continue }
            let what = instruction.keyword == "RUN" ? "RUN" : "a \(instruction.keyword) heredoc"
            findings.append(
                context.finding(Self.description, at: instruction, message: "\(what) writes \(match.summary)"))
        }
        return findings
    }
}

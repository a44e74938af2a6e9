import BerthCore
import Dockerfile

/// A file downloaded and used without a checksum or signature check.
public struct DownloadUnverifiedRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-download-unverified", practice: .verifiedDownload, severity: .error, target: .dockerfile,
        summary: "a downloaded file is not verified by checksum or signature",
        rationale: """
            The practice "Check for GPG keys, signed files or valid checksums when ... downloading any \
            files from the internet" (verified-download): without a check, a compromised mirror or a \
            man in the middle ships its code in your image. Accepted checks: sha256sum/sha512sum -c, \
            echo "$SUM *file" | sha256sum -c -, a checksum of the file compared in the same or a later \
            RUN of the stage, gpg --verify, cosign verify-blob, and ADD --checksum=.
            """,
        fix: """
            Pin the expected digest and check it right after the download: \
            curl -fsSLo /tmp/x.zip "$URL" && echo "$SHA256  /tmp/x.zip" | sha256sum -c -; for ADD use \
            ADD --checksum=sha256:<digest> <url> <dest>.
            """,
        triggering: [
            RuleExample(
                "FROM alpine:3.20\n↓RUN wget -O product.zip https://example.com/product.zip && unzip product.zip\n"),
            RuleExample("FROM alpine:3.20\n↓ADD https://example.com/tool.tar.gz /opt/\n"),
            RuleExample("FROM alpine:3.20\n↓RUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /opt\n"),
            RuleExample("FROM alpine:3.20\nARG URL=https://example.com/a.zip\n↓RUN curl -LfsSo /tmp/a.zip ${URL}\n"),
        ],
        nonTriggering: [
            RuleExample(
                "FROM alpine:3.20\nRUN curl -fL -o upstream-KEYS {{ \"https://www.apache.org/dist/tomcat/KEYS\" | @sh }}\n"
            ),
            RuleExample(
                "FROM alpine:3.20\nRUN curl -LfsSo /tmp/jdk.tgz \"$URL\"; \\\n    echo \"${ESUM} */tmp/jdk.tgz\" | sha256sum -c -; \\\n    tar -xf /tmp/jdk.tgz\n"
            ),
            RuleExample(
                "FROM alpine:3.20\nRUN wget -O a.zip https://example.com/a.zip\nRUN sha256sum -c a.zip.sha256\n"),
            RuleExample(
                "FROM alpine:3.20\nRUN curl -o a.tgz https://example.com/a.tgz && curl -o a.tgz.asc https://example.com/a.tgz.asc && gpg --verify a.tgz.asc a.tgz\n"
            ),
            RuleExample(
                "FROM alpine:3.20\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/a.tar.gz /opt/\n"
            ),
            RuleExample(
                "FROM alpine:3.20\nHEALTHCHECK CMD curl -f http://localhost:9763/health\nRUN curl -fs http://127.0.0.1:8080/ready\n"
            ),
            RuleExample(
                "FROM alpine:3.20\nRUN curl -fsSLo app.jar https://example.com/app.jar && test \"$(sha512sum app.jar | cut -d' ' -f1)\" = \"$SUM\"\n"
            ),
            RuleExample("FROM alpine:3.20\nRUN VERSION=$(curl -fsSL https://api.example.com/latest)\n"),
        ],
        hadolintCodes: [])

    public init() {}

    public func check(_ context: DockerfileContext) -> [Finding] {
        var findings: [Finding] = []
        var reported: Set<Int> = []
        for stage in context.stages {
            let downloads = Downloads.find(in: stage, context: context)
            for download in downloads {
                if reported.contains(download.instruction.startLine) { continue }
                let url = download.resolvedURL ?? download.url
                if Downloads.isLocal(url) || Downloads.isVerificationMaterial(url) { continue }
                if download.program == "ADD" {
                    if download.instruction.flag("checksum") == nil {
                        findings.append(
                            context.finding(
                                Self.description, at: download.instruction,
                                message: "ADD of '\(download.url)' without --checksum"))
                        reported.insert(download.instruction.startLine)
                    }
                    continue
                }
                if let target = download.pipedInto {
                    // Piping into a shell is dockerfile-download-piped-to-shell; a checksum tool reading
                    // the stream is a check.
                    if PipedToShellRule.shells.contains(target.program)
                        || Downloads.checksumPrograms.contains(target.program)
                    {
                        continue
                    }
                    findings.append(
                        context.finding(
                            Self.description, at: download.instruction,
                            message: "'\(download.url)' is streamed into \(target.program) without any verification"))
                    reported.insert(download.instruction.startLine)
                    continue
                }
                guard let file = download.target else { continue }
                if !isVerified(download, file: file, in: stage, context: context) {
                    findings.append(
                        context.finding(
                            Self.description, at: download.instruction,
                            message:
                                "'\(Downloads.basename(file))' is downloaded from '\(download.resolvedURL ?? download.url)' and never verified"
                        ))
                    reported.insert(download.instruction.startLine)
                }
            }
        }
        return findings
    }

    func isVerified(_ download: Download, file: String, in stage: Stage, context: DockerfileContext) -> Bool {
        guard let start = stage.instructions.firstIndex(where: { $0.startLine == download.instruction.startLine })
        else {
            return false
        }
        for (offset, instruction) in stage.instructions[start...].enumerated() where instruction.keyword == "RUN" {
            let commands = context.script(of: instruction).commands
            let from = offset == 0 ? download.commandIndex + 1 : 0
            guard from <= commands.count else { continue }
            for command in commands[from...] where Downloads.isVerification(command, file: file) {
                return true
            }
            // A verifying command whose input is piped in: `echo "$SUM  file" | sha256sum -c -`.
        }
        return false
    }
}

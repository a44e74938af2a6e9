import BerthCore
import Check
import Foundation
import Testing

@testable import Rules

/// Dockerfile templates (docker-library's `Dockerfile.template`, Jinja, Go templates) are not
/// Dockerfiles: discovery leaves them out, and rules stay silent on template expressions.
@Suite struct DockerfileTemplateTests {
    /// The head of docker-library/tomcat's Dockerfile.template.
    static let tomcatTemplate = """
        {{
        \tinclude "from"
        \t;
        \tinclude "shared"
        -}}
        FROM {{ from }}

        ENV CATALINA_HOME /usr/local/tomcat
        ENV TOMCAT_MAJOR {{ major }}
        ENV TOMCAT_SHA512 {{ .sha512 }}

        RUN set -eux; \\
        \tapt-get update; \\
        \tapt-get install -y --no-install-recommends ca-certificates curl gnupg; \\
        \tcurl -fL -o upstream-KEYS {{ "https://www.apache.org/dist/tomcat/tomcat-\\(major)/KEYS" | @sh }}; \\
        \tgpg --batch --import upstream-KEYS; \\
        \trm -rf /var/lib/apt/lists/*
        USER 802

        """

    static func makeTree(_ files: [String: String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-templates-\(UUID().uuidString)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test func discoverySkipsTemplatesByNameAndByContent() throws {
        let root = try Self.makeTree([
            "Dockerfile": "FROM alpine:3.20\nUSER 802\n",
            "Dockerfile.template": Self.tomcatTemplate,
            "Dockerfile.j2": "FROM alpine:3.20\n",
            "debian/Dockerfile": "{% set codename = 'bookworm' %}\nFROM debian:bookworm\n",
            "alpine/Dockerfile": "FROM alpine:{{ .version }}\nUSER 802\n",
            "go/Dockerfile": "FROM golang:1.23\nRUN docker inspect --format '{{.Id}}' x || true\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let discovered = FileDiscovery().discover(in: [root.path])
        let relative = { (paths: [String]) in paths.map { String($0.dropFirst(root.path.count + 1)) }.sorted() }
        #expect(relative(discovered.files) == ["Dockerfile", "go/Dockerfile"])
        #expect(
            relative(discovered.templates) == [
                "Dockerfile.j2", "Dockerfile.template", "alpine/Dockerfile", "debian/Dockerfile",
            ])
        // A template named on the command line is checked as given.
        let named = root.appendingPathComponent("Dockerfile.template").path
        #expect(FileDiscovery().discover(in: [named]).files == [named])
    }

    @Test func rulesStaySilentOnTemplateExpressions() {
        let report = DockerfileChecker().check(
            bytes: Array(Self.tomcatTemplate.utf8), file: "Dockerfile.template", configuration: CheckConfiguration())
        #expect(report.error == nil)
        let mentioningTemplates = report.findings.filter { $0.message.contains("{{") || $0.message.contains("@sh") }
        #expect(mentioningTemplates.isEmpty, "\(mentioningTemplates.map(\.message))")
        let rules = Set(report.findings.map(\.rule))
        #expect(!rules.contains("dockerfile-image-untagged") && !rules.contains("dockerfile-download-unverified"))
    }

    @Test func aTemplateExpressionIsOneShellWord() {
        let script = ShellScript("curl -fL -o KEYS {{ \"https://x.example/KEYS\" | @sh }}; gpg --import KEYS")
        #expect(script.commands.map(\.program) == ["curl", "gpg"])
        #expect(script.commands.first?.words.last == "{{ \"https://x.example/KEYS\" | @sh }}")
        #expect(ShellScript("echo {% if x %}a{% endif %} | tr a b").commands.map(\.program) == ["echo", "tr"])
    }

    @Test(arguments: ["{{ from }}", "debian:{{ env.codename }}", "{% if x %}", "<%= image %>", "%%VERSION%%"])
    func templateExpressions(_ text: String) {
        #expect(TemplateText.isTemplate(text))
    }

    @Test(arguments: ["alpine:3.20", "${BASE}", "50%", "a%%b c%%", "{}", "{ x; }"])
    func notTemplateExpressions(_ text: String) {
        #expect(!TemplateText.isTemplate(text))
    }
}

import BerthCore
import Foundation
import Reporters
import TestSupport
import Testing

@testable import Rules

/// The shared secret detector: what it recognises, what it leaves alone, and that no report
/// repeats a secret beyond a short prefix.
@Suite struct SecretDetectorTests {
    static let fixtures = Repository.fixtures("RulesTests").appendingPathComponent("secrets")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    static let privateText = [
        "rsa-traditional.pem", "rsa-legacy-encrypted.pem", "pkcs8.pem", "pkcs8-encrypted.pem", "ec.pem",
        "openssh.key", "pgp-private.asc",
    ]
    static let privateBinary = [
        "pkcs8.der", "pkcs8-encrypted.der", "rsa.der", "ec.der", "keystore.p12", "keystore-keytool.p12",
        "keystore.jks", "keystore.jceks",
    ]
    static let publicFiles = [
        "rsa-public.pem", "certificate.pem", "certificate.der", "openssh-public.pub", "pgp-public.asc",
        "truststore.p12", "truststore-keytool.p12", "truststore.jks",
    ]

    @Test(arguments: privateText)
    func pemPrivateKeysAreFoundAsTextAndAsBinaryData(_ name: String) throws {
        let data = try Self.bytes(name)
        let text = String(decoding: data, as: UTF8.self)
        let match = try #require(SecretDetector.firstMatch(in: text), "\(name)")
        #expect(match.line == 0)
        #expect(match.kind.contains("private key"), "\(name): \(match.kind)")
        // In binaryData (base64 of the file), and as a value with escaped line breaks (JSON, env).
        #expect(SecretDetector.base64Value(Data(data).base64EncodedString()) != nil, "\(name)")
        let escaped = text.replacingOccurrences(of: "\n", with: "\\n")
        #expect(SecretDetector.firstMatch(in: "\"private_key\": \"\(escaped)\"") != nil, "\(name)")
        // A whole PEM file base64-encoded once more, inside other text.
        #expect(SecretDetector.firstMatch(in: "key: " + Data(data).base64EncodedString()) != nil, "\(name)")
    }

    @Test(arguments: privateBinary)
    func derKeysAndKeystoresWithAPrivateKeyAreFound(_ name: String) throws {
        let data = try Self.bytes(name)
        let binary = try #require(SecretDetector.binary(data), "\(name)")
        #expect(binary.shown.isEmpty)
        let base64 = Data(data).base64EncodedString()
        #expect(SecretDetector.base64Value(base64)?.kind == binary.kind)
        // The same blob as a value in text: an env value, a line of a config file.
        #expect(SecretDetector.firstMatch(in: "KEYSTORE=" + base64)?.kind == binary.kind, "\(name)")
    }

    @Test(arguments: publicFiles)
    func publicKeysCertificatesAndTruststoresAreNotSecrets(_ name: String) throws {
        let data = try Self.bytes(name)
        #expect(SecretDetector.binary(data) == nil, "\(name)")
        #expect(SecretDetector.base64Value(Data(data).base64EncodedString()) == nil, "\(name)")
        #expect(SecretDetector.matches(in: String(decoding: data, as: UTF8.self)).isEmpty, "\(name)")
        #expect(SecretDetector.matches(in: "value: " + Data(data).base64EncodedString()).isEmpty, "\(name)")
    }

    @Test(arguments: [
        "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY",
        "PRIVATE KEY", "PGP PRIVATE KEY BLOCK", "ANY PRIVATE KEY",
    ])
    func everyPEMPrivateKeyLabel(_ label: String) {
        let text = "-----BEGIN \(label)-----\nMIIEowIBAAKCAQEAx3ZrY2VkIGtleSBib2R5\n-----END \(label)-----\n"
        #expect(SecretDetector.firstMatch(in: text)?.shown == "-----BEGIN \(label)-----")
    }

    @Test(arguments: [
        "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE", "CERTIFICATE REQUEST", "X509 CRL", "PGP PUBLIC KEY BLOCK",
        "DH PARAMETERS",
    ])
    func pemThatIsNotAPrivateKey(_ label: String) {
        let text = "-----BEGIN \(label)-----\nMIIEowIBAAKCAQEAx3ZrY2VkIGtleSBib2R5\n-----END \(label)-----\n"
        #expect(SecretDetector.matches(in: text).isEmpty)
    }

    @Test func aPrivateKeyHeaderWithoutABodyIsNotAKey() {
        #expect(SecretDetector.matches(in: "grep -q -- '-----BEGIN PRIVATE KEY-----' /tmp/key.pem").isEmpty)
        #expect(
            SecretDetector.matches(in: "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----").isEmpty)
        #expect(
            SecretDetector.matches(
                in: "-----BEGIN RSA PRIVATE KEY-----\n<your key here>\n-----END RSA PRIVATE KEY-----"
            )
            .isEmpty)
    }

    @Test func sshComAndPuTTYFormats() {
        let ssh2 = "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: \"k\"\nP2/56wAAAi4AAAA3aWYtbW9kbg==\n"
        #expect(SecretDetector.firstMatch(in: ssh2)?.kind == "an SSH2 private key")
        let putty = """
            PuTTY-User-Key-File-3: ssh-ed25519
            Encryption: none
            Comment: test
            Public-Lines: 2
            AAAAC3NzaC1lZDI1NTE5AAAAIGx1Y2t5IHlvdSwgdGhpcyBpcyBub3QgYSBrZXk=
            Private-Lines: 1
            AAAAIGx1Y2t5IHlvdSwgdGhpcyBpcyBub3QgYSBrZXk=
            """
        #expect(SecretDetector.firstMatch(in: putty)?.kind == "a PuTTY private key")
    }

    @Test func aGCPServiceAccountKeyIsNamed() {
        let json = """
            {"type": "service_account", "project_id": "p", "private_key_id": "3f0c1e2d4b5a",
             "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n"}
            """
        let matches = SecretDetector.matches(in: json)
        #expect(matches.map(\.kind) == ["a GCP service-account private key"])
        #expect(matches.first?.line == 1)
    }

    static let tokens: [(String, String)] = [
        ("ghp_4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD", "a GitHub personal access token"),
        ("gho_4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD", "a GitHub OAuth token"),
        ("ghs_4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD", "a GitHub app installation token"),
        (
            "github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ012345",
            "a GitHub fine-grained token"
        ),
        ("glpat-ilI8ihN5KXSc7Tvo_hBK", "a GitLab personal access token"),
        ("glrt-ilI8ihN5KXSc7Tvo_hBK", "a GitLab runner token"),
        ("xoxb-6146100330766-AeKOmXRrvftva9AW7hipTgad", "a Slack bot token"),
        ("xoxp-6146100330766-AeKOmXRrvftva9AW7hipTgad", "a Slack user token"),
        ("https://hooks.slack.com/services/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", "a Slack webhook URL"),
        ("npm_4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD", "an npm access token"),
        ("aws_secret_access_key = jLYQkA+eNH+uiG3GUHeV7HRcTD/LLrLHPhSTTIZ+", "an AWS secret access key"),
        (
            "DefaultEndpointsProtocol=https;AccountName=ci;AccountKey=c92P2+zHd3OC2pYwL82DeaGdyy8Yck0kF4nP47GiCpj7ZfZzp72dpiifA9SHEA8JMOE9mQfHdlNwl9cyhDujSw==;EndpointSuffix=core.windows.net",
            "an Azure storage account key"
        ),
    ]

    @Test(arguments: tokens)
    func tokensAreRecognisedByTheirShape(_ token: String, _ kind: String) throws {
        let match = try #require(SecretDetector.firstMatch(in: "export VALUE=\(token)"))
        #expect(match.kind == kind)
        #expect(match.shown.count <= 30)
    }

    @Test(arguments: [
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",  // one character repeated
        "ghp_0123456789abcdef",  // too short for the shape
        "aghp_4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD",  // not at a word start
        "glpat-<your-token-here>",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  // AWS's documented example
        "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}",
        "AccountKey=$(STORAGE_KEY)",
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "B42F6819007F00F88E364FD4036A9C25BF357DD4",  // a GPG key fingerprint
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx1Y2t5IHlvdSwgdGhpcyBpcyBub3QgYSBrZXk= ci",
    ])
    func lookalikesAreNotSecrets(_ text: String) {
        #expect(SecretDetector.matches(in: text).isEmpty)
    }

    @Test(arguments: [
        ("AWS_SECRET_ACCESS_KEY", "jLYQkA+eNH+uiG3GUHeV7HRcTD/LLrLHPhSTTIZ+", "an AWS secret access key"),
        (
            "AZURE_STORAGE_KEY",
            "UvImZaYMEtKJGF2VDuiBNgkWb2sRPReNbA/TkB/yOaGglfIPk5VlDPk4C47bIkprJIoekk6P0K4uGpSSozBfGA==",
            "an Azure storage account key"
        ),
        (
            "AZURE_BATCH_ACCESS_KEY",
            "UvImZaYMEtKJGF2VDuiBNgkWb2sRPReNbA/TkB/yOaGglfIPk5VlDPk4C47bIkprJIoekk6P0K4uGpSSozBfGA==",
            "an Azure Batch account key"
        ),
        (
            "key_content",
            "q8Zt3Lw9Xr2Nv5Bc7Md1Fg4Hk6Jp0YsA1bC2dE3fG4hI5jK6lM7n",
            "an OCI API signing key"
        ),
        ("ENCRYPTION_KEY", "q8Zt3Lw9Xr2Nv5Bc7Md1Fg4Hk6Jp0YsA", "a key"),
    ])
    func wellKnownCredentialNames(_ name: String, _ value: String, _ kind: String) {
        #expect(SecretDetector.credential(name: name, value: value)?.kind == kind)
    }

    @Test(arguments: [
        ("GPG_KEY", "B42F6819007F00F88E364FD4036A9C25BF357DD4"),
        ("SSH_PUBLIC_KEY", "AAAAC3NzaC1lZDI1NTE5AAAAIGx1Y2t5IHlvdSwgdGhpcyBpcyBub3QgYSBrZXk"),
        ("AZURE_STORAGE_KEY", "<storage-key>"),
        ("AWS_SECRET_ACCESS_KEY", "changeme"),
        ("SORT_KEY", "createdAt"),
        ("RECAPTCHA_SITE_KEY", "6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI"),
        ("SSH_HOST_KEY", "AAAAC3NzaC1lZDI1NTE5AAAAIGx1Y2t5IHlvdSwgdGhpcyBpcyBub3QgYSBrZXk"),
        ("CACHE_KEY", "v1-deps-0123456789abcdef0123456789abcdef"),
    ])
    func namesAloneDoNotMakeASecret(_ name: String, _ value: String) {
        #expect(SecretDetector.credential(name: name, value: value) == nil)
    }

    @Test(arguments: [
        "$env{DB_PASSWORD}", "${DB_PASSWORD}", "$secret{admin}", "{{ .Values.password }}", "<password>",
        "<your-token>", "[token]", "@DB_PASSWORD@", "%DB_PASSWORD%", "__TOKEN__", "changeme", "CHANGE_ME",
        "changeit", "replace-me", "your-token-here", "your_password", "xxxxxxxx", "********", "example-secret",
        "dummy", "placeholder", "",
    ])
    func placeholders(_ value: String) {
        #expect(SecretDetector.isPlaceholder(value))
    }

    @Test(arguments: ["admin", "wso2carbon", "hunter2", "s3cr3t", "eyJhbGciOi", "P@ssw0rd!"])
    func realValuesAreNotPlaceholders(_ value: String) {
        #expect(!SecretDetector.isPlaceholder(value))
    }

    // MARK: - Redaction

    /// The secrets the redaction test plants, each with the part that must never be printed (the
    /// value beyond its type prefix or PEM label).
    static func plantedSecrets() throws -> [(name: String, value: String, body: String)] {
        let openssh = String(decoding: try bytes("openssh.key"), as: UTF8.self)
        let opensshBody = openssh.split(separator: "\n").dropFirst().dropLast().joined()
        let keystore = Data(try bytes("keystore.p12")).base64EncodedString()
        return [
            ("GH_TOKEN", "ghp_R3dact10nTestT0ken4vUCsMehGAkWvj7FA", "R3dact10nTestT0ken4vUCsMehGAkWvj7FA"),
            (
                "AWS_SECRET_ACCESS_KEY", "Zx9Qw2Er4Ty6Ui8Op0AsDfGh1Jk3Lz5Xc7Vb9Nm2",
                "Zx9Qw2Er4Ty6Ui8Op0AsDfGh1Jk3Lz5Xc7Vb9Nm2"
            ),
            ("DEPLOY_KEY", openssh, opensshBody),
            ("KEYSTORE", keystore, keystore),
        ]
    }

    /// Every window of 8 consecutive bytes of `text`, as a 64-bit word.
    static func windows(_ text: String) -> [UInt64] {
        var word: UInt64 = 0
        var out: [UInt64] = []
        for (index, byte) in text.utf8.enumerated() {
            word = word << 8 | UInt64(byte)
            if index >= 7 { out.append(word) }
        }
        return out
    }

    /// The names of the secrets of which `output` repeats 8 consecutive bytes or more.
    static func leaked(_ secrets: [(name: String, value: String, body: String)], in output: String) -> Set<String> {
        var owner: [UInt64: String] = [:]
        for secret in secrets {
            for window in windows(secret.body) { owner[window] = secret.name }
        }
        return Set(windows(output).compactMap { owner[$0] })
    }

    @Test func reportsNeverRepeatASecret() throws {
        let secrets = try Self.plantedSecrets()
        // A Dockerfile (ENV with escaped line breaks, RUN) and a manifest (env, ConfigMap, binaryData).
        var dockerfile = "FROM alpine:3.20\n"
        for secret in secrets {
            let escaped = secret.value.replacingOccurrences(of: "\n", with: "\\n")
            dockerfile += "ENV \(secret.name)=\"\(escaped)\"\n"
            dockerfile += "RUN echo \"\(secret.name)=\(escaped)\" >> /tmp/settings\n"
        }
        dockerfile += "USER 802\n"
        var manifest = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: leaks
            data:

            """
        for secret in secrets {
            let indented = secret.value.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
            manifest += "  \(secret.name): |\n\(indented)\n"
        }
        manifest += "binaryData:\n  keystore.p12: \(secrets[3].value)\n"
        manifest += """
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: leaks
            spec:
              containers:
                - name: app
                  image: registry.example.com/app:1.0
                  env:

            """
        for secret in secrets {
            let quoted = secret.value.replacingOccurrences(of: "\n", with: "\\n")
            manifest += "        - name: \(secret.name)\n          value: \"\(quoted)\"\n"
        }

        let dockerReport = DockerfileChecker().check(
            bytes: Array(dockerfile.utf8), file: "Dockerfile", configuration: CheckConfiguration())
        let kubernetesReport = KubernetesChecker().check(
            inputs: [("leaks.yaml", Array(manifest.utf8))], configuration: CheckConfiguration())
        let reports = [dockerReport] + kubernetesReport.reports
        #expect(reports.allSatisfy { $0.error == nil }, "\(reports.compactMap(\.error))")
        let secretFindings = reports.flatMap(\.findings).filter { $0.practice == .secretsManagement }
        // Every planted secret is found in every place it was planted.
        #expect(secretFindings.filter { $0.rule == "dockerfile-secret-in-env" }.count == secrets.count)
        #expect(secretFindings.filter { $0.rule == "dockerfile-secret-in-run" }.count == secrets.count)
        #expect(secretFindings.filter { $0.rule == "kubernetes-secret-literal" }.count == 2 * secrets.count + 1)
        let kinds = [
            "a GitHub personal access token", "an AWS secret access key", "an OpenSSH private key",
            "a PKCS#12 keystore with a private key",
        ]
        for kind in kinds {
            #expect(secretFindings.contains { $0.message.contains(kind) }, "no finding names \(kind)")
        }
        #expect(secretFindings.contains { $0.message.contains("'ghp_R3…'") }, "the redacted prefix is shown")

        let run = CheckRun(reports: reports, rules: BuiltInRules.descriptions, toolVersion: BerthVersion.current)
        let outputs: [(String, String)] = [
            ("text", TextReporter().render(run)), ("json", JSONReporter().render(run)),
            ("sarif", SARIFReporter().render(run)), ("github", GitHubReporter().render(run)),
            ("checkstyle", CheckstyleReporter().render(run)), ("junit", JUnitReporter().render(run)),
        ]
        // The check itself finds what it looks for: the inputs do repeat every secret.
        #expect(Self.leaked(secrets, in: dockerfile + manifest) == Set(secrets.map(\.name)))
        for (format, output) in outputs {
            #expect(!output.isEmpty)
            #expect(Self.leaked(secrets, in: output).isEmpty, "\(format) output repeats a secret")
        }
    }
}

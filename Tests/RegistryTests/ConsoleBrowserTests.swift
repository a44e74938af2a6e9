import Crypto
import Foundation
import TestSupport
import Testing

@testable import Registry

/// The console in a real browser: headless Chromium, driven over the DevTools protocol by
/// `Fixtures/console-browser.py`, signs in through the form of a live `berth registry serve`,
/// submits a member form, and loads every page at laptop and phone size. Screenshots go to
/// `$BERTH_SCREENSHOTS`, else `.build/console-screenshots`.
@Suite struct ConsoleBrowserTests {
    struct Report: Decodable {
        struct Page: Decodable {
            var page: String
            var size: String
            var status: Int?
            var url: String
            var title: String
            var text: String
            var problems: [String]
            var overflow: Bool
            var scrollWidth: Int
            var clientWidth: Int
            var styled: Bool
            var screenshot: String
        }
        var version: String?
        var pages: [Page]
        var signin: Page
        var member: Page?
    }

    static var screenshots: String {
        ProcessInfo.processInfo.environment["BERTH_SCREENSHOTS"] ?? Paths.repository + "/.build/console-screenshots"
    }

    @Test(.enabled(if: BerthExecutable.path != nil || Environment.isCI), Tool.enabled("chromium", "python3"))
    func everyPageInChromiumAtLaptopAndPhoneWidth() async throws {
        guard let chromium = requireTool("chromium"), let python = requireTool("python3"),
            let berth = ServerProcess.required
        else { return }
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layer = try image.layer()
        let root = TemporaryRoot()
        defer { root.cleanup() }
        let trusted = P256.Signing.PrivateKey()
        let configuration = """
            root: \(root.path)
            scanning:
              database: \(image.database)
            projects:
              proj:
                vulnerabilities:
                  blockSeverity: high
                  allowlist:
                    - id: CVE-2099-1001
                      reason: "base image update <scheduled>"
                      expires: "2999-12-31"
            """
        try FileManager.default.createDirectory(atPath: root.path, withIntermediateDirectories: true)
        let configPath = root.path + "/registry.yaml"
        try Data(configuration.utf8).write(to: URL(fileURLWithPath: configPath))

        // Content first, in process: an image with a known vulnerability, scanned, signed by the
        // project's key; an unsigned one; a tag named with markup would be refused by the
        // distribution API, so markup comes through the policy form below.
        let digests = try await withRegistry(
            root: root,
            configure: {
                scanning(image.database)(&$0)
                $0.projects["proj"] = blockHigh(allowlist: [
                    .init(id: "CVE-2099-1001", reason: "x", expires: "2999-12-31")
                ])
            },
            prepare: { path in
                try await prepareUsers(path)
                try await RegistryAdmin(root: path).setPolicy(
                    project: "proj", immutableTags: ["release-*", "<b>v*</b>"], quotaBytes: 50_000_000,
                    requireSignature: nil, isPublic: nil, signatureKeys: [trusted.publicKey.pemRepresentation])
            }
        ) { client, services in
            var api = API(client: client)
            api.headers[.authorization] = basic("root", "password-root")
            let (_, vulnerable) = try await api.pushImage("proj/app", reference: "1.0", layers: [layer])
            let clean = try image.builder.layer(
                from: try image.builder.tree(
                    "clean", ["srv/index.html": String(repeating: "<p>hello</p>\n", count: 200)]),
                gzip: false)
            try await api.pushImage("proj/app", reference: "latest", layers: [clean])
            try await api.pushImage("pub/site", reference: "v1", layers: [randomData(512)])
            try await SignatureVerificationTests().pushCosignSignature(
                api, repository: "proj/app", digest: vulnerable, key: trusted)
            try await #require(services.scans).waitUntilIdle()
            return vulnerable
        }
        let server = try await ServerProcess(
            executable: berth, root: root.path, extraArguments: ["--config", configPath])
        let base = "http://127.0.0.1:\(server.port)"
        let out = Self.screenshots
        try? FileManager.default.removeItem(atPath: out)
        let artifact = "/console/artifact?repository=proj%2Fapp&digest=\(digests.description)"
        let plan: [String: Any] = [
            "chromium": chromium, "base": base, "out": out, "user": "root", "password": "password-root",
            "sizes": [
                ["name": "laptop", "width": 1280, "height": 800, "mobile": false],
                ["name": "phone", "width": 390, "height": 844, "mobile": true],
            ],
            "before": [["name": "signin", "path": "/console/signin"]],
            "member": ["path": "/console/project?name=proj", "user": "outsider"],
            "pages": [
                ["name": "projects", "path": "/"],
                ["name": "project", "path": "/console/project?name=proj"],
                ["name": "repository", "path": "/console/repository?name=proj%2Fapp"],
                ["name": "artifact", "path": artifact],
                ["name": "audit", "path": "/console/audit"],
                ["name": "project-audit", "path": "/console/audit?project=proj"],
                ["name": "not-found", "path": "/console/project?name=nothing"],
            ],
        ]
        let input = String(decoding: try JSONSerialization.data(withJSONObject: plan), as: UTF8.self)
        let script = Paths.fixtures + "/console-browser.py"
        let result = try await run(python, [script], timeout: 120, input: input)
        try #require(result.status == 0, "console-browser.py failed: \(result.error)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.output.utf8))
        print("console screenshots (\(report.version ?? "chromium")): \(out)")
        _ = try await server.terminate()

        // Signed in through the form; the member form changed the project.
        #expect(report.signin.url == base + "/", "\(report.signin.url)")
        #expect(report.signin.text.contains("root (system admin)"))
        let member = try #require(report.member)
        #expect(member.text.contains("Saved."))
        #expect(member.text.contains("outsider\tguest"), "\(member.text)")

        let expected: [String: [String]] = [
            "signin": ["Sign in", "User name", "Password"],
            "projects": ["proj", "pub", "system admin"],
            "project": [
                "proj/app", "Members", "outsider", "maintainer", "Policies", "release-*", "<b>v*</b>",
                "at or above high", "CVE-2099-1001", "base image update <scheduled>", "50000000 bytes",
            ],
            "repository": [
                "1.0", "latest", "verified", "unsigned", "1 high", "no findings", String(digests.encoded.prefix(12)),
            ],
            "artifact": [
                digests.description, "linux/amd64", "CVE-2099-1001", "libc6", "2.36-9+deb12u15",
                "CycloneDX SBOM (JSON)", "verified", "Rescan now", "Layers",
            ],
            "audit": ["console-signin", "member-set", "outsider=guest", "push"],
            "project-audit": ["member-set", "proj"],
            "not-found": ["Not Found", "No such project."],
        ]
        var names = Set<String>()
        for page in report.pages {
            names.insert(page.page)
            let label = "\(page.page) at \(page.size)"
            #expect(page.status == (page.page == "not-found" ? 404 : 200), "\(label): \(page.status ?? 0)")
            // The browser logs the 404 of the not-found page itself; nothing else may appear.
            let problems = page.problems.filter {
                !(page.page == "not-found" && $0.contains("status of 404") && $0.hasSuffix(page.url))
            }
            #expect(problems.isEmpty, "\(label): \(problems)")
            #expect(page.styled, "\(label): the stylesheet did not apply")
            #expect(!page.overflow, "\(label) is wider than the screen: \(page.scrollWidth) > \(page.clientWidth)")
            for text in expected[page.page] ?? [] {
                #expect(page.text.contains(text), "\(label) does not show '\(text)'")
            }
            #expect(FileManager.default.fileExists(atPath: page.screenshot))
        }
        #expect(names == Set(expected.keys))
        #expect(report.pages.count == expected.count * 2)
    }
}

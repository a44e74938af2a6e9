import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OCI
import RegistryMetadata
import Testing

@testable import Registry

/// A browser's view of the console through the test client: it keeps the session cookie and
/// sends forms back with the CSRF token of the page they came from.
struct ConsoleBrowser {
    let client: any TestClientProtocol
    var cookie: String?

    init(_ client: any TestClientProtocol) {
        self.client = client
    }

    func get(_ path: String) async throws -> TestResponse {
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = "\(Console.cookieName)=\(cookie)" }
        return try await client.execute(uri: path, method: .get, headers: headers, body: nil)
    }

    func post(_ path: String, _ fields: [String: String]) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let cookie { headers[.cookie] = "\(Console.cookieName)=\(cookie)" }
        let body = fields.sorted { $0.key < $1.key }.map {
            "\(ConsoleInventory.query($0))=\(ConsoleInventory.query($1))"
        }
        .joined(separator: "&")
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// Takes the session id a response sets, if any.
    mutating func keep(_ response: TestResponse) {
        for value in response.headers[values: .setCookie] where value.hasPrefix(Console.cookieName + "=") {
            let id = String(value.dropFirst(Console.cookieName.count + 1).prefix { $0 != ";" })
            cookie = id.isEmpty ? nil : id
        }
    }

    static func csrf(_ html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value="([0-9a-f]{64})""#, options: .regularExpression) else {
            return nil
        }
        return String(html[range].dropFirst(#"name="csrf" value=""#.count).prefix(64))
    }

    /// Signs in through the form; returns the sign-in response.
    @discardableResult
    mutating func signIn(_ user: String, _ password: String) async throws -> TestResponse {
        let form = try await get("/console/signin")
        keep(form)
        let token = try #require(Self.csrf(form.text))
        let response = try await post("/console/signin", ["username": user, "password": password, "csrf": token])
        keep(response)
        return response
    }

    /// Loads `page` and posts `fields` to `action` with that page's token.
    mutating func submit(from page: String, to action: String, _ fields: [String: String]) async throws -> TestResponse
    {
        let source = try await get(page)
        let token = try #require(Self.csrf(source.text), "no form on \(page)")
        var fields = fields
        fields["csrf"] = token
        return try await post(action, fields)
    }
}

@Suite struct ConsoleTests {
    @Test func signInSetsAStrictHttpOnlySessionCookieAndANewId() async throws {
        try await withRegistry(prepare: prepareUsers) { client, _ in
            var browser = ConsoleBrowser(client)
            let form = try await browser.get("/console/signin")
            #expect(form.status == .ok)
            browser.keep(form)
            let visitorSession = try #require(browser.cookie)
            let response = try await browser.signIn("admin", "password-admin")
            #expect(response.status == .seeOther)
            #expect(response.header("Location") == "/")
            let cookie = try #require(
                response.headers[values: .setCookie].first { $0.hasPrefix(Console.cookieName + "=") })
            #expect(cookie.contains("; HttpOnly"))
            #expect(cookie.contains("; SameSite=Strict"))
            #expect(cookie.contains("; Path=/"))
            #expect(!cookie.contains("Secure"), "plain HTTP: a Secure cookie would never come back")
            let session = try #require(browser.cookie)
            #expect(session != visitorSession, "the id changes at sign-in")
            #expect(session.count == 64 && session.allSatisfy(\.isHexDigit))
            let home = try await browser.get("/")
            #expect(home.text.contains(#"<span class="user">admin"#))
            #expect(home.text.contains("Sign out"))
            // The old visitor id is gone.
            var stale = ConsoleBrowser(client)
            stale.cookie = visitorSession
            #expect(try await stale.get("/").text.contains(#"href="/console/signin""#))
            // Signing out ends the session on the server.
            let out = try await browser.submit(from: "/", to: "/console/signout", [:])
            #expect(out.status == .seeOther)
            #expect(out.headers[values: .setCookie].contains { $0.hasPrefix(Console.cookieName + "=;") })
            var replay = ConsoleBrowser(client)
            replay.cookie = session
            #expect(!(try await replay.get("/").text.contains("Sign out")))
        }
    }

    @Test func aSecureCookieUnderTLS() async throws {
        let root = TemporaryRoot()
        defer { root.cleanup() }
        var configuration = RegistryConfiguration()
        configuration.root = root.path
        configuration.tlsCertificate = root.path + "/cert.pem"
        configuration.tlsKey = root.path + "/key.pem"
        let console = Console(services: try await RegistryServices(configuration: configuration))
        let session = try await console.sessions.create(user: "x")
        #expect(console.sessionCookie(session).hasSuffix("; HttpOnly; SameSite=Strict; Secure"))
    }

    @Test func aWrongPasswordOrARobotIsRefused() async throws {
        try await withRegistry(prepare: prepareUsers) { client, services in
            var browser = ConsoleBrowser(client)
            let wrong = try await browser.signIn("admin", "not-the-password")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("Invalid user name or password"))
            #expect(!(try await browser.get("/").text.contains("Sign out")))
            let unknown = try await browser.signIn("nobody", "password-nobody")
            #expect(unknown.status == .unauthorized)
            // A robot's secret opens the registry API, not the console.
            let robot = try await RegistryAdmin(root: services.storage.root).addRobot(
                project: "proj", name: "ci", role: .admin, lifetime: 3600)
            let robotSignIn = try await browser.signIn(robot.name, robot.secret)
            #expect(robotSignIn.status == .unauthorized)
            #expect(!(try await browser.get("/").text.contains("Sign out")))
        }
    }

    @Test func postsWithoutTheSessionTokenAreRefused() async throws {
        try await withRegistry(prepare: prepareUsers) { client, services in
            var browser = ConsoleBrowser(client)
            // No token, and a token of another session, on the sign-in form.
            let form = try await browser.get("/console/signin")
            browser.keep(form)
            let missing = try await browser.post(
                "/console/signin", ["username": "admin", "password": "password-admin"])
            #expect(missing.status == .forbidden)
            var other = ConsoleBrowser(client)
            let otherForm = try await other.get("/console/signin")
            let foreign = try #require(ConsoleBrowser.csrf(otherForm.text))
            let wrong = try await browser.post(
                "/console/signin", ["username": "admin", "password": "password-admin", "csrf": foreign])
            #expect(wrong.status == .forbidden)
            #expect(wrong.header("Content-Security-Policy") == Console.contentSecurityPolicy)
            // A signed-in admin's member form, with no token and with a wrong one: nothing changes.
            try await browser.signIn("admin", "password-admin")
            #expect(browser.cookie != nil)
            let noToken = try await browser.post(
                "/console/project/members", ["project": "proj", "user": "outsider", "role": "guest"])
            #expect(noToken.status == .forbidden)
            let badToken = try await browser.post(
                "/console/project/members",
                ["project": "proj", "user": "outsider", "role": "guest", "csrf": String(repeating: "0", count: 64)])
            #expect(badToken.status == .forbidden)
            #expect((try await services.security.current()).projects["proj"]?.members["outsider"] == nil)
            // With the page's token it works.
            let good = try await browser.submit(
                from: "/console/project?name=proj", to: "/console/project/members",
                ["project": "proj", "user": "outsider", "role": "guest"])
            #expect(good.status == .seeOther)
            #expect((try await services.security.current()).projects["proj"]?.members["outsider"] == .guest)
        }
    }

    @Test func eachRoleSeesWhatItMay() async throws {
        try await withRegistry(prepare: prepareUsers) { client, _ in
            var api = API(client: client)
            api.headers[.authorization] = basic("root", "password-root")
            try await api.pushImage("proj/app", reference: "v1", layers: [randomData(100)])
            try await api.pushImage("pub/site", reference: "v1", layers: [randomData(100)])

            // Anonymous: public projects only.
            let anonymous = ConsoleBrowser(client)
            let home = try await anonymous.get("/")
            #expect(home.text.contains(">pub<") && !home.text.contains(">proj<"))
            #expect(try await anonymous.get("/console/project?name=proj").status == .notFound)
            #expect(try await anonymous.get("/console/repository?name=proj/app").status == .notFound)
            let publicProject = try await anonymous.get("/console/project?name=pub")
            #expect(publicProject.status == .ok && publicProject.text.contains("pub/site"))
            #expect(!publicProject.text.contains("<h2>Members</h2>"))
            #expect(try await anonymous.get("/console/audit").status == .unauthorized)

            // What each signed-in user sees of the private project.
            let expectations: [(user: String, sees: Bool, members: Bool, policies: Bool)] = [
                ("outsider", false, false, false),
                ("guest", true, true, false),
                ("developer", true, true, false),
                ("maintainer", true, true, false),
                ("admin", true, true, true),
                ("root", true, true, true),
            ]
            for expected in expectations {
                var browser = ConsoleBrowser(client)
                try await browser.signIn(expected.user, "password-\(expected.user)")
                let list = try await browser.get("/")
                #expect(list.text.contains(">proj<") == expected.sees, "\(expected.user)")
                let page = try await browser.get("/console/project?name=proj")
                #expect((page.status == .ok) == expected.sees, "\(expected.user): \(page.status)")
                #expect(page.text.contains("<h2>Members</h2>") == expected.members, "\(expected.user)")
                #expect(page.text.contains("<h2>Policies</h2>") == expected.policies, "\(expected.user)")
                #expect(page.text.contains(#"action="/console/project/members""#) == expected.policies)
                #expect(
                    (try await browser.get("/console/audit?project=proj").status == .ok) == expected.policies,
                    "\(expected.user)")
                let whole = try await browser.get("/console/audit")
                #expect((whole.status == .ok) == (expected.user == "root"), "\(expected.user): \(whole.status)")
                #expect(list.text.contains(#"href="/console/audit""#) == (expected.user == "root"))
                if expected.members && !expected.policies {
                    // A member who does not administer the project cannot change it, token or not.
                    let refused = try await browser.submit(
                        from: "/", to: "/console/project/members",
                        ["project": "proj", "user": "outsider", "role": "admin"])
                    #expect(refused.status == .forbidden, "\(expected.user)")
                }
            }
        }
    }

    @Test func everythingUserSuppliedIsEscaped() async throws {
        let markup = #""><script>alert(1)</script><b x='y'>"#
        try await withRegistry(prepare: prepareUsers) { client, _ in
            // A user name that is markup, shown back in the sign-in form and in the audit log.
            var attacker = ConsoleBrowser(client)
            let refused = try await attacker.signIn(markup, "whatever-password")
            #expect(refused.status == .unauthorized)
            #expect(!refused.text.contains("<script>"))
            #expect(refused.text.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;b x=&#39;y&#39;&gt;"))
            var root = ConsoleBrowser(client)
            try await root.signIn("root", "password-root")
            let audit = try await root.get("/console/audit")
            #expect(audit.status == .ok)
            #expect(audit.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!audit.text.contains("<script>"))
            // Tag patterns are free text: saved through the policy form and shown escaped.
            let saved = try await root.submit(
                from: "/console/project?name=proj", to: "/console/project/policy",
                ["project": "proj", "immutableTags": "release-*, \(markup)", "quotaBytes": ""])
            #expect(saved.status == .seeOther)
            let project = try await root.get("/console/project?name=proj")
            #expect(project.text.contains("<code>release-*</code>"))
            #expect(!project.text.contains("<script>") && !project.text.contains("<b x"))
            #expect(project.text.contains("&lt;b x=&#39;y&#39;&gt;"))
            // A repository name or digest that is markup never reaches the page.
            let repository = try await root.get("/console/repository?name=\(ConsoleInventory.query(markup))")
            #expect(repository.status == .notFound && !repository.text.contains("<script>"))
        }
    }

    @Test func everyConsoleResponseCarriesTheSecurityHeaders() async throws {
        try await withRegistry(prepare: prepareUsers) { client, _ in
            var browser = ConsoleBrowser(client)
            var responses = [
                try await browser.get("/"), try await browser.get("/console/signin"),
                try await browser.get("/console/static/console.css"),
                try await browser.get("/console/project?name=missing"), try await browser.get("/console/audit"),
                try await browser.post("/console/signout", [:]),
            ]
            responses.append(try await browser.signIn("root", "password-root"))
            responses.append(try await browser.get("/console/project?name=proj"))
            for response in responses {
                #expect(response.header("Content-Security-Policy") == Console.contentSecurityPolicy)
                #expect(response.header("X-Content-Type-Options") == "nosniff")
                #expect(response.header("Referrer-Policy") == "same-origin")
                #expect(response.header("X-Frame-Options") == "DENY")
            }
            #expect(responses[2].header("Content-Type") == "text/css; charset=utf-8")
            // No script anywhere and no inline style the policy would refuse.
            for response in responses where response.header("Content-Type")?.hasPrefix("text/html") == true {
                #expect(!response.text.contains("<script"))
                #expect(!response.text.contains("style="))
                #expect(!response.text.contains("<style"))
            }
        }
    }

    @Test func repositoryAndArtifactPagesShowSizesSignaturesAndScans() async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layer = try image.layer()
        let trusted = P256.Signing.PrivateKey()
        try await withRegistry(
            configure: scanning(image.database),
            prepare: { root in
                try await prepareUsers(root)
                try await RegistryAdmin(root: root).setPolicy(
                    project: "proj", immutableTags: nil, quotaBytes: nil, requireSignature: nil, isPublic: nil,
                    signatureKeys: [trusted.publicKey.pemRepresentation])
            }
        ) { client, services in
            var api = API(client: client)
            api.headers[.authorization] = basic("root", "password-root")
            let tree = try image.builder.tree("plain", ["srv/data.txt": String(repeating: "x", count: 3000)])
            let known = try image.builder.layer(from: tree, gzip: false)
            let config = Data(#"{"architecture":"amd64","os":"linux"}"#.utf8)
            let (plainData, plain) = try await api.pushImage("proj/app", reference: "plain", layers: [known])
            let (_, vulnerable) = try await api.pushImage("proj/app", reference: "v1", layers: [layer])
            let (_, other) = try await api.pushImage("proj/app", reference: "v2", layers: [randomData(10)])
            let signatures = SignatureVerificationTests()
            try await signatures.pushCosignSignature(api, repository: "proj/app", digest: vulnerable, key: trusted)
            try await signatures.pushCosignSignature(
                api, repository: "proj/app", digest: other, key: P256.Signing.PrivateKey())
            try await #require(services.scans).waitUntilIdle()

            var browser = ConsoleBrowser(client)
            try await browser.signIn("guest", "password-guest")
            let project = try await browser.get("/console/project?name=proj")
            #expect(project.text.contains(">proj/app</a>"))
            #expect(project.text.contains(#"data-label="Tags">3</td>"#), "three image tags, signatures not counted")

            let repository = try await browser.get("/console/repository?name=proj/app")
            #expect(repository.status == .ok)
            let text = repository.text
            // The known image: manifest, config and layer.
            let expectedSize = ConsoleInventory.bytes(Int64(plainData.count + config.count + known.count))
            let plainRow = try #require(row(text, containing: ConsoleInventory.short(plain)))
            #expect(plainRow.contains(">plain<") && plainRow.contains(">\(expectedSize)<"), "\(plainRow)")
            #expect(plainRow.contains(">unsigned<") && plainRow.contains("no findings"))
            let vulnerableRow = try #require(row(text, containing: ConsoleInventory.short(vulnerable)))
            #expect(vulnerableRow.contains(">verified<"), "\(vulnerableRow)")
            #expect(vulnerableRow.contains(#"<span class="sev sev-high">1 high</span>"#))
            let otherRow = try #require(row(text, containing: ConsoleInventory.short(other)))
            #expect(otherRow.contains(">signed<"), "a signature that does not verify: \(otherRow)")
            #expect(!text.contains(".sig<"), "signature tags are not images")

            let artifact = try await browser.get(
                "/console/artifact?repository=proj/app&digest=\(ConsoleInventory.query(vulnerable.description))")
            #expect(artifact.status == .ok)
            #expect(artifact.text.contains(vulnerable.description))
            #expect(artifact.text.contains("linux/amd64"))
            #expect(artifact.text.contains(VulnerableImage.vulnerability))
            #expect(artifact.text.contains("2.36-9+deb12u14") && artifact.text.contains("2.36-9+deb12u15"))
            #expect(artifact.text.contains("\(layer.count) B"))
            #expect(!artifact.text.contains("Rescan now"), "a guest cannot push, so cannot ask for a rescan")
            let link = try #require(
                artifact.text.range(
                    of: #"/console/sbom\?repository=proj%2Fapp&amp;digest=sha256:[0-9a-f]{64}"#,
                    options: .regularExpression))
            let sbom = try await browser.get(String(artifact.text[link]).replacingOccurrences(of: "&amp;", with: "&"))
            #expect(sbom.status == .ok)
            #expect(sbom.header("Content-Type") == "application/vnd.cyclonedx+json")
            #expect(sbom.header("Content-Disposition")?.hasPrefix("attachment;") == true)
            #expect(sbom.text.contains("CycloneDX") && sbom.text.contains("libc6"))

            let plainPage = try await browser.get(
                "/console/artifact?repository=proj/app&digest=\(ConsoleInventory.query(plain.description))")
            #expect(plainPage.text.contains("\(known.count) B"))
        }
    }

    @Test func anIndexListsItsPlatformsAndSumsTheirFindings() async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layer = try image.layer()
        try await withRegistry(configure: scanning(image.database)) { client, services in
            let api = API(client: client)
            let (amd64Data, amd64) = try await api.pushImage("proj/multi", reference: "amd64", layers: [layer])
            let (arm64Data, arm64) = try await api.pushImage(
                "proj/multi", reference: "arm64", layers: [try image.layer(marker: "arm64")])
            let index: [String: Any] = [
                "schemaVersion": 2, "mediaType": MediaType.ociIndex,
                "manifests": [
                    [
                        "mediaType": MediaType.ociManifest, "digest": amd64.description, "size": amd64Data.count,
                        "platform": ["os": "linux", "architecture": "amd64"],
                    ],
                    [
                        "mediaType": MediaType.ociManifest, "digest": arm64.description, "size": arm64Data.count,
                        "platform": ["os": "linux", "architecture": "arm64", "variant": "v8"],
                    ],
                ],
            ]
            let indexData = try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys])
            let put = try await api.request(
                .put, "/v2/proj/multi/manifests/latest", headers: ["Content-Type": MediaType.ociIndex],
                body: indexData)
            #expect(put.status == .created)
            try await #require(services.scans).waitUntilIdle()
            let browser = ConsoleBrowser(client)
            let repository = try await browser.get("/console/repository?name=proj/multi")
            let indexRow = try #require(
                row(repository.text, containing: ConsoleInventory.short(OCI.Digest.of(indexData))))
            #expect(indexRow.contains(">latest<") && indexRow.contains("2 high"), "\(indexRow)")
            let page = try await browser.get(
                "/console/artifact?repository=proj/multi&digest=\(ConsoleInventory.query(OCI.Digest.of(indexData).description))"
            )
            #expect(page.status == .ok)
            #expect(page.text.contains("<h2>Platforms</h2>"))
            #expect(page.text.contains(">linux/amd64<") && page.text.contains(">linux/arm64/v8<"))
            #expect(
                page.text.contains(ConsoleInventory.short(amd64)) && page.text.contains(ConsoleInventory.short(arm64)))
            #expect(page.text.contains("CycloneDX SBOM (JSON)"))
            #expect(!page.text.contains("<h2>Layers</h2>"))
        }
    }

    @Test func aDeveloperCanAskForARescan() async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layer = try image.layer()
        try await withRegistry(configure: scanning(image.database), prepare: prepareUsers) { client, services in
            var api = API(client: client)
            api.headers[.authorization] = basic("root", "password-root")
            let (_, digest) = try await api.pushImage("proj/app", reference: "v1", layers: [layer])
            let queue = try #require(services.scans)
            await queue.waitUntilIdle()
            let first = try #require(try await ScanResults(storage: services.storage).record(digest))
            var browser = ConsoleBrowser(client)
            try await browser.signIn("developer", "password-developer")
            let page = "/console/artifact?repository=proj/app&digest=\(ConsoleInventory.query(digest.description))"
            #expect(try await browser.get(page).text.contains("Rescan now"))
            let response = try await browser.submit(
                from: page, to: "/console/rescan", ["repository": "proj/app", "digest": digest.description])
            #expect(response.status == .seeOther)
            await queue.waitUntilIdle()
            let second = try #require(try await ScanResults(storage: services.storage).record(digest))
            #expect(second.scannedAt >= first.scannedAt)
            #expect(queue.statistics.finished == 2)
            #expect(try await browser.get(response.header("Location") ?? "").text.contains("Rescan queued."))
        }
    }

    @Test func theAuditLogPages() async throws {
        try await withRegistry(prepare: prepareUsers) { client, services in
            for number in 0..<120 {
                await services.audit.record(
                    action: "pull", identity: .user("guest"), repository: number % 2 == 0 ? "proj/app" : "pub/app",
                    reference: "event-\(number)", digest: nil, remote: nil, decision: "allow")
            }
            var root = ConsoleBrowser(client)
            try await root.signIn("root", "password-root")
            let first = try await root.get("/console/audit")
            // 120 events and the sign-in: newest first, 50 a page.
            #expect(first.text.contains("Page 1 of 3 (121 events)"))
            #expect(first.text.contains(">console-signin<") && first.text.contains(">event-119<"))
            #expect(first.text.contains(">event-71<") && !first.text.contains(">event-70<"))
            #expect(first.text.contains(#"href="/console/audit?page=2""#))
            let third = try await root.get("/console/audit?page=3")
            #expect(third.text.contains(">event-0<") && third.text.contains("Page 3 of 3"))
            var admin = ConsoleBrowser(client)
            try await admin.signIn("admin", "password-admin")
            let project = try await admin.get("/console/audit?project=proj")
            #expect(project.text.contains("Page 1 of 2 (60 events)"))
            #expect(project.text.contains(">event-118<") && !project.text.contains(">event-119<"))
        }
    }

    @Test func withoutUsersEverythingIsVisibleAndNothingSignsIn() async throws {
        try await withRegistry { client, _ in
            let api = API(client: client)
            try await api.pushImage("team/app", reference: "v1", layers: [randomData(64)])
            var browser = ConsoleBrowser(client)
            #expect(try await browser.get("/").text.contains(">team<"))
            #expect(try await browser.get("/console/repository?name=team/app").text.contains(">v1<"))
            let form = try await browser.get("/console/signin")
            #expect(form.text.contains("has no users yet"))
            #expect(try await browser.signIn("anyone", "any-password").status == .unauthorized)
            #expect(!(try await browser.get("/console/project?name=team").text.contains(#"action="/console/project"#)))
        }
    }

    @Test(arguments: ["memory", "sqlite"])
    func theSessionTableIsBoundedAndExpires(store: String) async throws {
        let root = TemporaryRoot()
        defer { root.cleanup() }
        try FileManager.default.createDirectory(atPath: root.path, withIntermediateDirectories: true)
        let metadata =
            store == "sqlite" ? try await MetadataStore.open("sqlite:\(root.path)/metadata.db?busy_timeout=120") : nil
        let sessions = ConsoleSessions(lifetime: 60, capacity: 3, metadata: metadata)
        let start = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let first = try await sessions.create(user: "a", now: start)
        for _ in 0..<5 { _ = try await sessions.create(user: nil, now: start.addingTimeInterval(1)) }
        #expect(try await sessions.count() == 3)
        #expect(try await sessions.find(first.id, now: start.addingTimeInterval(2)) == nil, "the oldest was dropped")
        let kept = try await sessions.create(user: "b", now: start)
        #expect(try await sessions.find(kept.id, now: start.addingTimeInterval(59))?.user == "b")
        #expect(try await sessions.find(kept.id, now: start.addingTimeInterval(59 + 59)) != nil, "use extends it")
        #expect(try await sessions.find(kept.id, now: start.addingTimeInterval(59 + 59 + 61)) == nil)
        #expect(try await sessions.find("not-a-session") == nil)
        await metadata?.close()
        #expect(ConsoleSessions.same("abc", "abc") && !ConsoleSessions.same("abc", "abd"))
        #expect(!ConsoleSessions.same("abc", "abcd"))
    }

    /// The table row of `html` that contains `text`.
    func row(_ html: String, containing text: String) -> String? {
        html.components(separatedBy: "<tr>").first { $0.contains(text) }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OCI
import TestSupport
import Testing

@testable import Registry

/// The callers of the role matrix.
enum Caller: String, CaseIterable, Sendable {
    case systemAdmin = "S"
    case projectAdmin = "A"
    case maintainer = "M"
    case developer = "D"
    case guest = "G"
    case robot = "R"
    case otherProject = "O"
    case anonymous = "N"

    /// A short word used in the names of the subjects each caller works on.
    var word: String {
        switch self {
        case .systemAdmin: return "sys"
        case .projectAdmin: return "padmin"
        case .maintainer: return "maint"
        case .developer: return "dev"
        case .guest: return "guest"
        case .robot: return "robot"
        case .otherProject: return "other"
        case .anonymous: return "anon"
        }
    }
}

/// The fixture of the matrix: the users of `prepareUsers` (`root`, one per role in private `proj`,
/// `outsider` admin of project `other`), robot `robot$proj+ci` (developer), and per caller the
/// subjects its destructive calls remove.
struct AdminFixture: Sendable {
    var robotSecret = ""

    static func prepare(_ root: String) async throws -> AdminFixture {
        try await prepareUsers(root)
        let admin = try RegistryAdmin(root: root)
        try await admin.createProject("other", public: false)
        try await admin.setMember(project: "other", user: "outsider", role: .admin)
        var fixture = AdminFixture()
        fixture.robotSecret = try await admin.addRobot(project: "proj", name: "ci", role: .developer, lifetime: 3600)
            .secret
        for caller in Caller.allCases {
            try await admin.addUser("victim-\(caller.word)", password: "password-victim", admin: false, cost: 4)
            try await admin.addUser("m-\(caller.word)", password: "password-member", admin: false, cost: 4)
            try await admin.setMember(project: "proj", user: "m-\(caller.word)", role: .guest)
            try await admin.createProject("empty-\(caller.word)", public: false)
            _ = try await admin.addRobot(project: "proj", name: "d-\(caller.word)", role: .guest, lifetime: 3600)
            try await RegistryWebhooks.add(
                store: SecurityStore(root: root), project: "proj",
                endpoint: WebhookEndpoint(id: "d-\(caller.word)", url: "http://127.0.0.1:9/hook", enabled: false))
        }
        return fixture
    }

    func authorization(_ caller: Caller) -> String? {
        switch caller {
        case .systemAdmin: return basic("root", "password-root")
        case .projectAdmin: return basic("admin", "password-admin")
        case .maintainer: return basic("maintainer", "password-maintainer")
        case .developer: return basic("developer", "password-developer")
        case .guest: return basic("guest", "password-guest")
        case .robot: return basic("robot$proj+ci", robotSecret)
        case .otherProject: return basic("outsider", "password-outsider")
        case .anonymous: return nil
        }
    }
}

/// A request of the matrix, made for one caller.
struct MatrixRequest: Sendable {
    var method: HTTPRequest.Method
    var path: String
    var body: String?
    var expected: HTTPResponse.Status
}

/// Calls the admin API with one caller's credentials.
struct AdminCaller {
    let client: any TestClientProtocol
    let authorization: String?

    func call(_ method: HTTPRequest.Method, _ path: String, json: String? = nil) async throws -> TestResponse {
        var headers = HTTPFields()
        if let authorization { headers[.authorization] = authorization }
        if json != nil { headers[.contentType] = "application/json" }
        return try await client.execute(
            uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: response.data) as? [String: Any], "\(response.text)")
    }

    func list(_ response: TestResponse) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: response.data) as? [[String: Any]], "\(response.text)")
    }
}

@Suite struct AdminAPIRoleMatrixTests {
    /// Who may call what, written out (not derived from the code): the letters of the callers
    /// allowed. S system admin, A project admin, M maintainer, D developer, G guest, R robot with
    /// role developer, O admin of another project, N anonymous. docs/registry-api.md has the same table.
    static let matrix: [String: String] = [
        "getOpenAPIDocument": "SAMDGRON",
        "listUsers": "S", "createUser": "S", "deleteUser": "S",
        "listProjects": "SAMDGRON", "createProject": "S", "getProject": "SAMDGR", "updateProject": "SA",
        "deleteProject": "S",
        "listMembers": "SAMDGR", "setMember": "SA", "removeMember": "SA",
        "listRobots": "SAM", "createRobot": "SA", "deleteRobot": "SA",
        "getPolicy": "SAMDGR", "setPolicy": "SA",
        "listRepositories": "SAMDGR", "deleteArtifact": "SAM",
        "listScans": "SAMDGR", "requestScan": "SAM", "getVulnerabilityReport": "SAMDGR", "getSBOM": "SAMDGR",
        "listProjectLogs": "SAMDGR", "listAuditLog": "S",
        "getRetention": "SAMDGR", "setRetention": "SA", "planRetention": "SAM", "runRetention": "SA",
        "listWebhooks": "SAM", "createWebhook": "SA", "deleteWebhook": "SA", "listWebhookDeliveries": "SAM",
    ]

    /// The request each operation makes for `caller`; destructive ones act on the caller's own subject.
    static func request(_ id: String, caller: Caller, artifacts: [Caller: OCI.Digest], scanned: OCI.Digest)
        -> MatrixRequest?
    {
        let w = caller.word
        switch id {
        case "getOpenAPIDocument": return MatrixRequest(method: .get, path: "/api/v1/openapi.json", expected: .ok)
        case "listUsers": return MatrixRequest(method: .get, path: "/api/v1/users", expected: .ok)
        case "createUser":
            return MatrixRequest(
                method: .post, path: "/api/v1/users", body: #"{"name":"new-\#(w)","password":"password-new"}"#,
                expected: .created)
        case "deleteUser":
            return MatrixRequest(method: .delete, path: "/api/v1/users/victim-\(w)", expected: .noContent)
        case "listProjects": return MatrixRequest(method: .get, path: "/api/v1/projects", expected: .ok)
        case "createProject":
            return MatrixRequest(
                method: .post, path: "/api/v1/projects", body: #"{"name":"new-\#(w)"}"#, expected: .created)
        case "getProject": return MatrixRequest(method: .get, path: "/api/v1/projects/proj", expected: .ok)
        case "updateProject":
            return MatrixRequest(
                method: .patch, path: "/api/v1/projects/proj", body: #"{"public":false}"#, expected: .ok)
        case "deleteProject":
            return MatrixRequest(method: .delete, path: "/api/v1/projects/empty-\(w)", expected: .noContent)
        case "listMembers": return MatrixRequest(method: .get, path: "/api/v1/projects/proj/members", expected: .ok)
        case "setMember":
            return MatrixRequest(
                method: .put, path: "/api/v1/projects/proj/members/m-\(w)", body: #"{"role":"guest"}"#,
                expected: .ok)
        case "removeMember":
            return MatrixRequest(method: .delete, path: "/api/v1/projects/proj/members/m-\(w)", expected: .noContent)
        case "listRobots": return MatrixRequest(method: .get, path: "/api/v1/projects/proj/robots", expected: .ok)
        case "createRobot":
            return MatrixRequest(
                method: .post, path: "/api/v1/projects/proj/robots", body: #"{"name":"new-\#(w)","role":"guest"}"#,
                expected: .created)
        case "deleteRobot":
            return MatrixRequest(method: .delete, path: "/api/v1/projects/proj/robots/d-\(w)", expected: .noContent)
        case "getPolicy": return MatrixRequest(method: .get, path: "/api/v1/projects/proj/policy", expected: .ok)
        case "setPolicy":
            return MatrixRequest(
                method: .put, path: "/api/v1/projects/proj/policy", body: #"{"immutableTags":["release-*"]}"#,
                expected: .ok)
        case "listRepositories":
            return MatrixRequest(method: .get, path: "/api/v1/projects/proj/repositories", expected: .ok)
        case "deleteArtifact":
            guard let digest = artifacts[caller] else { return nil }
            return MatrixRequest(
                method: .delete, path: "/api/v1/projects/proj/artifacts/\(digest)?repository=\(w)",
                expected: .noContent)
        case "listScans": return MatrixRequest(method: .get, path: "/api/v1/projects/proj/scans", expected: .ok)
        case "requestScan":
            return MatrixRequest(
                method: .post, path: "/api/v1/projects/proj/scans", body: #"{"repository":"vuln","force":true}"#,
                expected: .accepted)
        case "getVulnerabilityReport":
            return MatrixRequest(method: .get, path: "/api/v1/projects/proj/scans/\(scanned)/report", expected: .ok)
        case "getSBOM":
            return MatrixRequest(method: .get, path: "/api/v1/projects/proj/scans/\(scanned)/sbom", expected: .ok)
        case "listProjectLogs":
            return MatrixRequest(method: .get, path: "/api/v1/projects/proj/logs", expected: .ok)
        case "listAuditLog": return MatrixRequest(method: .get, path: "/api/v1/audit", expected: .ok)
        case "getRetention": return MatrixRequest(method: .get, path: "/api/v1/projects/proj/retention", expected: .ok)
        case "setRetention":
            return MatrixRequest(
                method: .put, path: "/api/v1/projects/proj/retention", body: #"{"keepLast":1000}"#, expected: .ok)
        case "planRetention":
            return MatrixRequest(method: .post, path: "/api/v1/projects/proj/retention/plan", expected: .ok)
        case "runRetention":
            // The rules keep the last 1000 per repository: a run deletes nothing the matrix needs.
            return MatrixRequest(method: .post, path: "/api/v1/projects/proj/retention/run", expected: .ok)
        case "listWebhooks": return MatrixRequest(method: .get, path: "/api/v1/projects/proj/webhooks", expected: .ok)
        case "createWebhook":
            return MatrixRequest(
                method: .post, path: "/api/v1/projects/proj/webhooks",
                body: #"{"id":"h-\#(w)","url":"http://127.0.0.1:9/hook","enabled":false}"#, expected: .created)
        case "deleteWebhook":
            return MatrixRequest(method: .delete, path: "/api/v1/projects/proj/webhooks/d-\(w)", expected: .noContent)
        case "listWebhookDeliveries":
            return MatrixRequest(method: .get, path: "/api/v1/projects/proj/webhooks/deliveries", expected: .ok)
        default: return nil
        }
    }

    @Test func everyCallerCanDoExactlyItsMatrix() async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layer = try image.layer()
        let root = TemporaryRoot()
        defer { root.cleanup() }
        try FileManager.default.createDirectory(atPath: root.path, withIntermediateDirectories: true)
        let fixture = try await AdminFixture.prepare(root.path)
        try await withRegistry(live: true, root: root, configure: scanning(image.database)) { client, services in
            // Every operation the document lists has a row, and every row an operation.
            let document = try JSONSerialization.jsonObject(with: AdminAPI(services: services).documentData)
            let paths = try #require((document as? [String: Any])?["paths"] as? [String: [String: [String: Any]]])
            let ids = Set(paths.values.flatMap { $0.values.compactMap { $0["operationId"] as? String } })
            #expect(ids == Set(Self.matrix.keys))

            var api = API(client: client)
            api.headers[.authorization] = basic("root", "password-root")
            let (_, scanned) = try await api.pushImage("proj/vuln", reference: "v1", layers: [layer])
            var artifacts: [Caller: OCI.Digest] = [:]
            for caller in Caller.allCases {
                artifacts[caller] = try await api.pushImage(
                    "proj/\(caller.word)", reference: "v1", layers: [randomData(64)]
                ).digest
            }
            try await #require(services.scans).waitUntilIdle()

            var cells = 0
            for (id, allowedLetters) in Self.matrix.sorted(by: { $0.key < $1.key }) {
                for caller in Caller.allCases {
                    let request = try #require(
                        Self.request(id, caller: caller, artifacts: artifacts, scanned: scanned), "no request for \(id)"
                    )
                    let allowed = allowedLetters.contains(caller.rawValue)
                    let response = try await AdminCaller(client: client, authorization: fixture.authorization(caller))
                        .call(request.method, request.path, json: request.body)
                    let cell =
                        "\(id) by \(caller) (\(caller.rawValue)): \(response.status) \(response.text.prefix(300))"
                    if allowed {
                        #expect(response.status == request.expected, "\(cell)")
                    } else if caller == .anonymous {
                        #expect(response.status == .unauthorized, "\(cell)")
                        #expect(response.errorCode == "UNAUTHORIZED", "\(cell)")
                        let challenges = response.headers[values: .wwwAuthenticate]
                        #expect(challenges.contains { $0.hasPrefix("Basic realm=") }, "\(cell)")
                        #expect(challenges.contains { $0.contains("scope=\"registry:api:*\"") }, "\(cell)")
                    } else {
                        #expect(response.status == .forbidden, "\(cell)")
                        #expect(response.errorCode == "DENIED", "\(cell)")
                    }
                    cells += 1
                }
            }
            #expect(cells == Self.matrix.count * Caller.allCases.count)

            // What each caller sees of the project list.
            let expectedProjects: [Caller: Set<String>] = [
                .projectAdmin: ["proj", "pub"], .guest: ["proj", "pub"], .robot: ["proj", "pub"],
                .otherProject: ["other", "pub"], .anonymous: ["pub"],
            ]
            for (who, expected) in expectedProjects {
                let caller = AdminCaller(client: client, authorization: fixture.authorization(who))
                let names = try caller.list(try await caller.call(.get, "/api/v1/projects")).compactMap {
                    $0["name"] as? String
                }
                #expect(Set(names) == expected, "\(who)")
            }
            // Refusals and changes are in the audit log, with who made them.
            let log = try await auditText(services)
            #expect(log.contains(#""action":"api.member.set","decision":"allow""#))
            #expect(log.contains(#""action":"api.createUser","decision":"deny""#))
        }
    }

    @Test func unknownProjectsAndBadInputAreRefusedWithErrorBodies() async throws {
        try await withRegistry(prepare: { _ = try await AdminFixture.prepare($0) }) { client, _ in
            let root = AdminCaller(client: client, authorization: basic("root", "password-root"))
            let guest = AdminCaller(client: client, authorization: basic("guest", "password-guest"))
            let anonymous = AdminCaller(client: client, authorization: nil)
            let wrong = AdminCaller(client: client, authorization: basic("root", "not-the-password"))
            for caller in [root, guest] {
                let unknown = try await caller.call(.get, "/api/v1/projects/nosuch/members")
                #expect(unknown.status == .notFound)
                #expect(unknown.errorCode == "NOT_FOUND")
            }
            // Anonymous callers learn nothing about which projects exist.
            #expect(try await anonymous.call(.get, "/api/v1/projects/nosuch/members").status == .unauthorized)
            #expect(try await anonymous.call(.get, "/api/v1/projects/nosuch").status == .unauthorized)
            // A public project's readers include everybody; its members stay for members.
            let open = try await anonymous.call(.get, "/api/v1/projects/pub")
            #expect(open.status == .ok, "\(open.text)")
            #expect(try anonymous.object(open)["role"] == nil)
            #expect(try await anonymous.call(.get, "/api/v1/projects/pub/repositories").status == .ok)
            #expect(try await anonymous.call(.get, "/api/v1/projects/pub/members").status == .unauthorized)
            #expect(try await guest.call(.get, "/api/v1/projects/pub/repositories").status == .ok)
            #expect(try await guest.call(.get, "/api/v1/projects/pub/members").status == .forbidden)
            let bad = try await wrong.call(.get, "/api/v1/projects")
            #expect(bad.status == .unauthorized)
            #expect(bad.text.contains("invalid username or password"))
            let invalid = try await root.call(.post, "/api/v1/users", json: #"{"name":"x"}"#)
            #expect(invalid.status == .badRequest)
            #expect(invalid.errorCode == "INVALID")
            #expect(invalid.text.contains("password"))
            let weak = try await root.call(.post, "/api/v1/users", json: #"{"name":"x","password":"short"}"#)
            #expect(weak.status == .badRequest)
            let exists = try await root.call(.post, "/api/v1/projects", json: #"{"name":"proj"}"#)
            #expect(exists.status == .conflict)
            #expect(exists.errorCode == "CONFLICT")
            // Existing users and robots are not replaced (nor their passwords and secrets).
            let user = try await root.call(.post, "/api/v1/users", json: #"{"name":"guest","password":"another-one"}"#)
            #expect(user.status == .conflict)
            #expect(try await guest.call(.get, "/api/v1/projects/proj").status == .ok, "the password is unchanged")
            let robot = try await root.call(.post, "/api/v1/projects/proj/robots", json: #"{"name":"ci"}"#)
            #expect(robot.status == .conflict)
            #expect(robot.errorCode == "CONFLICT")
            let role = try await root.call(.put, "/api/v1/projects/proj/members/nobody", json: #"{"role":"guest"}"#)
            #expect(role.status == .notFound)
            let badRole = try await root.call(.put, "/api/v1/projects/proj/members/guest", json: #"{"role":"owner"}"#)
            #expect(badRole.status == .badRequest)
            let badPolicy = try await root.call(
                .put, "/api/v1/projects/proj/policy", json: #"{"vulnerabilities":{"blockSeverity":"severe"}}"#)
            #expect(badPolicy.status == .badRequest)
            #expect(badPolicy.text.contains("blockSeverity"))
            let badDate = try await root.call(
                .put, "/api/v1/projects/proj/policy",
                json:
                    #"{"vulnerabilities":{"blockSeverity":"high","allowlist":[{"id":"CVE-1","reason":"r","expires":"soon"}]}}"#
            )
            #expect(badDate.status == .badRequest)
            #expect(try await root.call(.delete, "/api/v1/users/root").status == .conflict)
            // A project with repositories is not deleted.
            var api = API(client: client)
            api.headers[.authorization] = basic("root", "password-root")
            try await api.pushImage("other/app", reference: "v1", layers: [randomData(10)])
            let full = try await root.call(.delete, "/api/v1/projects/other")
            #expect(full.status == .conflict)
            #expect(full.text.contains("still holds repositories"))
            // Scanning is not configured here.
            let scan = try await root.call(.post, "/api/v1/projects/proj/scans", json: "{}")
            #expect(scan.status == .conflict)
            #expect(scan.errorCode == "UNSUPPORTED")
        }
    }

    @Test func registryTokensWithTheAPIScopeAreAccepted() async throws {
        try await withRegistry(prepare: { _ = try await AdminFixture.prepare($0) }) { client, _ in
            func token(_ user: String, scope: String) async throws -> String {
                let response = try await API(client: client).request(
                    .get, "/token?service=berth-registry&scope=\(scope)",
                    headers: ["Authorization": basic(user, "password-\(user)")])
                let body = try JSONSerialization.jsonObject(with: response.data) as? [String: Any]
                return try #require(body?["token"] as? String)
            }
            let apiToken = try await token("root", scope: "registry:api:*")
            let withToken = AdminCaller(client: client, authorization: "Bearer \(apiToken)")
            #expect(try await withToken.call(.get, "/api/v1/users").status == .ok)
            // The token says who; the roles decide: a guest's API token does not manage members.
            let guestToken = try await token("guest", scope: "registry:api:*")
            let guest = AdminCaller(client: client, authorization: "Bearer \(guestToken)")
            #expect(try await guest.call(.get, "/api/v1/projects/proj/members").status == .ok)
            #expect(
                try await guest.call(.put, "/api/v1/projects/proj/members/guest", json: #"{"role":"admin"}"#).status
                    == .forbidden)
            // A pull token is not an API token.
            let pullToken = try await token("root", scope: "repository:proj/app:pull")
            let pull = try await AdminCaller(client: client, authorization: "Bearer \(pullToken)").call(
                .get, "/api/v1/users")
            #expect(pull.status == .unauthorized)
            #expect(pull.headers[values: .wwwAuthenticate].contains { $0.contains(#"error="invalid_token""#) })
        }
    }
}

@Suite struct AdminAPIOperationTests {
    @Test func managementRoundTripsAndEveryChangeIsAudited() async throws {
        try await withRegistry(prepare: prepareUsers) { client, services in
            let root = AdminCaller(client: client, authorization: basic("root", "password-root"))
            #expect(
                try await root.call(.post, "/api/v1/users", json: #"{"name":"carol","password":"carol-password"}"#)
                    .status == .created)
            let users = try root.list(try await root.call(.get, "/api/v1/users"))
            #expect(users.contains { $0["name"] as? String == "carol" && $0["admin"] as? Bool == false })
            #expect(
                !String(decoding: try JSONSerialization.data(withJSONObject: users), as: UTF8.self).contains("$2b$"))
            let created = try await root.call(.post, "/api/v1/projects", json: #"{"name":"team","public":true}"#)
            #expect(created.status == .created)
            #expect(
                try await root.call(.put, "/api/v1/projects/team/members/carol", json: #"{"role":"admin"}"#).status
                    == .ok)
            // carol, now project admin, manages the project but not the registry.
            let carol = AdminCaller(client: client, authorization: basic("carol", "carol-password"))
            let robot = try carol.object(
                try await carol.call(.post, "/api/v1/projects/team/robots", json: #"{"name":"ci","expiresInDays":2}"#))
            #expect(robot["name"] as? String == "robot$team+ci")
            #expect(robot["role"] as? String == "developer")
            let secret = try #require(robot["secret"] as? String)
            let robots = try carol.list(try await carol.call(.get, "/api/v1/projects/team/robots"))
            #expect(robots.map { $0["name"] as? String } == ["robot$team+ci"])
            #expect(robots.first?["secret"] == nil)
            // The robot's secret works for the registry: it pushes to its project.
            var robotAPI = API(client: client)
            robotAPI.headers[.authorization] = basic("robot$team+ci", secret)
            try await robotAPI.pushImage("team/app", reference: "v1", layers: [randomData(50)])
            let policy = try await carol.call(
                .put, "/api/v1/projects/team/policy",
                json: #"""
                    {"immutableTags":["v*"],"quotaBytes":1000000,"requiredAttestations":["cyclonedx"],
                     "vulnerabilities":{"blockSeverity":"critical","unscanned":"block",
                       "allowlist":[{"id":"CVE-2099-1","reason":"no fix","expires":"2999-01-01"}]}}
                    """#)
            #expect(policy.status == .ok, "\(policy.text)")
            let stored = try #require((try await services.security.current()).projects["team"])
            #expect(stored.immutableTags == ["v*"])
            #expect(stored.quotaBytes == 1_000_000)
            #expect(stored.requiredAttestations == ["https://cyclonedx.org/bom"])
            #expect(stored.vulnerabilities?.blockSeverity == "critical")
            #expect(stored.vulnerabilities?.allowlist?.first?.expires == "2999-01-01")
            let read = try carol.object(try await carol.call(.get, "/api/v1/projects/team/policy"))
            #expect((read["vulnerabilities"] as? [String: Any])?["unscanned"] as? String == "block")
            // The immutable tag now refuses deleting what v1 points at.
            let repositories = try carol.list(try await carol.call(.get, "/api/v1/projects/team/repositories"))
            let artifacts = try #require(repositories.first?["artifacts"] as? [[String: Any]])
            #expect(repositories.first?["name"] as? String == "team/app")
            #expect(artifacts.first?["tags"] as? [String] == ["v1"])
            #expect((artifacts.first?["size"] as? Int ?? 0) > 50)
            #expect(artifacts.first?["pushedAt"] is String)
            let digest = try #require(artifacts.first?["digest"] as? String)
            let refused = try await carol.call(.delete, "/api/v1/projects/team/artifacts/\(digest)?repository=app")
            #expect(refused.status == .preconditionFailed, "\(refused.text)")
            #expect(refused.text.contains("immutable"))
            #expect(refused.errorCode == "PROJECTPOLICYVIOLATION")
            #expect(
                try await carol.call(.put, "/api/v1/projects/team/policy", json: "{}").status == .ok)
            #expect(
                try await carol.call(.delete, "/api/v1/projects/team/artifacts/\(digest)?repository=app").status
                    == .noContent)
            #expect(try await services.storage.manifest("team/app", digest: try OCI.Digest(parsing: digest)) == nil)
            #expect(
                try await carol.call(.post, "/api/v1/users", json: #"{"name":"x","password":"12345678"}"#).status
                    == .forbidden)
            #expect(try await carol.call(.delete, "/api/v1/projects/team/robots/ci").status == .noContent)
            #expect((try await services.security.current()).robots["robot$team+ci"] == nil)
            #expect(try await carol.call(.patch, "/api/v1/projects/team", json: #"{"public":false}"#).status == .ok)
            #expect((try await services.security.current()).projects["team"]?.public == false)
            #expect(try await root.call(.delete, "/api/v1/projects/team/members/carol").status == .noContent)
            #expect(try await carol.call(.get, "/api/v1/projects/team/members").status == .forbidden)

            // Every change above is in the log, with its author.
            let page = try root.object(try await root.call(.get, "/api/v1/audit?action=api&page_size=100"))
            let events = try #require(page["items"] as? [[String: Any]])
            let actions = events.map { "\($0["user"] as? String ?? "") \($0["action"] as? String ?? "")" }
            for expected in [
                "root api.user.create", "root api.project.create", "root api.member.set", "carol api.robot.create",
                "carol api.policy.set", "carol api.robot.delete", "carol api.project.update", "root api.member.remove",
            ] {
                #expect(actions.contains(expected), "\(expected) in \(actions)")
            }
            #expect(
                events.contains { $0["action"] as? String == "delete" } == false, "action=api keeps only admin events")
        }
    }

    @Test func auditLogPagesFiltersAndLinksTheNextPage() async throws {
        try await withRegistry(prepare: prepareUsers) { client, _ in
            let root = AdminCaller(client: client, authorization: basic("root", "password-root"))
            for number in 0..<5 {
                #expect(
                    try await root.call(
                        .put, "/api/v1/projects/proj/policy", json: #"{"immutableTags":["t\#(number)"]}"#
                    ).status == .ok)
            }
            let guest = AdminCaller(client: client, authorization: basic("guest", "password-guest"))
            var path: String? = "/api/v1/projects/proj/logs?action=api.policy.set&page_size=2"
            var seen: [String] = []
            var pages = 0
            while let next = path {
                let page = try guest.object(try await guest.call(.get, next))
                #expect(page["total"] as? Int == 5)
                #expect(page["pageSize"] as? Int == 2)
                let items = try #require(page["items"] as? [[String: Any]])
                seen += items.compactMap { $0["time"] as? String }
                #expect(items.allSatisfy { $0["project"] as? String == "proj" && $0["user"] as? String == "root" })
                path = page["next"] as? String
                pages += 1
            }
            #expect(pages == 3)
            #expect(seen.count == 5)
            #expect(seen == seen.sorted(by: >), "newest first")
            let none = try guest.object(try await guest.call(.get, "/api/v1/projects/proj/logs?since=2999-01-01"))
            #expect(none["total"] as? Int == 0)
            let other = try guest.object(try await guest.call(.get, "/api/v1/projects/proj/logs?user=nobody"))
            #expect(other["total"] as? Int == 0)
            let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
            let day = try guest.object(
                try await guest.call(.get, "/api/v1/projects/proj/logs?action=api&since=\(today)&until=\(today)"))
            #expect(day["total"] as? Int == 5)
            #expect(try await guest.call(.get, "/api/v1/projects/proj/logs?page_size=0").status == .badRequest)
            #expect(try await guest.call(.get, "/api/v1/projects/proj/logs?since=yesterday").status == .badRequest)
            #expect(try await guest.call(.get, "/api/v1/projects/pub/logs").status == .forbidden)
        }
    }

    @Test func vulnerabilityPolicySetThroughTheAPIGatesTheNextPull() async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layer = try image.layer()
        try await withRegistry(configure: scanning(image.database), prepare: prepareUsers) { client, services in
            var api = API(client: client)
            api.headers[.authorization] = basic("root", "password-root")
            let (_, digest) = try await api.pushImage("proj/vuln", reference: "v1", layers: [layer])
            try await #require(services.scans).waitUntilIdle()
            let admin = AdminCaller(client: client, authorization: basic("admin", "password-admin"))
            let scans = try admin.list(try await admin.call(.get, "/api/v1/projects/proj/scans?repository=vuln"))
            #expect(scans.count == 1)
            #expect(scans.first?["status"] as? String == "completed")
            let findings = try #require(scans.first?["findings"] as? [[String: Any]])
            #expect(findings.map { $0["id"] as? String } == [VulnerableImage.vulnerability])
            let report = try await admin.call(.get, "/api/v1/projects/proj/scans/\(digest)/report")
            #expect(report.status == .ok)
            #expect(report.header("Content-Type") == ImageScanner.reportArtifactType)
            #expect(report.text.contains(VulnerableImage.vulnerability))
            let sbom = try await admin.call(.get, "/api/v1/projects/proj/scans/\(digest)/sbom?repository=vuln")
            #expect(sbom.status == .ok)
            #expect(sbom.text.contains("CycloneDX") && sbom.text.contains("libc6"))
            let repositories = try admin.list(try await admin.call(.get, "/api/v1/projects/proj/repositories"))
            let vuln = try #require(repositories.first { $0["name"] as? String == "proj/vuln" })
            let artifact = try #require(
                (vuln["artifacts"] as? [[String: Any]])?.first { $0["digest"] as? String == digest.description })
            #expect((artifact["vulnerabilities"] as? [String: Int])?["high"] == 1)

            func pull() async throws -> TestResponse {
                try await api.request(.get, "/v2/proj/vuln/manifests/v1", headers: ["Accept": MediaType.ociManifest])
            }
            #expect(try await pull().status == .ok)
            func setPolicy(_ allowlist: String) async throws {
                let response = try await admin.call(
                    .put, "/api/v1/projects/proj/policy",
                    json: #"{"vulnerabilities":{"blockSeverity":"high","allowlist":[\#(allowlist)]}}"#)
                #expect(response.status == .ok, "\(response.text)")
            }
            try await setPolicy("")
            let refused = try await pull()
            #expect(refused.status == .preconditionFailed)
            #expect(refused.text.contains(VulnerableImage.vulnerability))
            try await setPolicy(
                #"{"id":"\#(VulnerableImage.vulnerability)","reason":"accepted","expires":"2999-12-31"}"#)
            #expect(try await pull().status == .ok)
            try await setPolicy(
                #"{"id":"\#(VulnerableImage.vulnerability)","reason":"accepted","expires":"2001-01-01"}"#)
            #expect(try await pull().status == .preconditionFailed)
            // A rescan on request.
            let queued = try admin.object(
                try await admin.call(
                    .post, "/api/v1/projects/proj/scans", json: #"{"digest":"\#(digest)","force":true}"#))
            #expect(queued["queued"] as? Int == 1)
            try await #require(services.scans).waitUntilIdle()
        }
    }

    @Test func configurationPolicyStillAppliesUntilTheAPISetsOne() async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layer = try image.layer()
        let configure: (inout RegistryConfiguration) -> Void = { configuration in
            scanning(image.database)(&configuration)
            configuration.projects["proj"] = blockHigh()
        }
        try await withRegistry(configure: configure, prepare: prepareUsers) { client, services in
            var api = API(client: client)
            api.headers[.authorization] = basic("root", "password-root")
            try await api.pushImage("proj/vuln", reference: "v1", layers: [layer])
            try await #require(services.scans).waitUntilIdle()
            func pull() async throws -> HTTPResponse.Status {
                try await api.request(.get, "/v2/proj/vuln/manifests/v1", headers: ["Accept": MediaType.ociManifest])
                    .status
            }
            // registry.yaml's policy applies to the project the state file also has.
            #expect(try await pull() == .preconditionFailed)
            let admin = AdminCaller(client: client, authorization: basic("admin", "password-admin"))
            let read = try admin.object(try await admin.call(.get, "/api/v1/projects/proj/policy"))
            #expect(read["vulnerabilities"] is NSNull, "the state record has none of its own")
            #expect(
                try await admin.call(
                    .put, "/api/v1/projects/proj/policy", json: #"{"vulnerabilities":{"blockSeverity":"critical"}}"#
                ).status == .ok)
            #expect(try await pull() == .ok)
        }
    }
}

@Suite struct AdminAPIDocumentTests {
    /// Every `/api/` route the router has is in the document, and every documented operation is routed.
    @Test func documentAndRoutesAgree() async throws {
        let root = TemporaryRoot()
        defer { root.cleanup() }
        var configuration = RegistryConfiguration()
        configuration.root = root.path
        let services = try await RegistryServices(configuration: configuration, watchDatabase: false)
        let router = buildRouter(services: services)
        let routed = Set(
            router.routes.map { "\($0.method.rawValue) \($0.path.description)" }.filter { $0.contains(" /api/") })
        let document = try #require(
            try JSONSerialization.jsonObject(with: AdminAPI(services: services).documentData) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, methods in methods.keys.map { "\($0.uppercased()) \(path)" } })
        #expect(routed.count >= 25)
        #expect(
            routed == documented,
            "routed only: \(routed.subtracting(documented)); documented only: \(documented.subtracting(routed))")
        // Every operation says who may call it, and the errors it answers with.
        for (path, methods) in paths {
            for (method, value) in methods {
                let operation = try #require(value as? [String: Any])
                #expect(operation["x-berth-access"] is String, "\(method) \(path)")
                let responses = try #require(operation["responses"] as? [String: Any])
                #expect(responses["default"] != nil, "\(method) \(path)")
            }
        }
    }

    /// The role matrix of docs/registry-api.md is the one the matrix test checks.
    @Test func documentedMatrixIsTheTestedOne() throws {
        let text = try String(contentsOfFile: Paths.repository + "/docs/registry-api.md", encoding: .utf8)
        var documented: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| ") && line.contains("`") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast().map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count == 2 + Caller.allCases.count, let id = cells[0].split(separator: " ").first else {
                continue
            }
            documented[String(id)] = zip(Caller.allCases, cells.dropFirst(2)).filter { $0.1 == "✓" }.map(\.0.rawValue)
                .joined()
        }
        #expect(documented == AdminAPIRoleMatrixTests.matrix)
    }

    @Test(Tool.enabled("openapi-spec-validator"))
    func servedDocumentValidates() async throws {
        try await withRegistry(live: true, prepare: prepareUsers) { client, _ in
            let response = try await client.execute(uri: "/api/v1/openapi.json", method: .get, headers: [:], body: nil)
            #expect(response.status == .ok, "served without credentials")
            #expect(response.headers[.contentType] == "application/json")
            let file = NSTemporaryDirectory() + "berth-openapi-\(UUID().uuidString).json"
            try Data(buffer: response.body).write(to: URL(fileURLWithPath: file))
            defer { try? FileManager.default.removeItem(atPath: file) }
            let validator = try #require(requireTool("openapi-spec-validator"))
            let result = try await run(validator, [file])
            #expect(result.status == 0, "\(result.output)\(result.error)")
            #expect(result.output.contains("OK"), "\(result.output)")
            let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
            #expect(object?["openapi"] as? String == "3.1.0")
        }
    }

    /// Each response body matches its schema in the document (jsonschema, which the validator brings).
    @Test(Tool.enabled(pythonModules: "jsonschema"))
    func responsesMatchTheirSchemas() async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layer = try image.layer()
        try await withRegistry(configure: scanning(image.database), prepare: prepareUsers) { client, services in
            var api = API(client: client)
            api.headers[.authorization] = basic("root", "password-root")
            let (_, digest) = try await api.pushImage("proj/vuln", reference: "v1", layers: [layer])
            try await #require(services.scans).waitUntilIdle()
            let root = AdminCaller(client: client, authorization: basic("root", "password-root"))
            _ = try await root.call(
                .put, "/api/v1/projects/proj/policy",
                json: #"{"vulnerabilities":{"blockSeverity":"high","allowlist":[{"id":"CVE-1","reason":"r"}]}}"#)
            let samples: [(String, String)] = [
                ("User", "/api/v1/users"), ("Project", "/api/v1/projects"), ("Member", "/api/v1/projects/proj/members"),
                ("Repository", "/api/v1/projects/proj/repositories"), ("Scan", "/api/v1/projects/proj/scans"),
            ]
            var cases: [[String: Any]] = []
            for (schema, path) in samples {
                let response = try await root.call(.get, path)
                cases.append([
                    "schema": schema, "list": true, "body": try JSONSerialization.jsonObject(with: response.data),
                ])
            }
            for (schema, path) in [
                ("Policy", "/api/v1/projects/proj/policy"), ("ProjectDetail", "/api/v1/projects/proj"),
                ("AuditPage", "/api/v1/audit"),
            ] {
                let response = try await root.call(.get, path)
                cases.append([
                    "schema": schema, "list": false, "body": try JSONSerialization.jsonObject(with: response.data),
                ])
            }
            let robot = try await root.call(.post, "/api/v1/projects/proj/robots", json: #"{"name":"s"}"#)
            cases.append([
                "schema": "RobotCreated", "list": false, "body": try JSONSerialization.jsonObject(with: robot.data),
            ])
            let error = try await root.call(.get, "/api/v1/projects/nosuch")
            cases.append([
                "schema": "Errors", "list": false, "body": try JSONSerialization.jsonObject(with: error.data),
            ])
            let directory = NSTemporaryDirectory() + "berth-schemas-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try AdminAPI(services: services).documentData.write(to: URL(fileURLWithPath: directory + "/openapi.json"))
            try JSONSerialization.data(withJSONObject: cases).write(to: URL(fileURLWithPath: directory + "/cases.json"))
            let script = """
                import json, sys, jsonschema
                document = json.load(open(sys.argv[1] + "/openapi.json"))
                failures = 0
                for case in json.load(open(sys.argv[1] + "/cases.json")):
                    schema = {"$ref": "#/components/schemas/" + case["schema"]}
                    if case["list"]:
                        schema = {"type": "array", "items": schema}
                    schema["components"] = document["components"]
                    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(case["body"]))
                    for error in errors:
                        print(case["schema"], error.message[:300])
                    failures += len(errors)
                    if case["list"] and not case["body"]:
                        print(case["schema"], "empty sample"); failures += 1
                sys.exit(1 if failures else 0)
                """
            let python = try #require(Tool.find("python3"))
            let result = try await run(python, ["-c", script, directory])
            #expect(result.status == 0, "\(result.output)\(result.error)")
            _ = digest
        }
    }
}

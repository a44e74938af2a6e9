import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import OCI
import Testing

@testable import Registry

func basic(_ user: String, _ password: String) -> String {
    "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
}

/// Users: `root` (system admin), one user per role in private project `proj`, `outsider` with no role;
/// project `pub` is public. Everyone's password is `password-<name>`.
func prepareUsers(_ root: String) async throws {
    let admin = try RegistryAdmin(root: root)
    try await admin.addUser("root", password: "password-root", admin: true, cost: 4)
    for role in Role.allCases {
        try await admin.addUser(role.rawValue, password: "password-\(role.rawValue)", admin: false, cost: 4)
    }
    try await admin.addUser("outsider", password: "password-outsider", admin: false, cost: 4)
    try await admin.createProject("proj", public: false)
    try await admin.createProject("pub", public: true)
    for role in Role.allCases {
        try await admin.setMember(project: "proj", user: role.rawValue, role: role)
    }
}

@Suite struct AuthTests {
    /// Seeds `proj/app:v1` and `pub/app:v1` as the system admin.
    func seed(_ client: any TestClientProtocol) async throws -> (Data, OCI.Digest) {
        var api = API(client: client)
        api.headers[.authorization] = basic("root", "password-root")
        let image = try await api.pushImage("proj/app", reference: "v1", layers: [randomData(100)])
        try await api.pushImage("pub/app", reference: "v1", layers: [randomData(100)])
        return image
    }

    @Test func everyRoleCanDoExactlyItsMatrix() async throws {
        try await withRegistry(prepare: prepareUsers) { client, _ in
            let image = try await seed(client)
            let expectations: [(user: String, pull: Bool, push: Bool, delete: Bool)] = [
                ("guest", true, false, false),
                ("developer", true, true, false),
                ("maintainer", true, true, true),
                ("admin", true, true, true),
                ("outsider", false, false, false),
                ("root", true, true, true),
            ]
            for expected in expectations {
                var api = API(client: client)
                api.headers[.authorization] = basic(expected.user, "password-\(expected.user)")
                let pull = try await api.request(.get, "/v2/proj/app/manifests/v1")
                #expect((pull.status == .ok) == expected.pull, "\(expected.user) pull: \(pull.status)")
                if !expected.pull {
                    #expect(pull.status == .forbidden)
                    #expect(pull.errorCode == "DENIED")
                }
                let push = try await api.request(
                    .put, "/v2/proj/app/manifests/\(expected.user)-tag",
                    headers: ["Content-Type": MediaType.ociManifest], body: image.0)
                #expect((push.status == .created) == expected.push, "\(expected.user) push: \(push.status)")
                let upload = try await api.request(.post, "/v2/proj/app/blobs/uploads/")
                #expect((upload.status == .accepted) == expected.push, "\(expected.user) upload: \(upload.status)")
                // Delete a tag of its own when it could push, else the seeded one.
                let tag = expected.push ? "\(expected.user)-tag" : "v1"
                let delete = try await api.request(.delete, "/v2/proj/app/manifests/\(tag)")
                #expect((delete.status == .accepted) == expected.delete, "\(expected.user) delete: \(delete.status)")
                // Everybody signed in may pull from the public project; nobody but members pushes there.
                let publicPull = try await api.request(.get, "/v2/pub/app/manifests/v1")
                #expect(publicPull.status == .ok)
                let publicPush = try await api.request(.post, "/v2/pub/app/blobs/uploads/")
                #expect((publicPush.status == .accepted) == (expected.user == "root"), "\(expected.user) public push")
            }
            // Anonymous: public pull only; everything else gets a Bearer challenge.
            let anonymous = API(client: client)
            #expect(try await anonymous.request(.get, "/v2/pub/app/manifests/v1").status == .ok)
            let denied = try await anonymous.request(.get, "/v2/proj/app/manifests/v1")
            #expect(denied.status == .unauthorized)
            #expect(denied.errorCode == "UNAUTHORIZED")
            #expect(denied.header("WWW-Authenticate")?.contains(#"scope="repository:proj/app:pull""#) == true)
            let ping = try await anonymous.request(.get, "/v2/")
            #expect(ping.status == .unauthorized)
            #expect(ping.header("WWW-Authenticate")?.hasPrefix("Bearer realm=") == true)
            let anonymousPush = try await anonymous.request(.post, "/v2/pub/app/blobs/uploads/")
            #expect(anonymousPush.status == .unauthorized)
            // Wrong password.
            var wrong = API(client: client)
            wrong.headers[.authorization] = basic("developer", "nope")
            #expect(try await wrong.request(.get, "/v2/proj/app/manifests/v1").status == .unauthorized)
        }
    }

    func token(_ client: any TestClientProtocol, user: String?, scope: String) async throws -> String? {
        var headers: [String: String] = [:]
        if let user { headers["Authorization"] = basic(user, "password-\(user)") }
        let escaped = scope.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? scope
        let response = try await API(client: client).request(
            .get, "/token?service=berth-registry&scope=\(escaped)", headers: headers)
        guard response.status == .ok else { return nil }
        let body = try JSONSerialization.jsonObject(with: response.data) as? [String: Any]
        #expect(body?["expires_in"] as? Int ?? 0 >= 60)
        #expect(body?["access_token"] as? String == body?["token"] as? String)
        return body?["token"] as? String
    }

    @Test func tokenFlowGrantsTheIntersection() async throws {
        try await withRegistry(prepare: prepareUsers) { client, services in
            _ = try await seed(client)
            // A guest asking for pull and push gets pull only.
            let guestToken = try #require(
                try await token(client, user: "guest", scope: "repository:proj/app:pull,push"))
            let claims = try await services.authenticator.keys.verify(guestToken, as: RegistryTokenPayload.self)
            #expect(claims.access == [AccessEntry(type: "repository", name: "proj/app", actions: ["pull"])])
            #expect(claims.sub.value == "guest")
            #expect(claims.aud.value == ["berth-registry"])
            var api = API(client: client)
            api.headers[.authorization] = "Bearer \(guestToken)"
            #expect(try await api.request(.get, "/v2/proj/app/manifests/v1").status == .ok)
            let push = try await api.request(.post, "/v2/proj/app/blobs/uploads/")
            #expect(push.status == .unauthorized, "a token without push is challenged for push")
            #expect(push.header("WWW-Authenticate")?.contains("repository:proj/app:pull,push") == true)
            // A token for one repository does not open another.
            #expect(try await api.request(.get, "/v2/pub/app/manifests/v1").status == .unauthorized)

            // OAuth2 password grant with refresh token, then the refresh grant.
            let form =
                "grant_type=password&username=developer&password=password-developer&service=berth-registry&scope=repository%3Aproj%2Fapp%3Apull%2Cpush&client_id=test"
            let post = try await API(client: client).request(
                .post, "/token", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data(form.utf8))
            #expect(post.status == .ok)
            let body = try JSONSerialization.jsonObject(with: post.data) as? [String: Any]
            let refresh = try #require(body?["refresh_token"] as? String)
            let access = try await services.authenticator.keys.verify(
                try #require(body?["access_token"] as? String), as: RegistryTokenPayload.self)
            #expect(access.access.first?.actions == ["pull", "push"])
            let refreshForm =
                "grant_type=refresh_token&refresh_token=\(refresh)&service=berth-registry&scope=repository%3Aproj%2Fapp%3Apull&client_id=test"
            let refreshed = try await API(client: client).request(.post, "/token", body: Data(refreshForm.utf8))
            #expect(refreshed.status == .ok)
            // A refresh token is not an access token.
            var refreshAsAccess = API(client: client)
            refreshAsAccess.headers[.authorization] = "Bearer \(refresh)"
            #expect(try await refreshAsAccess.request(.get, "/v2/proj/app/manifests/v1").status == .unauthorized)

            let badPassword = try await API(client: client).request(
                .get, "/token?service=berth-registry&scope=repository:proj/app:pull",
                headers: ["Authorization": basic("guest", "wrong")])
            #expect(badPassword.status == .unauthorized)
            // Anonymous tokens only carry public pulls.
            let anonymous = try #require(try await token(client, user: nil, scope: "repository:proj/app:pull"))
            let anonymousClaims = try await services.authenticator.keys.verify(anonymous, as: RegistryTokenPayload.self)
            #expect(anonymousClaims.access.isEmpty)
        }
    }

    @Test func forgedExpiredAndTamperedTokensAreRefused() async throws {
        try await withRegistry(prepare: prepareUsers) { client, services in
            _ = try await seed(client)
            let access = [AccessEntry(type: "repository", name: "proj/app", actions: ["pull", "push", "delete"])]
            let expired = try await services.authenticator.sign(
                subject: "root", access: access, now: Date().addingTimeInterval(-3600), lifetime: 60, refresh: false)
            // Forged: same claims, signed by a key the registry does not know.
            let foreign = JWTKeyCollection()
            await foreign.add(
                ecdsa: try ES256PrivateKey(pem: P256.Signing.PrivateKey().pemRepresentation),
                kid: JWKIdentifier(string: services.authenticator.keyID))
            let now = Date()
            let payload = RegistryTokenPayload(
                iss: .init(value: "berth-registry"), sub: .init(value: "root"), aud: .init(value: ["berth-registry"]),
                exp: .init(value: now.addingTimeInterval(300)), nbf: .init(value: now), iat: .init(value: now),
                jti: .init(value: "x"),
                access: access, refresh: nil)
            let forged = try await foreign.sign(payload, kid: JWKIdentifier(string: services.authenticator.keyID))
            // Tampered: a valid guest token whose payload is swapped for one granting delete.
            let valid = try #require(try await token(client, user: "guest", scope: "repository:proj/app:pull"))
            let parts = valid.split(separator: ".")
            let claims = try JSONSerialization.data(withJSONObject: [
                "iss": "berth-registry", "sub": "root", "aud": ["berth-registry"],
                "exp": now.timeIntervalSince1970 + 300,
                "nbf": now.timeIntervalSince1970 - 5, "iat": now.timeIntervalSince1970, "jti": "y",
                "access": [["type": "repository", "name": "proj/app", "actions": ["pull", "push", "delete"]]],
            ])
            let encoded = claims.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
                of: "/", with: "_"
            ).replacingOccurrences(of: "=", with: "")
            let tampered = "\(parts[0]).\(encoded).\(parts[2])"
            // Wrong audience: signed by the registry's key but for another service.
            var otherConfiguration = services.configuration
            otherConfiguration.auth.service = "someone-else"
            let foreignAudience = try await Authenticator(
                configuration: otherConfiguration, security: services.security, policy: services.policy,
                audit: services.audit, keyPath: services.storage.root + "/state/token-key.pem")
            let wrongAudience = try await foreignAudience.sign(
                subject: "root", access: access, now: now, lifetime: 300, refresh: false)

            for (name, bad) in [
                ("expired", expired), ("forged", forged), ("tampered", tampered), ("audience", wrongAudience),
                ("garbage", "abc.def.ghi"), ("huge", String(repeating: "a", count: 20_000)),
            ] {
                var api = API(client: client)
                api.headers[.authorization] = "Bearer \(bad)"
                let response = try await api.request(.delete, "/v2/proj/app/manifests/v1")
                #expect(response.status == .unauthorized, "\(name) token refused")
                #expect(response.errorCode == "UNAUTHORIZED")
                #expect(response.header("WWW-Authenticate")?.contains("invalid_token") == true)
            }
            var rootAPI = API(client: client)
            rootAPI.headers[.authorization] = basic("root", "password-root")
            #expect(try await rootAPI.request(.get, "/v2/proj/app/manifests/v1").status == .ok, "nothing was deleted")
        }
    }

    @Test func robotsExpireAndStayInTheirProject() async throws {
        let robots = RobotSecrets()
        try await withRegistry(prepare: { root in
            try await prepareUsers(root)
            let admin = try RegistryAdmin(root: root)
            let live = try await admin.addRobot(project: "proj", name: "ci", role: .developer, lifetime: 3600)
            let expired = try await admin.addRobot(project: "proj", name: "old", role: .developer, lifetime: 1)
            robots.set(live, expired)
        }) { client, _ in
            _ = try await seed(client)
            let (live, expired) = robots.get()
            var api = API(client: client)
            api.headers[.authorization] = basic(live.name, live.secret)
            #expect(try await api.request(.post, "/v2/proj/app/blobs/uploads/").status == .accepted)
            #expect(try await api.request(.delete, "/v2/proj/app/manifests/v1").status == .forbidden)
            #expect(try await api.request(.post, "/v2/other/app/blobs/uploads/").status == .forbidden)
            try await Task.sleep(for: .milliseconds(1100))
            var old = API(client: client)
            old.headers[.authorization] = basic(expired.name, expired.secret)
            #expect(try await old.request(.get, "/v2/proj/app/manifests/v1").status == .unauthorized)
        }
    }
}

final class RobotSecrets: @unchecked Sendable {
    private var value: ((name: String, secret: String), (name: String, secret: String))?
    private let lock = NSLock()
    func set(_ a: (name: String, secret: String), _ b: (name: String, secret: String)) {
        lock.lock()
        value = (a, b)
        lock.unlock()
    }
    func get() -> ((name: String, secret: String), (name: String, secret: String)) {
        lock.lock()
        defer { lock.unlock() }
        return value!
    }
}

import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import JWTKit
import NIOConcurrencyHelpers
import NIOCore
import OCI

/// One `access` entry of a registry token: `{"type","name","actions"}`.
public struct AccessEntry: Codable, Sendable, Equatable {
    public var type: String
    public var name: String
    public var actions: [String]
}

/// The claims of a registry bearer token (docker token spec, `jwt.md`).
struct RegistryTokenPayload: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim
    var iat: IssuedAtClaim
    var jti: IDClaim
    var access: [AccessEntry]
    /// Set on refresh tokens, which grant nothing but a new access token.
    var refresh: Bool?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf.verifyNotBefore()
    }
}

/// A requested scope `type:name:actions` (the name may itself contain `:`).
struct Scope: Equatable {
    var type: String
    var name: String
    var actions: [String]

    static func parse(_ string: String) -> Scope? {
        guard let first = string.firstIndex(of: ":"), let last = string.lastIndex(of: ":"), first != last else {
            return nil
        }
        var type = String(string[..<first])
        if let paren = type.firstIndex(of: "(") { type = String(type[..<paren]) }
        let name = String(string[string.index(after: first)..<last])
        let actions = string[string.index(after: last)...].split(separator: ",").map(String.init)
        guard !name.isEmpty, !actions.isEmpty else { return nil }
        return Scope(type: type, name: name, actions: actions)
    }
}

/// Authenticates requests (Basic, Bearer) and authorises them against roles; issues tokens.
public final class Authenticator: Sendable {
    let configuration: RegistryConfiguration
    let security: SecurityStore
    let policy: PolicyEngine
    let auditLog: AuditLog
    let keys: JWTKeyCollection
    /// Key id in libtrust form, as the token spec's `kid`.
    public let keyID: String
    /// Public key (PEM) that verifies issued tokens.
    public let publicKeyPEM: String
    /// Recently verified Basic credentials (hash of user:password) → expiry, so that bcrypt does not
    /// run on every request of a push.
    private let verified = NIOLockedValueBox<[String: Date]>([:])

    init(
        configuration: RegistryConfiguration, security: SecurityStore, policy: PolicyEngine, audit: AuditLog,
        keyPath: String, sharedKey: String? = nil
    ) async throws {
        self.auditLog = audit
        self.configuration = configuration
        self.security = security
        self.policy = policy
        let privateKey: P256.Signing.PrivateKey
        if let sharedKey {
            do {
                privateKey = try P256.Signing.PrivateKey(pemRepresentation: sharedKey)
            } catch {
                throw StorageError.corrupt(
                    path: "database", reason: "the shared token signing key is not a P-256 PEM key")
            }
        } else if let data = POSIXFile.contents(keyPath) {
            do {
                privateKey = try P256.Signing.PrivateKey(pemRepresentation: String(decoding: data, as: UTF8.self))
            } catch {
                throw StorageError.corrupt(path: keyPath, reason: "token signing key is not a P-256 PEM key")
            }
        } else {
            privateKey = P256.Signing.PrivateKey()
            try POSIXFile.writeDurably(Data(privateKey.pemRepresentation.utf8), to: keyPath)
            _ = chmod(keyPath, 0o600)
        }
        self.keyID = Self.libtrustKeyID(privateKey.publicKey.derRepresentation)
        self.publicKeyPEM = privateKey.publicKey.pemRepresentation
        self.keys = JWTKeyCollection()
        let jwtKey = try ES256PrivateKey(pem: privateKey.pemRepresentation)
        await keys.add(ecdsa: jwtKey, kid: JWKIdentifier(string: keyID))
    }

    /// SHA-256 of the DER public key, first 240 bits, base32, 12 groups of 4 joined by `:`.
    static func libtrustKeyID(_ der: Data) -> String {
        let hash = Array(SHA256.hash(data: der).prefix(30))
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bits = 0
        var value = 0
        var out: [Character] = []
        for byte in hash {
            value = (value << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(value >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        return stride(from: 0, to: out.count, by: 4).map { String(out[$0..<min($0 + 4, out.count)]) }.joined(
            separator: ":")
    }

    // MARK: Credentials

    enum Credentials {
        case none
        case basic(user: String, password: String)
        case bearer(String)
    }

    static func credentials(_ request: Request) -> Credentials {
        guard let header = request.headers[.authorization] else { return .none }
        if header.lowercased().hasPrefix("basic ") {
            guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
                let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
            else { return .basic(user: "", password: "") }
            return .basic(user: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        }
        if header.lowercased().hasPrefix("bearer ") {
            return .bearer(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        }
        return .basic(user: "", password: "")
    }

    /// Checks a user's password or a robot's secret; returns the identity or nil.
    func verifyPassword(user: String, password: String, state: SecurityState) async -> Identity? {
        guard !user.isEmpty, user.utf8.count <= 256, password.utf8.count <= 1024 else { return nil }
        if let robot = state.robots[user] {
            let hash = SHA256.hash(data: Data(password.utf8)).map { String(format: "%02x", $0) }.joined()
            return robot.secretHash == hash && robot.expires > Date() ? .robot(user) : nil
        }
        guard let record = state.users[user] else { return nil }
        let cacheKey = SHA256.hash(data: Data("\(user):\(password):\(record.passwordHash)".utf8)).map {
            String(format: "%02x", $0)
        }.joined()
        let now = Date()
        if let expiry = verified.withLockedValue({ $0[cacheKey] }), expiry > now { return .user(user) }
        let hash = record.passwordHash
        let ok = (try? await Blocking.run { Bcrypt.verify(password, hash: hash) }) ?? false
        guard ok else { return nil }
        verified.withLockedValue { cache in
            if cache.count > 10_000 { cache = cache.filter { $0.value > now } }
            cache[cacheKey] = now.addingTimeInterval(60)
        }
        return .user(user)
    }

    /// Verifies a bearer token; returns the identity and its grants, or nil.
    func verifyToken(_ token: String, state: SecurityState) async -> (Identity, [AccessEntry])? {
        guard token.utf8.count < 16_384, let payload = try? await keys.verify(token, as: RegistryTokenPayload.self)
        else { return nil }
        guard payload.refresh != true, payload.iss.value == configuration.auth.issuer,
            payload.aud.value.contains(configuration.auth.service)
        else { return nil }
        let subject = payload.sub.value
        if subject.isEmpty { return (.anonymous, payload.access) }
        if state.robots[subject] != nil { return (.robot(subject), payload.access) }
        if state.users[subject] != nil { return (.user(subject), payload.access) }
        return nil
    }

    // MARK: Authorisation of API requests

    static func action(for method: HTTPRequest.Method) -> Action {
        switch method {
        case .get, .head: return .pull
        case .delete: return .delete
        default: return .push
        }
    }

    func challenge(request: Request, scope: String?, error: String? = nil) -> HTTPFields {
        let realm =
            configuration.auth.realm
            ?? {
                let host = request.head.authority ?? "127.0.0.1"
                let scheme = configuration.tlsCertificate == nil ? "http" : "https"
                return "\(scheme)://\(host)/token"
            }()
        var value = "Bearer realm=\"\(realm)\",service=\"\(configuration.auth.service)\""
        if let scope { value += ",scope=\"\(scope)\"" }
        if let error { value += ",error=\"\(error)\"" }
        return [.wwwAuthenticate: value]
    }

    /// Decides whether the request may proceed; returns the caller's identity or throws 401/403.
    func authorize(route: Route, request: Request) async throws -> Identity {
        let state = (try await security.current())
        guard state.authenticationEnabled else { return .anonymous }
        var identity = Identity.anonymous
        var grants: [AccessEntry]?
        switch Self.credentials(request) {
        case .none:
            break
        case .basic(let user, let password):
            guard let verifiedIdentity = await verifyPassword(user: user, password: password, state: state) else {
                throw RegistryError(
                    .unauthorized, .unauthorized, "authentication required: invalid username or password",
                    headers: challenge(request: request, scope: nil))
            }
            identity = verifiedIdentity
        case .bearer(let token):
            guard let (tokenIdentity, access) = await verifyToken(token, state: state) else {
                throw RegistryError(
                    .unauthorized, .unauthorized, "authentication required: invalid or expired token",
                    headers: challenge(request: request, scope: nil, error: "invalid_token"))
            }
            identity = tokenIdentity
            grants = access
        }
        let action = Self.action(for: request.method)
        switch route {
        case .base:
            if identity == .anonymous, grants == nil {
                throw RegistryError(
                    .unauthorized, .unauthorized, "authentication required",
                    headers: challenge(request: request, scope: nil))
            }
            return identity
        case .catalog:
            let granted = grants.map { $0.contains { $0.type == "registry" && $0.name == "catalog" } } ?? true
            if identity == .anonymous || !granted {
                throw RegistryError(
                    .unauthorized, .unauthorized, "authentication required",
                    headers: challenge(request: request, scope: "registry:catalog:*"))
            }
            return identity
        default:
            let repository = route.repository ?? ""
            let allowed = policy.isAllowed(action, repository: repository, identity: identity, state: state)
            let granted =
                grants.map { entries in
                    entries.contains {
                        $0.type == "repository" && $0.name == repository
                            && ($0.actions.contains(action.rawValue) || $0.actions.contains("*"))
                    }
                } ?? true
            if allowed && granted { return identity }
            await audit(identity: identity, repository: repository, action: action)
            let scopeActions = action == .pull ? "pull" : action == .push ? "pull,push" : "delete"
            if identity == .anonymous || grants != nil {
                throw RegistryError(
                    .unauthorized, .unauthorized, "authentication required",
                    detail: ["Type": "repository", "Name": repository, "Action": action.rawValue],
                    headers: challenge(request: request, scope: "repository:\(repository):\(scopeActions)"))
            }
            throw RegistryError(
                .forbidden, .denied, "requested access to the resource is denied",
                detail: ["Type": "repository", "Name": repository, "Action": action.rawValue])
        }
    }

    private func audit(identity: Identity, repository: String, action: Action) async {
        await auditLog.record(
            action: action.rawValue, identity: identity, repository: repository, reference: nil, digest: nil,
            remote: nil, decision: "deny", reason: "access")
    }

    // MARK: Token endpoint

    /// `GET /token` (Basic or anonymous) and `POST /token` (OAuth2 password or refresh_token grant).
    func issueToken(request: Request, context: RegistryRequestContext) async throws -> Response {
        let state = (try await security.current())
        var identity = Identity.anonymous
        var scopes: [String] = []
        var service = request.uri.queryParameters.get("service")
        var wantsRefresh = request.uri.queryParameters.get("offline_token") == "true"
        if request.method == .post {
            let body = try await request.body.collect(upTo: 64 * 1024)
            let form = Self.parseForm(String(buffer: body))
            service = form["service"]?.first ?? service
            scopes = (form["scope"] ?? []).flatMap { $0.split(separator: " ").map(String.init) }
            switch form["grant_type"]?.first {
            case "password":
                guard let user = form["username"]?.first, let password = form["password"]?.first,
                    let verifiedIdentity = await verifyPassword(user: user, password: password, state: state)
                else { throw tokenError("invalid username or password") }
                identity = verifiedIdentity
                wantsRefresh = true
            case "refresh_token":
                guard let token = form["refresh_token"]?.first, token.utf8.count < 16_384,
                    let payload = try? await keys.verify(token, as: RegistryTokenPayload.self), payload.refresh == true,
                    payload.iss.value == configuration.auth.issuer
                else { throw tokenError("invalid refresh token") }
                let subject = payload.sub.value
                if state.users[subject] != nil {
                    identity = .user(subject)
                } else if let robot = state.robots[subject], robot.expires > Date() {
                    identity = .robot(subject)
                } else {
                    throw tokenError("unknown subject")
                }
            default:
                throw RegistryError(.badRequest, .unsupported, "unsupported grant_type")
            }
        } else {
            scopes = request.uri.queryParameters.getAll("scope").flatMap { $0.split(separator: " ").map(String.init) }
            switch Self.credentials(request) {
            case .none: break
            case .basic(let user, let password):
                guard let verifiedIdentity = await verifyPassword(user: user, password: password, state: state) else {
                    throw tokenError("invalid username or password")
                }
                identity = verifiedIdentity
            case .bearer:
                throw tokenError("use Basic credentials or the OAuth2 POST to get a token")
            }
        }
        if let service, service != configuration.auth.service {
            throw RegistryError(.badRequest, .unsupported, "unknown service '\(service.prefix(100))'")
        }
        let access = grant(scopes: scopes, identity: identity, state: state)
        let lifetime = max(60, configuration.auth.tokenLifetimeSeconds)
        let now = Date()
        let token = try await sign(
            subject: identity.name, access: access, now: now, lifetime: TimeInterval(lifetime), refresh: false)
        struct Body: Encodable {
            let token: String
            let accessToken: String
            let expiresIn: Int
            let issuedAt: String
            let refreshToken: String?

            enum CodingKeys: String, CodingKey {
                case token
                case accessToken = "access_token"
                case expiresIn = "expires_in"
                case issuedAt = "issued_at"
                case refreshToken = "refresh_token"
            }
        }
        var refreshToken: String?
        if wantsRefresh, identity != .anonymous {
            refreshToken = try await sign(
                subject: identity.name, access: [], now: now, lifetime: 24 * 3600, refresh: true)
        }
        let formatter = ISO8601DateFormatter()
        let body = Body(
            token: token, accessToken: token, expiresIn: lifetime, issuedAt: formatter.string(from: now),
            refreshToken: refreshToken)
        let data = try JSONEncoder().encode(body)
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func tokenError(_ message: String) -> RegistryError {
        RegistryError(
            .unauthorized, .unauthorized, message,
            headers: [.wwwAuthenticate: "Basic realm=\"\(configuration.auth.service)\""])
    }

    /// The intersection of what was asked for and what the identity may do.
    func grant(scopes: [String], identity: Identity, state: SecurityState) -> [AccessEntry] {
        var result: [AccessEntry] = []
        for raw in scopes {
            guard let scope = Scope.parse(raw) else { continue }
            switch scope.type {
            case "repository":
                guard RepositoryName.isValid(scope.name) else { continue }
                var actions: [String] = []
                for requested in scope.actions {
                    let candidates: [Action] =
                        requested == "*" ? Action.allCases : Action(rawValue: requested).map { [$0] } ?? []
                    for action in candidates
                    where policy.isAllowed(action, repository: scope.name, identity: identity, state: state) {
                        if !actions.contains(action.rawValue) { actions.append(action.rawValue) }
                    }
                }
                if !actions.isEmpty {
                    result.append(AccessEntry(type: "repository", name: scope.name, actions: actions))
                }
            case "registry" where scope.name == "catalog":
                if case .user(let name) = identity, state.users[name] != nil {
                    result.append(AccessEntry(type: "registry", name: "catalog", actions: ["*"]))
                }
            case "registry" where scope.name == "api":
                // The admin API (/api/v1) authorises by the subject's roles; the token only says who.
                if identity != .anonymous {
                    result.append(AccessEntry(type: "registry", name: "api", actions: ["*"]))
                }
            default:
                continue
            }
        }
        return result
    }

    func sign(subject: String, access: [AccessEntry], now: Date, lifetime: TimeInterval, refresh: Bool) async throws
        -> String
    {
        let payload = RegistryTokenPayload(
            iss: .init(value: configuration.auth.issuer), sub: .init(value: subject),
            aud: .init(value: [configuration.auth.service]),
            exp: .init(value: now.addingTimeInterval(lifetime)), nbf: .init(value: now.addingTimeInterval(-5)),
            iat: .init(value: now),
            jti: .init(value: UUID().uuidString), access: access, refresh: refresh ? true : nil)
        return try await keys.sign(payload, kid: JWKIdentifier(string: keyID), header: ["typ": "JWT"])
    }

    static func parseForm(_ text: String) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode: (Substring) -> String = {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            let key = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            result[key, default: []].append(value)
        }
        return result
    }
}

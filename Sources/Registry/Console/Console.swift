import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import OCI

/// The web console at `/`: server-rendered pages over the registry's own storage, users, roles,
/// scans and audit log. No JavaScript; every form posts back with the session's CSRF token.
struct Console: Sendable {
    let services: RegistryServices
    let sessions: ConsoleSessions

    static let cookieName = "berth_console"
    /// Sent with every console response.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    init(services: RegistryServices, sessions: ConsoleSessions? = nil) {
        self.services = services
        self.sessions = sessions ?? ConsoleSessions(metadata: services.storage.metadata)
    }

    /// Adds the console's routes: `/`, `/console/...`.
    func register(on router: Router<RegistryRequestContext>) {
        router.get("/") { request, _ in await respond(request) { try await projectsPage(&$0) } }
        router.get("/console") { request, _ in await respond(request) { _ in redirect("/") } }
        router.get("/console/static/console.css") { _, _ in
            var headers = Self.securityHeaders
            headers[.contentType] = "text/css; charset=utf-8"
            headers[.cacheControl] = "public, max-age=300"
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: ConsoleTemplates.stylesheet)))
        }
        router.get("/console/signin") { request, _ in await respond(request) { try await signInPage(&$0) } }
        router.post("/console/signin") { request, context in
            await respond(request) { try await signIn(&$0, remote: context.remoteAddress) }
        }
        router.post("/console/signout") { request, _ in await respond(request) { try await signOut(&$0) } }
        router.get("/console/project") { request, _ in await respond(request) { try await projectPage(&$0) } }
        router.post("/console/project/members") { request, _ in await respond(request) { try await setMember(&$0) } }
        router.post("/console/project/policy") { request, _ in await respond(request) { try await setPolicy(&$0) } }
        router.get("/console/repository") { request, _ in await respond(request) { try await repositoryPage(&$0) } }
        router.get("/console/artifact") { request, _ in await respond(request) { try await artifactPage(&$0) } }
        router.get("/console/sbom") { request, _ in await respond(request) { try await sbom(&$0) } }
        router.post("/console/rescan") { request, _ in await respond(request) { try await rescan(&$0) } }
        router.get("/console/audit") { request, _ in await respond(request) { try await auditPage(&$0) } }
    }

    // MARK: Requests

    /// What a request knows about its sender: the session (if any), the identity and the state.
    struct Visit {
        var request: Request
        var session: ConsoleSession?
        var identity: Identity
        var state: SecurityState
        /// Set-Cookie values to send back.
        var cookies: [String] = []

        var userName: String? {
            if case .user(let name) = identity { return name }
            return nil
        }
        var isSystemAdmin: Bool { userName.flatMap { state.users[$0]?.admin } ?? false }
    }

    /// Errors shown as a page with their status.
    struct ConsoleError: Error {
        var status: HTTPResponse.Status
        var message: String
    }

    static var securityHeaders: HTTPFields {
        [
            HTTPField.Name("Content-Security-Policy")!: contentSecurityPolicy,
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "same-origin",
            HTTPField.Name("X-Frame-Options")!: "DENY",
        ]
    }

    func visit(_ request: Request) async throws -> Visit {
        let state = (try await services.security.current())
        var session: ConsoleSession?
        if let id = Self.cookie(request, Self.cookieName) { session = try await sessions.find(id) }
        var identity = Identity.anonymous
        if let user = session?.user, state.users[user] != nil { identity = .user(user) }
        return Visit(request: request, session: session, identity: identity, state: state)
    }

    /// Runs a handler and turns what it returns or throws into a console response.
    func respond(_ request: Request, _ handler: (inout Visit) async throws -> Response) async -> Response {
        var visit: Visit
        do {
            visit = try await self.visit(request)
        } catch {
            // The security state could not be read (the metadata database is down): no page can be
            // judged, so none is shown.
            var response = Response(
                status: .serviceUnavailable,
                headers: [.contentType: "text/plain; charset=utf-8", .retryAfter: "1"],
                body: .init(byteBuffer: ByteBuffer(string: "The registry's state is unavailable; try again.\n")))
            for field in Self.securityHeaders { response.headers[field.name] = field.value }
            return response
        }
        var response: Response
        do {
            response = try await handler(&visit)
        } catch let error as ConsoleError {
            response = page(
                visit, status: error.status, title: error.status.reasonPhrase, template: "error",
                values: ["heading": error.status.reasonPhrase, "message": error.message])
        } catch let error as HTTPParserError {
            // The form broke off or its chunked framing was malformed: the browser's request is at fault.
            response = page(
                visit, status: .badRequest, title: "Bad Request", template: "error",
                values: ["heading": "Bad Request", "message": "The form could not be read: \(error)"])
        } catch {
            response = page(
                visit, status: .internalServerError, title: "Error", template: "error",
                values: ["heading": "Something went wrong", "message": "\(error)"])
        }
        for field in Self.securityHeaders { response.headers[field.name] = field.value }
        for cookie in visit.cookies { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return response
    }

    static func cookie(_ request: Request, _ name: String) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    var secureCookies: Bool { services.configuration.tlsCertificate != nil && services.configuration.tlsKey != nil }

    func sessionCookie(_ session: ConsoleSession) -> String {
        "\(Self.cookieName)=\(session.id); Path=/; Max-Age=\(Int(sessions.lifetime)); HttpOnly; SameSite=Strict"
            + (secureCookies ? "; Secure" : "")
    }

    func clearedCookie() -> String {
        "\(Self.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secureCookies ? "; Secure" : "")
    }

    /// The session, creating one for a visitor who has none (it carries the sign-in form's token).
    func ensureSession(_ visit: inout Visit) async throws -> ConsoleSession {
        if let session = visit.session { return session }
        let session = try await sessions.create(user: nil)
        visit.session = session
        visit.cookies.append(sessionCookie(session))
        return session
    }

    /// Reads a POST form and checks its CSRF token against the session's; refuses with 403.
    func form(_ visit: Visit) async throws -> (ConsoleSession, [String: String]) {
        let body = try await visit.request.body.collect(upTo: 64 * 1024)
        let fields = Authenticator.parseForm(String(buffer: body)).compactMapValues(\.first)
        guard let session = visit.session, let token = fields["csrf"], ConsoleSessions.same(token, session.csrf)
        else {
            throw ConsoleError(
                status: .forbidden,
                message: "The form's security token is missing or out of date. Reload the page and try again.")
        }
        return (session, fields)
    }

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// Renders `template` with `values` inside the layout.
    func page(
        _ visit: Visit, status: HTTPResponse.Status = .ok, title: String, template: String, values: [String: Any],
        notice: String? = nil
    ) -> Response {
        var values = values
        values["csrf"] = visit.session?.csrf ?? ""
        let body = ConsoleTemplates.library.render(values, withTemplate: template) ?? ""
        var layout: [String: Any] = [
            "title": title, "body": body, "csrf": visit.session?.csrf ?? "", "signedIn": visit.userName != nil,
            "userName": visit.userName ?? "", "systemAdmin": visit.isSystemAdmin,
        ]
        if let notice { layout["notice"] = notice }
        let html = ConsoleTemplates.library.render(layout, withTemplate: "layout") ?? ""
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    // MARK: Signing in and out

    func signInPage(_ visit: inout Visit) async throws -> Response {
        if visit.userName != nil { return redirect("/") }
        _ = try await ensureSession(&visit)
        return page(
            visit, title: "Sign in", template: "signin", values: ["open": !visit.state.authenticationEnabled])
    }

    func signIn(_ visit: inout Visit, remote: String?) async throws -> Response {
        let (session, fields) = try await form(visit)
        let user = fields["username"] ?? ""
        let identity = await services.authenticator.verifyPassword(
            user: user, password: fields["password"] ?? "", state: visit.state)
        guard case .user(let name) = identity else {
            await services.audit.record(
                action: "console-signin", identity: .user(String(user.prefix(64))), repository: nil, reference: nil,
                digest: nil, remote: remote, decision: "deny", reason: "invalid credentials")
            return page(
                visit, status: .unauthorized, title: "Sign in", template: "signin",
                values: ["failed": true, "username": user])
        }
        // A new id at sign-in, so that an id known before it is worth nothing after.
        try await sessions.remove(session.id)
        let signedIn = try await sessions.create(user: name)
        visit.cookies.append(sessionCookie(signedIn))
        await services.audit.record(
            action: "console-signin", identity: .user(name), repository: nil, reference: nil, digest: nil,
            remote: remote, decision: "allow")
        return redirect("/")
    }

    func signOut(_ visit: inout Visit) async throws -> Response {
        let (session, _) = try await form(visit)
        try await sessions.remove(session.id)
        visit.cookies.append(clearedCookie())
        return redirect("/console/signin")
    }
}

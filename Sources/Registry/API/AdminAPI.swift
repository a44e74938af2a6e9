// The registry's administration API under /api/v1, described by the OpenAPI 3.1 document it serves
// at /api/v1/openapi.json.
//
// Every endpoint is one `AdminOperation` value: method, path template, who may call it (`Access`),
// its OpenAPI description (summary, query parameters, request and response models) and its handler.
// The router and the OpenAPI document are both built from `AdminAPI.operations`, so they cannot
// differ; `AdminAPITests` checks that again against the router's own route list.
//
// To add an endpoint (for example retention or webhooks):
//   1. In a new file `Sources/Registry/API/<Topic>Operations.swift`, write
//      `extension AdminAPI { var <topic>Operations: [AdminOperation] { [ AdminOperation(...) ] } }`.
//      Give it `access: .project(.admin)` (or `.projectRead`, `.systemAdmin`, ...), a handler that
//      reads `call.path("project")`, `call.query(...)`, `try await call.body(Model.self)`, records
//      changes with `await call.audit(...)` and returns `try .json(value)`.
//   2. Request and response types conform to `APIModel` (Codable plus a JSON Schema); refer to them
//      with `request: Model.self` and `response: .model(Model.self)` or `.list(Model.self)`.
//   3. Append `<topic>Operations` to `operations` below. Add the row to the role matrix in
//      docs/registry-api.md, and to `AdminAPIRoleMatrixTests.matrix` with the request it makes in
//      `AdminAPIRoleMatrixTests.request` (the test fails for an operation without a row).
//
// For example, a webhook list readable by maintainers:
//
//   extension AdminAPI {
//       var webhookOperations: [AdminOperation] {
//           [
//               AdminOperation(
//                   .get, "/api/v1/projects/{project}/webhooks", id: "listWebhooks", tag: "webhooks",
//                   summary: "List a project's webhooks.", access: .project(.maintainer),
//                   response: .list(APIWebhook.self)
//               ) { call in
//                   let record = call.services.policy.project(try call.path("project"), state: call.state)
//                   return try .json(record.webhooks.map(APIWebhook.init))
//               }
//           ]
//       }
//   }

import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// The administration API: users, projects, members, robots, policies, repositories, scans, audit.
public struct AdminAPI: Sendable {
    let services: RegistryServices

    public init(services: RegistryServices) {
        self.services = services
    }

    /// The API's version, as the OpenAPI document states it.
    public static let version = "1.0.0"

    /// Every operation, in the order the document lists them.
    var operations: [AdminOperation] {
        [documentOperation] + userOperations + projectOperations + memberOperations + robotOperations
            + policyOperations + artifactOperations + scanOperations + auditOperations + retentionOperations
            + webhookOperations
    }

    /// The OpenAPI 3.1 document.
    public var document: JSONValue { OpenAPIDocument.build(operations, version: Self.version) }

    /// The document as JSON (sorted keys).
    public var documentData: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return (try? encoder.encode(document)) ?? Data("{}".utf8)
    }

    /// Registers every operation on `router`.
    public func register(on router: Router<RegistryRequestContext>) {
        for operation in operations {
            router.on(RouterPath(operation.path), method: operation.method) { request, context in
                try await handle(operation, request: request, context: context)
            }
        }
    }

    private var documentOperation: AdminOperation {
        AdminOperation(
            .get, "/api/v1/openapi.json", id: "getOpenAPIDocument", tag: "meta",
            summary: "This OpenAPI 3.1 document.", access: .anyone, response: .document("application/json")
        ) { call in
            AdminReply(status: .ok, body: call.api.documentData, contentType: "application/json")
        }
    }

    // MARK: Dispatch

    func handle(_ operation: AdminOperation, request: Request, context: RegistryRequestContext) async throws
        -> Response
    {
        do {
            // Administration answers from the state as it is now, whichever replica changed it last.
            let state = try await services.security.current(fresh: true)
            let identity = try await services.authenticator.identify(apiRequest: request, state: state)
            let project = context.parameters.get("project")
            let role = try await authorize(
                operation, identity: identity, project: project, state: state, request: request, context: context)
            var context = context
            context.identity = identity
            let call = AdminCall(
                api: self, request: request, context: context, identity: identity, state: state, project: project,
                role: role)
            let reply = try await operation.handler(call)
            var headers: HTTPFields = [.contentType: reply.contentType, .cacheControl: "no-store"]
            headers[.contentLength] = String(reply.body.count)
            return Response(
                status: reply.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
        } catch let error as RegistryAdmin.AdminError {
            throw AdminAPIError(error)
        } catch let error as RegistryConfigurationError {
            throw AdminAPIError(.badRequest, .invalid, error.description)
        } catch let error as any HTTPResponseError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPParserError {
            // The request body broke off or its chunked framing was malformed: the caller's fault.
            throw AdminAPIError(.badRequest, .invalid, "malformed request body: \(error)")
        } catch {
            // The state or storage behind the registry failed (its database is down, say): the
            // caller may retry.
            context.logger.error("admin API failure", metadata: ["reason": .string("\(error)")])
            throw AdminAPIError(
                .serviceUnavailable, .unavailable, "the registry's state is unavailable; retry",
                headers: [.retryAfter: "1"])
        }
    }

    /// The caller's role in `project`: system administrators are project admins everywhere, robots
    /// have their role in their own project only; nil for no role. Without users or robots the
    /// registry is open and everybody is an administrator.
    static func role(of identity: Identity, in project: String, record: ProjectRecord, state: SecurityState) -> Role? {
        guard state.authenticationEnabled else { return .admin }
        switch identity {
        case .anonymous:
            return nil
        case .user(let name):
            guard let user = state.users[name] else { return nil }
            return user.admin ? .admin : record.members[name]
        case .robot(let name):
            guard let robot = state.robots[name], robot.expires > Date(), robot.project == project else { return nil }
            return robot.role
        }
    }

    static func isSystemAdmin(_ identity: Identity, state: SecurityState) -> Bool {
        guard state.authenticationEnabled else { return true }
        if case .user(let name) = identity { return state.users[name]?.admin == true }
        return false
    }

    /// Whether the project exists: in the security state or in `registry.yaml`.
    func projectExists(_ name: String, state: SecurityState) -> Bool {
        state.projects[name] != nil || services.configuration.projects[name] != nil
    }

    /// Applies the operation's access rule; returns the caller's role in the path's project.
    private func authorize(
        _ operation: AdminOperation, identity: Identity, project: String?, state: SecurityState, request: Request,
        context: RegistryRequestContext
    ) async throws -> Role? {
        let anonymous = identity == .anonymous && state.authenticationEnabled
        func refuse() async -> AdminAPIError {
            await services.audit.record(
                action: "api.\(operation.id)", identity: identity, repository: project, reference: nil, digest: nil,
                remote: context.remoteAddress, decision: "deny", reason: "access")
            if anonymous { return AdminAPIError.authenticationRequired(services.authenticator, request: request) }
            return AdminAPIError(.forbidden, .denied, "\(identity.name) may not \(operation.summary.lowercased())")
        }
        switch operation.access {
        case .anyone, .visible:
            return nil
        case .systemAdmin:
            guard Self.isSystemAdmin(identity, state: state) else { throw await refuse() }
            return .admin
        case .project(let minimum):
            guard let project else { throw AdminAPIError(.notFound, .notFound, "no project in the path") }
            if anonymous { throw await refuse() }
            guard projectExists(project, state: state) else { throw AdminAPIError.noProject(project) }
            let record = services.policy.project(project, state: state)
            let role = Self.role(of: identity, in: project, record: record, state: state)
            guard let role, role >= minimum else { throw await refuse() }
            return role
        case .projectRead:
            guard let project else { throw AdminAPIError(.notFound, .notFound, "no project in the path") }
            let exists = projectExists(project, state: state)
            let record = services.policy.project(project, state: state)
            if anonymous && !(exists && record.public) { throw await refuse() }
            guard exists else { throw AdminAPIError.noProject(project) }
            let role = Self.role(of: identity, in: project, record: record, state: state)
            guard role != nil || record.public else { throw await refuse() }
            return role
        }
    }
}

/// Who may call an operation.
public enum Access: Sendable, Equatable {
    /// Anybody, without credentials (the document itself).
    case anyone
    /// Anybody; the handler shows what the caller may see (projects: public ones and their own).
    case visible
    /// System administrators only.
    case systemAdmin
    /// Members of the path's project with at least this role, its robots with at least this role,
    /// and system administrators.
    case project(Role)
    /// Whoever may pull from the path's project: its members and robots, system administrators, and
    /// anybody when the project is public.
    case projectRead

    /// The key of the role matrix (`x-berth-access` in the document).
    var key: String {
        switch self {
        case .anyone: return "anyone"
        case .visible: return "visible"
        case .systemAdmin: return "system-admin"
        case .project(let role): return "project-\(role.rawValue)"
        case .projectRead: return "project-read"
        }
    }

    var summary: String {
        switch self {
        case .anyone: return "anybody, without credentials"
        case .visible: return "anybody; the answer holds what the caller may see"
        case .systemAdmin: return "system administrators"
        case .project(let role):
            return "project members and robots with role \(role.rawValue) or above, and system administrators"
        case .projectRead: return "project members and robots, system administrators, anybody for a public project"
        }
    }
}

/// A query parameter of an operation.
public struct QueryParameter: Sendable {
    public var name: String
    public var description: String
    public var schema: JSONValue
    public var required: Bool

    public init(_ name: String, _ description: String, schema: JSONValue = Schema.string, required: Bool = false) {
        self.name = name
        self.description = description
        self.schema = schema
        self.required = required
    }
}

/// What a successful response carries.
public enum AdminResponse: Sendable {
    case none
    case model(any APIModel.Type)
    case list(any APIModel.Type)
    /// A JSON document of its own type (the OpenAPI document, an SBOM, a vulnerability report).
    case document(String)
}

/// One endpoint: route, access rule, description and handler.
public struct AdminOperation: Sendable {
    public var method: HTTPRequest.Method
    /// The path template, OpenAPI style: `/api/v1/projects/{project}`.
    public var path: String
    /// The OpenAPI `operationId`; also the audit action of refusals (`api.<id>`).
    public var id: String
    public var tag: String
    public var summary: String
    public var details: String
    public var access: Access
    public var query: [QueryParameter]
    public var request: (any APIModel.Type)?
    public var status: HTTPResponse.Status
    public var response: AdminResponse
    public var responseDescription: String
    public var handler: @Sendable (AdminCall) async throws -> AdminReply

    public init(
        _ method: HTTPRequest.Method, _ path: String, id: String, tag: String, summary: String, details: String = "",
        access: Access, query: [QueryParameter] = [], request: (any APIModel.Type)? = nil,
        status: HTTPResponse.Status = .ok, response: AdminResponse, responseDescription: String = "Done.",
        handler: @escaping @Sendable (AdminCall) async throws -> AdminReply
    ) {
        self.method = method
        self.path = path
        self.id = id
        self.tag = tag
        self.summary = summary
        self.details = details.isEmpty ? summary : details
        self.access = access
        self.query = query
        self.request = request
        self.status = status
        self.response = response
        self.responseDescription = responseDescription
        self.handler = handler
    }

    /// The `{name}` parameters of the path template.
    var pathParameterNames: [String] {
        path.split(separator: "/").compactMap { component in
            component.hasPrefix("{") && component.hasSuffix("}") ? String(component.dropFirst().dropLast()) : nil
        }
    }
}

/// One authorised call of an operation.
public struct AdminCall: Sendable {
    let api: AdminAPI
    public let request: Request
    public let context: RegistryRequestContext
    public let identity: Identity
    /// The security state the call was authorised against.
    public let state: SecurityState
    /// The path's project, when it has one.
    public let project: String?
    /// The caller's role in that project.
    public let role: Role?

    public var services: RegistryServices { api.services }

    /// A path parameter.
    public func path(_ name: String) throws -> String {
        guard let value = context.parameters.get(name) else {
            throw AdminAPIError(.badRequest, .invalid, "missing path parameter '\(name)'")
        }
        return value
    }

    /// A query parameter, nil when absent or empty.
    public func query(_ name: String) -> String? {
        guard let value = request.uri.queryParameters.get(name), !value.isEmpty else { return nil }
        return value
    }

    /// The JSON request body (at most 1 MiB), decoded.
    public func body<T: Decodable>(_ type: T.Type) async throws -> T {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        do {
            return try AdminJSON.decoder.decode(type, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw AdminAPIError(.badRequest, .invalid, "invalid request body: \(AdminJSON.describe(error))")
        }
    }

    /// Records an administrative change in the audit log: `action` is `api.<what>`, the
    /// repository field holds the project (so project filters find it) and the reference the
    /// subject (user, robot, digest).
    public func audit(
        _ action: String, project: String? = nil, subject: String? = nil, detail: String? = nil
    ) async {
        await services.audit.record(
            action: "api.\(action)", identity: identity, repository: project ?? self.project, reference: subject,
            digest: nil, remote: context.remoteAddress, decision: "allow", reason: detail)
    }
}

/// A handler's answer.
public struct AdminReply: Sendable {
    public var status: HTTPResponse.Status
    public var body: Data
    public var contentType: String

    public init(status: HTTPResponse.Status, body: Data, contentType: String) {
        self.status = status
        self.body = body
        self.contentType = contentType
    }

    /// `value` as JSON.
    public static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> AdminReply {
        AdminReply(status: status, body: try AdminJSON.encoder.encode(value), contentType: "application/json")
    }

    /// 204 without a body.
    public static var noContent: AdminReply {
        AdminReply(status: .noContent, body: Data(), contentType: "application/json")
    }
}

/// The API's JSON coding: ISO 8601 times, sorted keys.
public enum AdminJSON {
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let text = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return text.isEmpty ? "" : " at '\(text)'"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing key '\(key.stringValue)'\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type\(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context): return "\(context.debugDescription)\(path(context))"
        @unknown default: return "\(error)"
        }
    }
}

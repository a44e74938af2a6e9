import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A client of the admin API (`berth registry ... --url`), with the server's own JSON types.
public struct AdminClient: Sendable {
    /// The registry's base URL, without a trailing slash (`https://registry.example:5000`).
    public let baseURL: String
    private let authorization: String?

    /// Errors of the client: the server's refusal (status and its error body) or the transport.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case refused(status: Int, code: String, message: String)
        case transport(String)
        case invalidURL(String)

        public var description: String {
            switch self {
            case .refused(let status, let code, let message):
                return "the registry answered \(status) \(code): \(message)"
            case .transport(let reason): return "cannot reach the registry: \(reason)"
            case .invalidURL(let url): return "'\(url)' is not an http or https URL"
            }
        }
    }

    /// A client of the registry at `url`; Basic credentials when `username` is given.
    public init(url: String, username: String?, password: String?) throws {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        guard let parsed = URL(string: base), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            throw Failure.invalidURL(url)
        }
        baseURL = base
        if let username {
            authorization = "Basic " + Data("\(username):\(password ?? "")".utf8).base64EncodedString()
        } else {
            authorization = nil
        }
    }

    /// Sends a request with an optional JSON body; returns the response body of a 2xx answer.
    @discardableResult
    public func send(_ method: HTTPMethod, _ path: String, json value: (any Encodable)? = nil) async throws -> Data {
        let body = try value.map { try AdminJSON.encoder.encode($0) }
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        let data: Data
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
            data = Data(buffer: try await response.body.collect(upTo: 64 * 1024 * 1024))
        } catch {
            throw Failure.transport("\(error)")
        }
        guard (200..<300).contains(response.status.code) else {
            struct Body: Decodable {
                struct Entry: Decodable {
                    let code: String
                    let message: String
                }
                let errors: [Entry]
            }
            let entry = (try? JSONDecoder().decode(Body.self, from: data))?.errors.first
            throw Failure.refused(
                status: Int(response.status.code), code: entry?.code ?? "",
                message: entry?.message ?? String(decoding: data.prefix(200), as: UTF8.self))
        }
        return data
    }

    /// Sends and decodes the answer.
    public func call<T: Decodable>(
        _ method: HTTPMethod, _ path: String, json body: (any Encodable)? = nil, as type: T.Type
    ) async throws -> T {
        let data = try await send(method, path, json: body)
        do {
            return try AdminJSON.decoder.decode(type, from: data)
        } catch {
            throw Failure.transport("unexpected answer to \(method) \(path): \(error)")
        }
    }

    /// A path component, percent-encoded.
    public static func escape(_ component: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/+$?#")
        return component.addingPercentEncoding(withAllowedCharacters: allowed) ?? component
    }

    // MARK: Operations the command line uses

    public func listUsers() async throws -> [APIUser] {
        try await call(.GET, "/api/v1/users", as: [APIUser].self)
    }

    public func createUser(_ user: APIUserCreate) async throws -> APIUser {
        try await call(.POST, "/api/v1/users", json: user, as: APIUser.self)
    }

    public func deleteUser(_ name: String) async throws {
        try await send(.DELETE, "/api/v1/users/\(Self.escape(name))")
    }

    public func createProject(_ project: APIProjectCreate) async throws -> APIProject {
        try await call(.POST, "/api/v1/projects", json: project, as: APIProject.self)
    }

    public func setMember(project: String, user: String, role: Role?) async throws {
        let path = "/api/v1/projects/\(Self.escape(project))/members/\(Self.escape(user))"
        if let role {
            try await send(.PUT, path, json: APIMemberUpdate(role: role))
        } else {
            try await send(.DELETE, path)
        }
    }

    public func createRobot(project: String, _ robot: APIRobotCreate) async throws -> APIRobotCreated {
        try await call(
            .POST, "/api/v1/projects/\(Self.escape(project))/robots", json: robot, as: APIRobotCreated.self)
    }

    public func updateProject(_ project: String, public isPublic: Bool) async throws {
        try await send(.PATCH, "/api/v1/projects/\(Self.escape(project))", json: APIProjectUpdate(public: isPublic))
    }

    public func policy(project: String) async throws -> APIPolicy {
        try await call(.GET, "/api/v1/projects/\(Self.escape(project))/policy", as: APIPolicy.self)
    }

    /// Queues scans in a project (one repository, or one digest).
    public func requestScan(project: String, _ request: APIScanRequest) async throws -> APIScanQueued {
        try await call(.POST, "/api/v1/projects/\(Self.escape(project))/scans", json: request, as: APIScanQueued.self)
    }

    /// The policy as the server sends it.
    public func policyDocument(project: String) async throws -> Data {
        try await send(.GET, "/api/v1/projects/\(Self.escape(project))/policy")
    }

    public func setPolicy(project: String, _ policy: APIPolicy) async throws -> APIPolicy {
        try await call(.PUT, "/api/v1/projects/\(Self.escape(project))/policy", json: policy, as: APIPolicy.self)
    }
}

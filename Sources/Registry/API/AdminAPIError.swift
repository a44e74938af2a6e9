import Foundation
import HTTPTypes
import Hummingbird

/// An admin API error, answered with the registry's body `{"errors":[{"code","message"}]}`.
public struct AdminAPIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unauthorized = "UNAUTHORIZED"
        case denied = "DENIED"
        case notFound = "NOT_FOUND"
        case invalid = "INVALID"
        case conflict = "CONFLICT"
        case unsupported = "UNSUPPORTED"
        /// A project policy refuses the change (an immutable tag), as the registry's 412.
        case policyViolation = "PROJECTPOLICYVIOLATION"
        /// The registry's state or storage cannot be read or written just now (503): retry.
        case unavailable = "UNAVAILABLE"
    }

    public let status: HTTPResponse.Status
    public let code: Code
    public let message: String
    public let headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ code: Code, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code.rawValue): \(message)" }

    init(_ error: RegistryAdmin.AdminError) {
        switch error {
        case .invalid(let message): self.init(.badRequest, .invalid, message)
        case .unknown(let message): self.init(.notFound, .notFound, message)
        case .exists(let message): self.init(.conflict, .conflict, message)
        }
    }

    static func noProject(_ name: String) -> AdminAPIError {
        AdminAPIError(.notFound, .notFound, "no project '\(name.prefix(100))'")
    }

    /// 401 with challenges for both schemes the API accepts.
    static func authenticationRequired(
        _ authenticator: Authenticator, request: Request, message: String = "authentication required",
        error: String? = nil
    ) -> AdminAPIError {
        var headers = HTTPFields()
        headers.append(
            HTTPField(name: .wwwAuthenticate, value: "Basic realm=\"\(authenticator.configuration.auth.service)\""))
        if let bearer = authenticator.challenge(request: request, scope: "registry:api:*", error: error)[
            .wwwAuthenticate]
        {
            headers.append(HTTPField(name: .wwwAuthenticate, value: bearer))
        }
        return AdminAPIError(.unauthorized, .unauthorized, message, headers: headers)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes =
            (try? encoder.encode(ErrorsBody(errors: [.init(code: code.rawValue, message: message)])))
            ?? Data(#"{"errors":[{"code":"UNSUPPORTED","message":"error"}]}"#.utf8)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.contentLength] = String(bytes.count)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension Authenticator {
    /// The caller of an admin API request, by the registry's own credential checks: Basic (user
    /// password or robot secret) or a registry token granting `registry:api:*`. No credentials is
    /// anonymous; invalid ones are refused with 401. Without users or robots everybody is anonymous.
    func identify(apiRequest request: Request, state: SecurityState) async throws -> Identity {
        guard state.authenticationEnabled else { return .anonymous }
        switch Self.credentials(request) {
        case .none:
            return .anonymous
        case .basic(let user, let password):
            guard let identity = await verifyPassword(user: user, password: password, state: state) else {
                throw AdminAPIError.authenticationRequired(
                    self, request: request, message: "authentication required: invalid username or password")
            }
            return identity
        case .bearer(let token):
            guard let (identity, access) = await verifyToken(token, state: state),
                access.contains(where: { $0.type == "registry" && $0.name == "api" })
            else {
                throw AdminAPIError.authenticationRequired(
                    self, request: request,
                    message: "authentication required: invalid or expired token, or one without scope registry:api:*",
                    error: "invalid_token")
            }
            return identity
        }
    }
}

/// `{"errors":[{"code","message"}]}`.
private struct ErrorsBody: Encodable {
    struct Entry: Encodable {
        let code: String
        let message: String
    }
    let errors: [Entry]
}

import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OCI

/// The OCI distribution API: routes parsed requests to storage, enforcing the spec's rules.
public struct RegistryHandler: Sendable {
    let storage: RegistryStorage
    let uploads: UploadSessions
    let configuration: RegistryConfiguration
    let policy: PolicyEngine
    let audit: AuditLog
    let scans: ScanQueue?
    let webhooks: WebhookNotifier?
    let pulls: PullRecorder

    init(
        storage: RegistryStorage, configuration: RegistryConfiguration, policy: PolicyEngine, audit: AuditLog,
        scans: ScanQueue? = nil, webhooks: WebhookNotifier? = nil
    ) {
        self.storage = storage
        self.uploads = UploadSessions(storage: storage)
        self.configuration = configuration
        self.policy = policy
        self.audit = audit
        self.scans = scans
        self.webhooks = webhooks
        self.pulls = PullRecorder(storage: storage)
    }

    /// Answers one API request.
    func handle(route: Route, request: Request, context: RegistryRequestContext) async throws -> Response {
        let method = request.method
        switch route {
        case .base:
            guard method == .get || method == .head else { throw methodNotAllowed() }
            return json(Data("{}".utf8), request: request)
        case .catalog:
            guard method == .get else { throw methodNotAllowed() }
            return try await catalog(request: request, context: context)
        case .tags(let name):
            guard method == .get else { throw methodNotAllowed() }
            return try await tags(name: name, request: request)
        case .manifest(let name, let reference):
            switch method {
            case .get, .head:
                return try await getManifest(name: name, reference: reference, request: request, context: context)
            case .put:
                return try await putManifest(name: name, reference: reference, request: request, context: context)
            case .delete:
                return try await deleteManifest(name: name, reference: reference, request: request, context: context)
            default: throw methodNotAllowed()
            }
        case .blob(let name, let digest):
            switch method {
            case .get, .head:
                return try await getBlob(name: name, digestString: digest, request: request, context: context)
            case .delete: return try await deleteBlob(name: name, digestString: digest, context: context)
            default: throw methodNotAllowed()
            }
        case .uploads(let name):
            guard method == .post else { throw methodNotAllowed() }
            return try await startUpload(name: name, request: request, context: context)
        case .upload(let name, let id):
            switch method {
            case .patch: return try await patchUpload(name: name, id: id, request: request)
            case .put: return try await finishUpload(name: name, id: id, request: request, context: context)
            case .get: return try await uploadStatus(name: name, id: id)
            case .delete: return try await cancelUpload(name: name, id: id)
            default: throw methodNotAllowed()
            }
        case .referrers(let name, let digest):
            guard method == .get else { throw methodNotAllowed() }
            return try await referrers(name: name, digestString: digest, request: request)
        }
    }

    // MARK: Helpers

    func methodNotAllowed() -> RegistryError {
        RegistryError(.methodNotAllowed, .unsupported, "the operation is unsupported")
    }

    func parseDigest(_ string: String) throws(RegistryError) -> Digest {
        do {
            return try Digest(parsing: string)
        } catch {
            throw RegistryError(error)
        }
    }

    func json(_ data: Data, request: Request, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:])
        -> Response
    {
        var headers = extra
        headers[.contentType] = "application/json"
        headers[.contentLength] = String(data.count)
        let body: ResponseBody = request.method == .head ? .init() : .init(byteBuffer: ByteBuffer(bytes: data))
        return Response(status: status, headers: headers, body: body)
    }

    func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    /// Parses `n` (a non-negative integer, capped) and `last` for paginated lists.
    func pagination(_ request: Request) throws(RegistryError) -> (n: Int?, last: String?) {
        let parameters = request.uri.queryParameters
        var n: Int?
        if let raw = parameters.get("n") {
            guard let value = Int(raw), value >= 0 else {
                throw RegistryError(
                    .badRequest, .unsupported, "n must be a non-negative integer", detail: ["n": String(raw.prefix(40))]
                )
            }
            n = min(value, 10_000)
        }
        return (n, parameters.get("last"))
    }

    func link(path: String, n: Int, last: String) -> String {
        let escaped =
            last.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? last
        return "<\(path)?last=\(escaped)&n=\(n)>; rel=\"next\""
    }
}

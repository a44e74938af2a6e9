import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import RegistryMetadata

/// Everything a running registry shares: storage, policy, audit, metrics, tokens.
public struct RegistryServices: Sendable {
    public let configuration: RegistryConfiguration
    public let storage: RegistryStorage
    public let security: SecurityStore
    public let policy: PolicyEngine
    public let audit: AuditLog
    public let metrics: RegistryMetrics
    /// Scan on push, when `scanning.database` is configured.
    public let scans: ScanQueue?
    /// Webhook deliveries of the projects' endpoints.
    public let webhooks: WebhookNotifier
    let handler: RegistryHandler
    let authenticator: Authenticator

    /// Opens (creating when needed) the storage under `configuration.root`. The vulnerability gate
    /// of the projects' `vulnerabilities` policies runs after `gates`. With scanning configured, the
    /// scan workers start here and the database watcher when `watchDatabase` is set.
    public init(
        configuration: RegistryConfiguration, storage given: RegistryStorage? = nil,
        gates: [any PullGate] = [SignatureGate()],
        watchDatabase: Bool = true
    ) async throws {
        self.configuration = configuration
        self.storage = try given ?? RegistryStorage.open(configuration)
        try await storage.prepareMetadata()
        self.security = try await SecurityStore.open(storage)
        self.policy = PolicyEngine(
            configuration: configuration, security: security,
            gates: gates + [VulnerabilityGate(configuration: configuration)])
        self.audit = AuditLog(
            path: configuration.auditLog ?? storage.root + "/audit.log", metadata: storage.metadata)
        self.metrics = RegistryMetrics()
        if let database = configuration.scanning.database, configuration.scanning.enabled {
            let queue = ScanQueue(
                scanner: ImageScanner(storage: storage, databasePath: database),
                workers: configuration.scanning.workers, capacity: configuration.scanning.queueCapacity)
            queue.start(pollSeconds: watchDatabase ? configuration.scanning.databasePollSeconds : nil)
            self.scans = queue
        } else {
            self.scans = nil
        }
        let webhooks = WebhookNotifier(
            root: storage.root, security: security, host: configuration.address, metadata: storage.metadata)
        self.webhooks = webhooks
        scans?.onFinished { [host = configuration.address] record in await webhooks.notify(.scan(record, host: host)) }
        self.handler = RegistryHandler(
            storage: storage, configuration: configuration, policy: policy, audit: audit, scans: scans,
            webhooks: webhooks)
        // Replicas on one database sign tokens with one key, so any of them accepts any token.
        var sharedKey: String?
        if let metadata = storage.metadata {
            sharedKey = try await metadata.sharedValue("token-signing-key") {
                P256.Signing.PrivateKey().pemRepresentation
            }
        }
        self.authenticator = try await Authenticator(
            configuration: configuration, security: security, policy: policy, audit: audit,
            keyPath: storage.root + "/state/token-key.pem", sharedKey: sharedKey)
    }
}

/// Builds the router: `/v2/...` (the distribution API), `/token`, `/healthz`, `/metrics` and the
/// admin API under `/api/v1` (``AdminAPI``).
public func buildRouter(services: RegistryServices) -> Router<RegistryRequestContext> {
    let router = Router(context: RegistryRequestContext.self)
    router.add(middleware: RegistryMetricsMiddleware(metrics: services.metrics))
    router.add(middleware: LogRequestsMiddleware(.info, includeHeaders: .none))
    router.add(middleware: APIVersionMiddleware())

    router.get("/healthz") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
    }
    router.get("/metrics") { _, _ in
        let text = services.metrics.registry.emitToString()
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
    let token: @Sendable (Request, RegistryRequestContext) async throws -> Response = { request, context in
        do {
            return try await services.authenticator.issueToken(request: request, context: context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPParserError {
            // The form body broke off or its chunked framing was malformed: the client's fault.
            throw RegistryError(.badRequest, .unsupported, "malformed request body: \(error)")
        } catch {
            // The users and robots could not be read (the metadata database is down): retry.
            let failure = RegistryError.unavailable("\(error)")
            context.logger.error("token failure", metadata: ["reason": .string(failure.reason ?? "")])
            throw failure
        }
    }
    router.get("/token", use: token)
    router.post("/token", use: token)
    AdminAPI(services: services).register(on: router)
    let api: @Sendable (Request, RegistryRequestContext) async throws -> Response = { request, context in
        guard let route = try Route.parse(path: request.uri.path) else {
            throw RegistryError(.notFound, .unsupported, "unknown endpoint")
        }
        var context = context
        do {
            context.identity = try await services.authenticator.authorize(route: route, request: request)
            return try await services.handler.handle(route: route, request: request, context: context)
        } catch let error as RegistryError where error.detail?["quota"] != nil && error.detail?["used"] != nil {
            // PolicyEngine.checkQuota's refusal, whichever route (blob or manifest) it came from.
            await services.webhooks.notifyQuotaExceeded(
                error, route: route, request: request, identity: context.identity)
            throw error
        } catch let error as RegistryError {
            if let reason = error.reason {
                context.logger.error("storage failure", metadata: ["reason": .string(reason)])
            }
            throw error
        } catch let error as any HTTPResponseError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPParserError {
            // The request's own body broke off or was malformed (a chunked body's framing, say): the
            // client's fault, not the storage's.
            let path = request.uri.path
            let code: RegistryError.Code =
                path.contains("/manifests/")
                ? .manifestInvalid : path.contains("/blobs/") ? .blobUploadInvalid : .unsupported
            throw RegistryError(.badRequest, code, "malformed request body: \(error)")
        } catch {
            // The storage behind the registry failed (object store or file system): the client may
            // retry; the OCI error body says so.
            let failure = RegistryError.unavailable("\(error)")
            context.logger.error("storage failure", metadata: ["reason": .string(failure.reason ?? "")])
            throw failure
        }
    }
    for method in [HTTPRequest.Method.get, .head, .post, .put, .patch, .delete] {
        router.on("/v2", method: method, use: api)
        router.on("/v2/**", method: method, use: api)
    }
    Console(services: services).register(on: router)
    return router
}

/// Builds the application: HTTP/1.1 with an idle timeout, TLS when configured.
public func buildApplication(
    services: RegistryServices, logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let (host, port) = try services.configuration.parseAddress()
    let router = buildRouter(services: services)
    let idle = TimeAmount.seconds(Int64(services.configuration.idleTimeoutSeconds))
    // Plain HTTP serves blob bodies with sendfile; NIOSSL cannot encrypt a file region.
    let plain = services.configuration.tlsCertificate == nil || services.configuration.tlsKey == nil
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: plain ? Sendfile.channelHandlers() : [], idleTimeout: idle)
    return Application(
        router: router,
        server: try serverBuilder(services.configuration, http1: http1),
        configuration: .init(address: .hostname(host, port: port), serverName: "berth-registry"),
        onServerRunning: onServerRunning,
        logger: logger
    )
}

/// Makes glibc serve the server's large transfer buffers with mmap and give them back on free.
///
/// Blob chunks are allocated on one thread and freed on another; with glibc's dynamic mmap
/// threshold they would otherwise settle in per-thread arenas and keep the resident size at its
/// peak. Call once at start-up, before serving.
public func tuneAllocatorForStreaming() {
    #if os(Linux)
        _ = glibcMallopt(-3, 128 * 1024)  // M_MMAP_THRESHOLD: fixed, so large chunks are unmapped on free
        _ = glibcMallopt(-8, 4)  // M_ARENA_MAX
    #endif
}

#if os(Linux)
    /// glibc's `mallopt`, which the Glibc module does not import.
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// Adds `Docker-Distribution-API-Version` to every response, as clients expect from `/v2/`.
struct APIVersionMiddleware: RouterMiddleware {
    typealias Context = RegistryRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[.dockerDistributionAPIVersion] = "registry/2.0"
        return response
    }
}

import Foundation
import OCI

// Webhooks: per-project HTTP endpoints told about what happens in the registry.
//
// Events (`WebhookEventType`): `push` (a manifest put), `delete` (a manifest or tag deleted),
// `scan_completed` and `scan_failed` (scan on push or a rescan), `quota_exceeded` (a push refused by
// the project's storage quota). Each is a JSON `WebhookEvent` POSTed to every enabled endpoint of
// the project that subscribes to it, with headers:
// - `Content-Type: application/json`, `User-Agent: berth-registry-webhook`
// - `X-Berth-Event: <type>`, `X-Berth-Event-Id: <uuid>`, `X-Berth-Delivery-Attempt: <n>`
// - `X-Berth-Signature: sha256=<hex>`: HMAC-SHA256 of the exact body with the endpoint's secret (when set)
// - `Authorization: <value>` as configured on the endpoint (when set)
//
// Delivery (`WebhookNotifier`) never blocks or fails the request that raised the event: events go
// to a bounded in-memory queue (a full queue drops and logs them), background tasks deliver them
// with AsyncHTTPClient, and a delivery that fails (no 2xx) is retried with exponential backoff up
// to `WebhookNotifier.Settings.maxAttempts` attempts. Every attempt is appended to the project's
// durable delivery log, `<root>/webhooks/<project>.jsonl` (`WebhookDelivery`, one JSON object a line).
//
// Entry points for the command line and the HTTP admin API:
// - `RegistryWebhooks.list(store:project:)`, `add(store:project:endpoint:)`,
//   `remove(store:project:id:)`, `setEnabled(store:project:id:enabled:)` manage
//   `ProjectRecord.webhooks` in the security state (a running server sees changes at once).
// - `RegistryWebhooks.deliveryLog(storage:project:limit:)` reads the newest delivery attempts.

/// What happened.
public enum WebhookEventType: String, Sendable, Codable, CaseIterable {
    case push
    case delete
    case scanCompleted = "scan_completed"
    case scanFailed = "scan_failed"
    case quotaExceeded = "quota_exceeded"
}

/// One endpoint of a project, stored in `ProjectRecord.webhooks`.
public struct WebhookEndpoint: Sendable, Codable, Equatable {
    /// A short identifier, unique in the project.
    public var id: String
    /// `http://` or `https://` URL the events are POSTed to.
    public var url: String
    /// Events sent; empty means every event.
    public var events: [WebhookEventType]
    /// Key of the `X-Berth-Signature` HMAC-SHA256; no signature header without it.
    public var secret: String?
    /// Value of the `Authorization` header sent with every delivery.
    public var authorization: String?
    public var enabled: Bool

    public init(
        id: String = String(UUID().uuidString.lowercased().prefix(8)), url: String, events: [WebhookEventType] = [],
        secret: String? = nil, authorization: String? = nil, enabled: Bool = true
    ) {
        self.id = id
        self.url = url
        self.events = events
        self.secret = secret
        self.authorization = authorization
        self.enabled = enabled
    }

    /// Whether this endpoint receives `type`.
    public func subscribes(to type: WebhookEventType) -> Bool {
        enabled && (events.isEmpty || events.contains(type))
    }

    /// Refuses URLs that are not absolute http(s) URLs with a host.
    public func validate() throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw RegistryAdmin.AdminError.invalid("webhook URL '\(url.prefix(200))' must be an http or https URL")
        }
        if let authorization, authorization.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw RegistryAdmin.AdminError.invalid("the Authorization value must be one line")
        }
    }
}

/// Webhook entry points on a storage root (see the top of this file).
public enum RegistryWebhooks {
    /// The project's endpoints.
    public static func list(store: SecurityStore, project: String) async throws -> [WebhookEndpoint] {
        guard let record = try await store.current().projects[project] else {
            throw RegistryAdmin.AdminError.unknown("no project '\(project)'")
        }
        return record.webhooks ?? []
    }

    /// Adds an endpoint (its id must be new in the project); returns it.
    @discardableResult
    public static func add(store: SecurityStore, project: String, endpoint: WebhookEndpoint) async throws
        -> WebhookEndpoint
    {
        try endpoint.validate()
        try await store.update { state in
            guard var record = state.projects[project] else {
                throw RegistryAdmin.AdminError.unknown("no project '\(project)'")
            }
            var hooks = record.webhooks ?? []
            if hooks.contains(where: { $0.id == endpoint.id }) {
                throw RegistryAdmin.AdminError.invalid("project '\(project)' already has webhook '\(endpoint.id)'")
            }
            hooks.append(endpoint)
            record.webhooks = hooks
            state.projects[project] = record
        }
        return endpoint
    }

    /// Removes the endpoint with `id`.
    public static func remove(store: SecurityStore, project: String, id: String) async throws {
        try await modify(store: store, project: project, id: id) { hooks, index in hooks.remove(at: index) }
    }

    /// Enables or disables the endpoint with `id`.
    public static func setEnabled(store: SecurityStore, project: String, id: String, enabled: Bool) async throws {
        try await modify(store: store, project: project, id: id) { hooks, index in hooks[index].enabled = enabled }
    }

    private static func modify(
        store: SecurityStore, project: String, id: String, _ change: (inout [WebhookEndpoint], Int) -> Void
    ) async throws {
        try await store.update { state in
            guard var record = state.projects[project] else {
                throw RegistryAdmin.AdminError.unknown("no project '\(project)'")
            }
            var hooks = record.webhooks ?? []
            guard let index = hooks.firstIndex(where: { $0.id == id }) else {
                throw RegistryAdmin.AdminError.unknown("project '\(project)' has no webhook '\(id)'")
            }
            change(&hooks, index)
            record.webhooks = hooks.isEmpty ? nil : hooks
            state.projects[project] = record
        }
    }

    /// The newest `limit` delivery attempts of the project, oldest first.
    public static func deliveryLog(storage: RegistryStorage, project: String, limit: Int = 100) async throws
        -> [WebhookDelivery]
    {
        try RegistryAdmin.validateProject(project)
        return try await WebhookDeliveryLog(root: storage.root, metadata: storage.metadata).read(
            project: project, limit: limit)
    }
}

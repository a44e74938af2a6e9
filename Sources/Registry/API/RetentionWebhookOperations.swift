import Foundation
import HTTPTypes

/// A project's retention rules as the API reads and writes them (absent keys: no such rule).
public struct APIRetentionRules: APIModel, Equatable {
    public var repositories: [String]?
    public var keepLast: Int?
    public var keepTags: [String]?
    public var keepPulledDays: Int?
    public var keepSigned: Bool?

    init(_ rules: RetentionRules?) {
        repositories = rules?.repositories
        keepLast = rules?.keepLast
        keepTags = rules?.keepTags
        keepPulledDays = rules?.keepPulledDays
        keepSigned = rules?.keepSigned
    }

    var rules: RetentionRules {
        RetentionRules(
            repositories: repositories, keepLast: keepLast, keepTags: keepTags, keepPulledDays: keepPulledDays,
            keepSigned: keepSigned)
    }

    public static let schemaName = "RetentionRules"
    public static var schema: JSONValue {
        Schema.object(
            [
                "repositories": Schema.nullable(Schema.array(Schema.string("Repository glob, without the project."))),
                "keepLast": Schema.nullable(Schema.integer),
                "keepTags": Schema.nullable(Schema.array(Schema.string("Tag glob."))),
                "keepPulledDays": Schema.nullable(Schema.integer),
                "keepSigned": Schema.nullable(Schema.boolean),
            ],
            description:
                "Artifacts no rule keeps are deleted by a retention run; immutable tags and (unless keepSigned is false) signed artifacts always stay."
        )
    }
}

/// A webhook endpoint as the API shows it: the secret and Authorization value are never returned.
public struct APIWebhook: APIModel, Equatable {
    public var id: String
    public var url: String
    public var events: [String]
    public var enabled: Bool
    public var signed: Bool
    public var hasAuthorization: Bool

    init(_ endpoint: WebhookEndpoint) {
        id = endpoint.id
        url = endpoint.url
        events = endpoint.events.map(\.rawValue)
        enabled = endpoint.enabled
        signed = endpoint.secret != nil
        hasAuthorization = endpoint.authorization != nil
    }

    public static let schemaName = "Webhook"
    public static var schema: JSONValue {
        Schema.object(
            [
                "id": Schema.string, "url": Schema.string, "events": Schema.array(Self.eventSchema),
                "enabled": Schema.boolean, "signed": Schema.boolean, "hasAuthorization": Schema.boolean,
            ], required: ["id", "url", "events", "enabled", "signed", "hasAuthorization"])
    }

    static var eventSchema: JSONValue {
        ["type": "string", "enum": .array(WebhookEventType.allCases.map { .string($0.rawValue) })]
    }
}

/// A new webhook endpoint.
public struct APIWebhookRequest: APIModel, Equatable {
    public var id: String
    public var url: String
    public var events: [String]?
    public var secret: String?
    public var authorization: String?
    public var enabled: Bool?

    public static let schemaName = "WebhookRequest"
    public static var schema: JSONValue {
        Schema.object(
            [
                "id": Schema.string("Unique in the project."),
                "url": Schema.string("http(s) URL events are POSTed to."),
                "events": Schema.nullable(Schema.array(APIWebhook.eventSchema)),
                "secret": Schema.nullable(Schema.string("Key of the X-Berth-Signature HMAC-SHA256.")),
                "authorization": Schema.nullable(Schema.string("Authorization header value sent with each event.")),
                "enabled": Schema.nullable(Schema.boolean),
            ], required: ["id", "url"])
    }
}

extension AdminAPI {
    var retentionOperations: [AdminOperation] {
        [
            AdminOperation(
                .get, "/api/v1/projects/{project}/retention", id: "getRetention", tag: "retention",
                summary: "Get a project's retention rules.", access: .project(.guest),
                response: .model(APIRetentionRules.self), responseDescription: "The rules (empty: none)."
            ) { call in
                let project = try call.path("project")
                return try .json(APIRetentionRules(call.services.policy.project(project, state: call.state).retention))
            },
            AdminOperation(
                .put, "/api/v1/projects/{project}/retention", id: "setRetention", tag: "retention",
                summary: "Replace a project's retention rules.", access: .project(.admin),
                request: APIRetentionRules.self, response: .model(APIRetentionRules.self),
                responseDescription: "The rules stored."
            ) { call in
                let project = try call.path("project")
                let body = try await call.body(APIRetentionRules.self)
                do {
                    try body.rules.validate()
                } catch {
                    throw AdminAPIError(.badRequest, .invalid, "\(error)")
                }
                try await call.services.security.update { state in _ = call.api.materialize(project, in: &state) }
                try await RegistryRetention.setRules(
                    store: call.services.security, project: project, rules: body.rules.hasRules ? body.rules : nil)
                await call.audit("retention.rules", detail: nil)
                return try .json(APIRetentionRules(try await call.services.policy.project(project).retention))
            },
            AdminOperation(
                .post, "/api/v1/projects/{project}/retention/plan", id: "planRetention", tag: "retention",
                summary: "List what a retention run would delete (a dry run).",
                details: "Changes nothing: the untagged and deleted artifacts, and what is kept and why.",
                access: .project(.maintainer), response: .document("application/json"),
                responseDescription: "The plan."
            ) { call in
                let project = try call.path("project")
                let plan = try await RegistryRetention.plan(
                    storage: call.services.storage, project: project, configuration: call.services.configuration)
                return try .json(plan)
            },
            AdminOperation(
                .post, "/api/v1/projects/{project}/retention/run", id: "runRetention", tag: "retention",
                summary: "Delete what the rules do not keep, then collect garbage.",
                details:
                    "Computes the plan again under the storage lock (a push in between is never lost), deletes, audits each deletion and frees the blobs no kept manifest references. `grace_seconds` spares blobs younger than that (default 3600).",
                access: .project(.admin),
                query: [QueryParameter("grace_seconds", "Blobs younger than this stay.", schema: Schema.integer)],
                response: .document("application/json"), responseDescription: "What was deleted and freed."
            ) { call in
                let project = try call.path("project")
                var grace: TimeInterval = 3600
                if let text = call.query("grace_seconds") {
                    guard let value = Int(text), value >= 0 else {
                        throw AdminAPIError(.badRequest, .invalid, "grace_seconds must be a non-negative integer")
                    }
                    grace = TimeInterval(value)
                }
                let result = try await RegistryRetention.apply(
                    storage: call.services.storage, project: project, configuration: call.services.configuration,
                    gracePeriod: grace, operator: call.identity.name)
                await call.audit(
                    "retention.run",
                    detail: "\(result.deletedManifests) manifests, \(result.removedBytes) bytes freed")
                return try .json(result)
            },
        ]
    }

    var webhookOperations: [AdminOperation] {
        [
            AdminOperation(
                .get, "/api/v1/projects/{project}/webhooks", id: "listWebhooks", tag: "webhooks",
                summary: "List a project's webhooks (without secrets).", access: .project(.maintainer),
                response: .list(APIWebhook.self), responseDescription: "The endpoints."
            ) { call in
                let project = try call.path("project")
                return try .json(
                    (call.services.policy.project(project, state: call.state).webhooks ?? []).map(APIWebhook.init))
            },
            AdminOperation(
                .post, "/api/v1/projects/{project}/webhooks", id: "createWebhook", tag: "webhooks",
                summary: "Add a webhook endpoint.", access: .project(.admin), request: APIWebhookRequest.self,
                status: .created, response: .model(APIWebhook.self), responseDescription: "The endpoint added."
            ) { call in
                let project = try call.path("project")
                let body = try await call.body(APIWebhookRequest.self)
                var events: [WebhookEventType] = []
                for name in body.events ?? [] {
                    guard let event = WebhookEventType(rawValue: name) else {
                        throw AdminAPIError(.badRequest, .invalid, "unknown webhook event '\(name)'")
                    }
                    events.append(event)
                }
                let endpoint = WebhookEndpoint(
                    id: body.id, url: body.url, events: events, secret: body.secret, authorization: body.authorization,
                    enabled: body.enabled ?? true)
                do {
                    try endpoint.validate()
                } catch {
                    throw AdminAPIError(.badRequest, .invalid, "\(error)")
                }
                try await call.services.security.update { state in _ = call.api.materialize(project, in: &state) }
                try await RegistryWebhooks.add(store: call.services.security, project: project, endpoint: endpoint)
                await call.audit("webhook.add", subject: body.id, detail: body.url)
                return try .json(APIWebhook(endpoint), status: .created)
            },
            AdminOperation(
                .delete, "/api/v1/projects/{project}/webhooks/{webhook}", id: "deleteWebhook", tag: "webhooks",
                summary: "Remove a webhook endpoint.", access: .project(.admin), status: .noContent, response: .none
            ) { call in
                let project = try call.path("project")
                let id = try call.path("webhook")
                try await RegistryWebhooks.remove(store: call.services.security, project: project, id: id)
                await call.audit("webhook.remove", subject: id)
                return .noContent
            },
            AdminOperation(
                .get, "/api/v1/projects/{project}/webhooks/deliveries", id: "listWebhookDeliveries",
                tag: "webhooks", summary: "The newest delivery attempts of the project's webhooks.",
                access: .project(.maintainer),
                query: [QueryParameter("limit", "At most this many (1-1000, default 100).", schema: Schema.integer)],
                response: .document("application/json"),
                responseDescription: "Attempts, oldest first: event, endpoint, attempt, status, error, duration."
            ) { call in
                let project = try call.path("project")
                var limit = 100
                if let text = call.query("limit") {
                    guard let value = Int(text), (1...1000).contains(value) else {
                        throw AdminAPIError(.badRequest, .invalid, "limit must be 1 to 1000")
                    }
                    limit = value
                }
                return try .json(
                    try await RegistryWebhooks.deliveryLog(
                        storage: call.services.storage, project: project, limit: limit))
            },
        ]
    }
}

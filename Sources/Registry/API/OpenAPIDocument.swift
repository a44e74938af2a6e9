import Foundation

/// A JSON value, for the parts of the OpenAPI document that are data rather than types.
public indirect enum JSONValue: Sendable, Equatable, Encodable, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    case string(String)
    case integer(Int)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])
    case null

    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }

    /// The members of an object (empty for other values).
    var members: [String: JSONValue] {
        if case .object(let members) = self { return members }
        return [:]
    }
}

/// A type the admin API sends or receives, with its JSON Schema (OpenAPI 3.1 uses JSON Schema
/// 2020-12) under `#/components/schemas/<schemaName>`.
public protocol APIModel: Codable, Sendable {
    /// The component name.
    static var schemaName: String { get }
    /// The schema; refer to other models with ``Schema/ref(_:)`` and list them in ``nested``.
    static var schema: JSONValue { get }
    /// Models the schema refers to, so that the document defines them too.
    static var nested: [any APIModel.Type] { get }
}

extension APIModel {
    public static var nested: [any APIModel.Type] { [] }
}

/// Builders of JSON Schema fragments.
public enum Schema {
    public static let string: JSONValue = ["type": "string"]
    public static let boolean: JSONValue = ["type": "boolean"]
    public static let integer: JSONValue = ["type": "integer", "format": "int64"]
    public static let dateTime: JSONValue = ["type": "string", "format": "date-time"]
    public static let digest: JSONValue = [
        "type": "string", "pattern": "^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$",
        "examples": ["sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"],
    ]
    public static let role: JSONValue = ["type": "string", "enum": .array(Role.allCases.map { .string($0.rawValue) })]

    public static func string(_ description: String) -> JSONValue {
        ["type": "string", "description": .string(description)]
    }

    public static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }

    public static func map(_ values: JSONValue) -> JSONValue { ["type": "object", "additionalProperties": values] }

    /// `schema` or null.
    public static func nullable(_ schema: JSONValue) -> JSONValue {
        if case .string(let type)? = schema.members["type"] {
            var members = schema.members
            members["type"] = [.string(type), "null"]
            return .object(members)
        }
        return ["anyOf": [schema, ["type": "null"]]]
    }

    public static func ref(_ model: any APIModel.Type) -> JSONValue {
        ["$ref": .string("#/components/schemas/\(model.schemaName)")]
    }

    /// A closed object: `properties`, of which `required` must be present.
    public static func object(
        _ properties: [String: JSONValue], required: [String] = [], description: String? = nil
    ) -> JSONValue {
        var members: [String: JSONValue] = [
            "type": "object", "properties": .object(properties), "additionalProperties": false,
        ]
        if !required.isEmpty { members["required"] = .array(required.sorted().map { .string($0) }) }
        if let description { members["description"] = .string(description) }
        return .object(members)
    }
}

/// The OpenAPI 3.1 document of the admin API, built from the operations the server registers so
/// the two cannot differ.
enum OpenAPIDocument {
    /// Descriptions of the path parameters operations use.
    static let pathParameters: [String: (description: String, schema: JSONValue)] = [
        "project": ("Project name (the first component of its repositories' names).", Schema.string),
        "user": ("User name.", Schema.string),
        "robot": ("Robot name within the project (`ci` for `robot$project+ci`), or the full name.", Schema.string),
        "webhook": ("Webhook id within the project.", Schema.string),
        "digest": ("Manifest digest.", Schema.digest),
    ]

    static func build(_ operations: [AdminOperation], version: String) -> JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        var components: [String: JSONValue] = ["Errors": errorsSchema]
        func register(_ model: any APIModel.Type) {
            guard components[model.schemaName] == nil else { return }
            components[model.schemaName] = model.schema
            for nested in model.nested { register(nested) }
        }
        for operation in operations {
            var entry: [String: JSONValue] = [
                "operationId": .string(operation.id), "summary": .string(operation.summary),
                "description": .string(operation.details + "\n\nAllowed: \(operation.access.summary)."),
                "tags": [.string(operation.tag)],
                "x-berth-access": .string(operation.access.key),
            ]
            var parameters: [JSONValue] = []
            for name in operation.pathParameterNames {
                let known = pathParameters[name] ?? (description: "\(name).", schema: Schema.string)
                parameters.append([
                    "name": .string(name), "in": "path", "required": true, "description": .string(known.description),
                    "schema": known.schema,
                ])
            }
            for query in operation.query {
                parameters.append([
                    "name": .string(query.name), "in": "query", "required": .bool(query.required),
                    "description": .string(query.description), "schema": query.schema,
                ])
            }
            if !parameters.isEmpty { entry["parameters"] = .array(parameters) }
            if let request = operation.request {
                register(request)
                entry["requestBody"] = [
                    "required": true,
                    "content": ["application/json": ["schema": Schema.ref(request)]],
                ]
            }
            var responses: [String: JSONValue] = [:]
            let success = String(operation.status.code)
            switch operation.response {
            case .none:
                responses[success] = ["description": .string(operation.responseDescription)]
            case .model(let model):
                register(model)
                responses[success] = [
                    "description": .string(operation.responseDescription),
                    "content": ["application/json": ["schema": Schema.ref(model)]],
                ]
            case .list(let model):
                register(model)
                responses[success] = [
                    "description": .string(operation.responseDescription),
                    "content": ["application/json": ["schema": Schema.array(Schema.ref(model))]],
                ]
            case .document(let contentType):
                responses[success] = [
                    "description": .string(operation.responseDescription),
                    "content": [contentType: ["schema": ["type": "object"]]],
                ]
            }
            let error: (String) -> JSONValue = { description in
                [
                    "description": .string(description),
                    "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Errors"]]],
                ]
            }
            switch operation.access {
            case .anyone:
                entry["security"] = []
            case .visible:
                // Anonymous callers see public projects; credentials, when sent, must be valid.
                entry["security"] = [[:], ["basicAuth": []], ["bearerAuth": []]]
                responses["401"] = error("The credentials are not valid.")
            case .systemAdmin, .project, .projectRead:
                responses["401"] = error("No or invalid credentials (`WWW-Authenticate` names the schemes).")
                responses["403"] = error("The caller may not perform this operation.")
            }
            if operation.pathParameterNames.contains("project") {
                responses["404"] = error("No such project, or no such subject in it.")
            }
            responses["default"] = error(
                "Another error: invalid input (400), a conflict (409) or a project policy's refusal (412).")
            entry["responses"] = .object(responses)
            paths[operation.path, default: [:]][operation.method.rawValue.lowercased()] = .object(entry)
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Berth registry administration API",
                "version": .string(version),
                "description": """
                Administration of Berth's OCI registry: users, projects, members, robot accounts, \
                policies, repositories, scans and the audit log. Authorization follows the \
                registry's roles (guest, developer, maintainer, admin per project; system \
                administrators; robots bound to one project and role). Errors have the body \
                {"errors":[{"code","message"}]} of the distribution API.
                """,
            ],
            "servers": [["url": "/"]],
            "security": [["basicAuth": []], ["bearerAuth": []]],
            "tags": .array(
                Set(operations.map(\.tag)).sorted().map { ["name": .string($0)] }),
            "paths": .object(paths.mapValues { .object($0) }),
            "components": [
                "schemas": .object(components),
                "securitySchemes": [
                    "basicAuth": [
                        "type": "http", "scheme": "basic",
                        "description": "A user's password or a robot's secret (user name robot$project+name).",
                    ],
                    "bearerAuth": [
                        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                        "description":
                            "A registry token from /token whose access includes scope registry:api:* (ask for it with scope=registry:api:*).",
                    ],
                ],
            ],
        ]
    }

    static let errorsSchema: JSONValue = Schema.object(
        [
            "errors": Schema.array(
                Schema.object(
                    [
                        "code": Schema.string(
                            "Error code: UNAUTHORIZED, DENIED, NOT_FOUND, INVALID, CONFLICT, UNSUPPORTED, PROJECTPOLICYVIOLATION or UNAVAILABLE."
                        ),
                        "message": Schema.string("What went wrong, in lowercase."),
                        "detail": Schema.map(Schema.string),
                    ], required: ["code", "message"]))
        ], required: ["errors"])
}

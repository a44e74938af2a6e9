import Foundation

/// What the audit reads from an image: its configuration (`docker image inspect`) and its history
/// (`docker history` / `GET /images/{id}/history`).
public struct ImageInspect: Sendable, Hashable {
    public var id: String
    /// The first repository tag, else the id.
    public var name: String
    public var source: String
    public var user: String
    /// True when the image configures a HEALTHCHECK that is not `NONE`.
    public var healthcheck: Bool
    /// `CreatedBy` of each history entry, oldest first; nil when no history was available.
    public var history: [String]?

    public var subject: String { "image '\(name)'" }

    /// Decodes `docker image inspect` output: an array of images or one image. An image object may
    /// carry its history as `History` (the shape of `GET /images/{id}/history`, newest first, or
    /// the OCI config's `history` with `created_by`, oldest first).
    public static func decodeAll(_ data: Data, file: String) throws -> [ImageInspect] {
        let root = try JSONFields.parse(data, file: file)
        let items: [(Any, String)]
        if let array = root as? [Any] {
            items = array.enumerated().map { ($0.element, "[\($0.offset)]") }
        } else {
            items = [(root, "")]
        }
        return try items.map { item, path in
            guard let object = item as? [String: Any] else {
                throw AuditError.malformed(
                    file: file, field: path.isEmpty ? "$" : path, reason: "expected an image object")
            }
            return try decode(JSONFields(object, path: path, file: file))
        }
    }

    static func decode(_ json: JSONFields) throws -> ImageInspect {
        guard let id = try json.string("Id") ?? json.string("ID"), !id.isEmpty else {
            throw json.fail("Id", "an image id")
        }
        let tags = try json.strings("RepoTags")
        let config = try json.object("Config") ?? json.object("config")
        var healthcheck = false
        if let check = try config?.object("Healthcheck") {
            let test = try check.strings("Test")
            healthcheck = !test.isEmpty && test.first != "NONE"
        }
        var history: [String]?
        if json.has("History") {
            history = try Self.history(json.objects("History"))
        } else if json.has("history") {
            history = try json.objects("history").map { try $0.string("created_by") ?? "" }
        }
        return ImageInspect(
            id: id, name: tags.first ?? String(id.prefix(19)), source: json.file,
            user: try config?.string("User") ?? "", healthcheck: healthcheck, history: history)
    }

    /// History entries from the engine API (newest first), returned oldest first.
    static func history(_ entries: [JSONFields]) throws -> [String] {
        try entries.map { try $0.string("CreatedBy") ?? "" }.reversed()
    }

    /// Decodes `GET /images/{id}/history` (or `docker history --format json` as a JSON array).
    public static func decodeHistory(_ data: Data, file: String) throws -> [String] {
        let root = try JSONFields.parse(data, file: file)
        guard let array = root as? [Any] else {
            throw AuditError.malformed(file: file, field: "$", reason: "expected a list of history entries")
        }
        let entries = try array.enumerated().map { offset, item in
            guard let object = item as? [String: Any] else {
                throw AuditError.malformed(file: file, field: "[\(offset)]", reason: "expected a history entry")
            }
            return JSONFields(object, path: "[\(offset)]", file: file)
        }
        return try history(entries)
    }
}

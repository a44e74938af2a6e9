import Foundation

/// A query of the audit log: filters and one page, newest first.
struct AuditQuery: Sendable {
    var project: String?
    var user: String?
    var action: String?
    var since: Date?
    var until: Date?
    var page = 1
    var pageSize = 50

    static let maximumPageSize = 500

    init(project: String?, pageSize: Int) {
        self.project = project
        self.pageSize = pageSize
    }

    /// Reads the filters and page from the query string; 400 for values that do not parse.
    init(call: AdminCall, project: String?) throws {
        self.project = project
        user = call.query("user")
        action = call.query("action")
        func time(_ name: String) throws -> Date? {
            guard let text = call.query(name) else { return nil }
            guard let date = VulnerabilityPolicySettings.AllowlistEntry.parse(text) else {
                throw AdminAPIError(.badRequest, .invalid, "\(name) '\(text.prefix(40))' is not an ISO 8601 time")
            }
            // A bare day means its start for since and its end for until.
            return text.count == 10 && name == "since" ? date.addingTimeInterval(-24 * 3600) : date
        }
        since = try time("since")
        until = try time("until")
        func number(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
            guard let text = call.query(name) else { return value }
            guard let number = Int(text), range.contains(number) else {
                throw AdminAPIError(
                    .badRequest, .invalid, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        page = try number("page", default: 1, range: 1...1_000_000)
        pageSize = try number("page_size", default: 50, range: 1...Self.maximumPageSize)
    }

    /// Events of the log at `path` that pass the filters, newest first, and how many passed.
    func run(path: String) -> (total: Int, items: [APIAuditEvent]) {
        guard let file = fopen(path, "r") else { return (0, []) }
        defer { fclose(file) }
        let decoder = JSONDecoder()
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        // Matching events, oldest first (the order of the file).
        var matches: [APIAuditEvent] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while true {
            let length = getline(&line, &capacity, file)
            if length <= 0 { break }
            guard let line, length < 1 << 20 else { continue }
            let data = Data(bytes: line, count: length)
            guard var event = try? decoder.decode(APIAuditEvent.self, from: data) else { continue }
            event.project = event.repository.map(PolicyEngine.project(of:))
            if let project, event.project != project { continue }
            if let user, event.user != user { continue }
            if let action, event.action != action && !event.action.hasPrefix(action + ".") { continue }
            if since != nil || until != nil {
                guard let time = formatter.date(from: event.time) else { continue }
                if let since, time < since { continue }
                if let until, time >= until { continue }
            }
            matches.append(event)
        }
        let total = matches.count
        let start = (page - 1) * pageSize
        guard start < total else { return (total, []) }
        let newestFirst = matches.reversed().dropFirst(start).prefix(pageSize)
        return (total, Array(newestFirst))
    }

    /// The path and query of the next page, when there is one.
    func next(path: String, total: Int) -> String? {
        guard page * pageSize < total else { return nil }
        var items = [URLQueryItem]()
        if let user { items.append(URLQueryItem(name: "user", value: user)) }
        if let action { items.append(URLQueryItem(name: "action", value: action)) }
        let formatter = ISO8601DateFormatter()
        if let since { items.append(URLQueryItem(name: "since", value: formatter.string(from: since))) }
        if let until { items.append(URLQueryItem(name: "until", value: formatter.string(from: until))) }
        items.append(URLQueryItem(name: "page", value: String(page + 1)))
        items.append(URLQueryItem(name: "page_size", value: String(pageSize)))
        var components = URLComponents()
        components.path = path
        components.queryItems = items
        return components.string
    }
}

extension AdminAPI {
    /// The audit log: project readers see their project's events; system administrators see all.
    var auditOperations: [AdminOperation] {
        let filters = [
            QueryParameter("user", "Only events of this user (robots by full name; empty string is anonymous)."),
            QueryParameter(
                "action",
                "Only this action (pull, push, delete, api.member.set...); api matches every administrative one."),
            QueryParameter("since", "Events at or after this time (ISO 8601 or YYYY-MM-DD).", schema: Schema.string),
            QueryParameter(
                "until", "Events before this time (ISO 8601 or YYYY-MM-DD, exclusive).", schema: Schema.string),
            QueryParameter("page", "Page number, from 1.", schema: ["type": "integer", "minimum": 1]),
            QueryParameter(
                "page_size", "Events a page, 1 to \(AuditQuery.maximumPageSize) (default 50).",
                schema: ["type": "integer", "minimum": 1, "maximum": .integer(AuditQuery.maximumPageSize)]),
        ]
        return [
            AdminOperation(
                .get, "/api/v1/projects/{project}/logs", id: "listProjectLogs", tag: "audit",
                summary: "Query a project's audit log.",
                details: "Pulls, pushes, deletes, refusals and administrative changes of the project, newest first.",
                access: .project(.guest), query: filters, response: .model(APIAuditPage.self),
                responseDescription: "One page of events."
            ) { call in
                let project = try call.path("project")
                return try await AdminAPI.auditPage(call, project: project, path: "/api/v1/projects/\(project)/logs")
            },
            AdminOperation(
                .get, "/api/v1/audit", id: "listAuditLog", tag: "audit", summary: "Query the whole audit log.",
                details: "Every event of the registry, newest first, optionally of one project.",
                access: .systemAdmin,
                query: [QueryParameter("project", "Only events of this project.")] + filters,
                response: .model(APIAuditPage.self), responseDescription: "One page of events."
            ) { call in
                try await AdminAPI.auditPage(call, project: call.query("project"), path: "/api/v1/audit")
            },
        ]
    }

    static func auditPage(_ call: AdminCall, project: String?, path: String) async throws -> AdminReply {
        let query = try AuditQuery(call: call, project: project)
        let (total, items) = try await call.services.audit.events(query)
        var next = query.next(path: path, total: total)
        if let project, path == "/api/v1/audit", let link = next {
            next =
                link + "&project=" + (project.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? project)
        }
        return try .json(
            APIAuditPage(total: total, page: query.page, pageSize: query.pageSize, items: items, next: next))
    }
}

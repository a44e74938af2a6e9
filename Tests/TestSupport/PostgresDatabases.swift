import Foundation

/// Fresh databases on the PostgreSQL server of `BERTH_TEST_POSTGRES`, so that tests sharing the
/// server never see each other's rows.
public enum PostgresDatabases {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Creates a database with a fresh name and returns the server's URL pointed at it, with
    /// `query` added to its query string. `options` follow `CREATE DATABASE name` (a locale, say).
    public static func create(on url: String, query: [URLQueryItem] = [], options: String = "") throws -> (
        url: String, name: String
    ) {
        guard var components = URLComponents(string: url) else { throw Failure(description: "not a URL: \(url)") }
        let name = "berth_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try psql(url, "CREATE DATABASE \(name) \(options)")
        components.path = "/\(name)"
        components.queryItems = (components.queryItems ?? []) + query
        guard let located = components.string else { throw Failure(description: "cannot build a URL from \(url)") }
        return (located, name)
    }

    /// Drops the database `create` made, closing whatever connections are left.
    public static func drop(on url: String, name: String) {
        try? psql(url, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// Runs one statement outside a transaction (CREATE/DROP DATABASE) with psql.
    public static func psql(_ url: String, _ sql: String) throws {
        guard let psql = Tool.find("psql") ?? Tool.find("/usr/lib/postgresql/15/bin/psql") else {
            throw Failure(description: "psql is not installed")
        }
        let result = try ChildProcess.runSync(psql, [url, "-v", "ON_ERROR_STOP=1", "-qc", sql])
        guard result.status == 0 else { throw Failure(description: "psql \(sql): \(result.error)") }
    }
}

import Foundation
import NIOConcurrencyHelpers
import OCI
import RegistryMetadata

/// One browser's session with the console: who signed in (nil before sign-in, when the session
/// only carries the token of the sign-in form) and the token every POST form must send back.
struct ConsoleSession: Sendable, Equatable {
    var id: String
    var user: String?
    var csrf: String
    var expires: Date
}

/// The server-side session table: random ids, an idle expiry that each request extends, and a
/// bound on the number of sessions (those nearest to expiry are dropped first). In memory on a
/// single node; in the metadata database when there is one, so that a session begun on one
/// replica is known to all of them (only the ids' SHA-256 is stored there).
final class ConsoleSessions: Sendable {
    /// Idle time after which a session ends.
    let lifetime: TimeInterval
    let capacity: Int
    let metadata: MetadataStore?
    private let table = NIOLockedValueBox<[String: ConsoleSession]>([:])

    init(lifetime: TimeInterval = 3600, capacity: Int = 10_000, metadata: MetadataStore? = nil) {
        self.lifetime = lifetime
        self.capacity = capacity
        self.metadata = metadata
    }

    /// What the database keys a session by: the SHA-256 of its id, so the id is never stored.
    static func hash(_ id: String) -> String { OCI.Digest.of(Data(id.utf8)).encoded }

    /// 32 random bytes from the system generator, as 64 hex digits.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
    }

    /// Starts a session (a new id and token) for `user`, or for a visitor who has not signed in.
    func create(user: String?, now: Date = Date()) async throws -> ConsoleSession {
        let session = ConsoleSession(
            id: Self.randomToken(), user: user, csrf: Self.randomToken(), expires: now.addingTimeInterval(lifetime))
        if let metadata {
            try await metadata.createSession(
                .init(
                    idHash: Self.hash(session.id), user: user, csrf: session.csrf,
                    expires: Int64(session.expires.timeIntervalSince1970.rounded(.down))),
                now: Int64(now.timeIntervalSince1970.rounded(.down)), capacity: capacity)
            return session
        }
        table.withLockedValue { table in
            if table.count >= capacity {
                table = table.filter { $0.value.expires > now }
                if table.count >= capacity {
                    let oldest = table.values.sorted { $0.expires < $1.expires }.prefix(table.count - capacity + 1)
                    for stale in oldest { table[stale.id] = nil }
                }
            }
            table[session.id] = session
        }
        return session
    }

    /// The live session with `id`, its expiry pushed back; nil when unknown or expired.
    func find(_ id: String, now: Date = Date()) async throws -> ConsoleSession? {
        if let metadata {
            let expires = now.addingTimeInterval(lifetime)
            return try await metadata.touchSession(
                idHash: Self.hash(id), now: Int64(now.timeIntervalSince1970.rounded(.down)),
                expires: Int64(expires.timeIntervalSince1970.rounded(.down))
            ).map { ConsoleSession(id: id, user: $0.user, csrf: $0.csrf, expires: expires) }
        }
        return table.withLockedValue { table in
            guard var session = table[id] else { return nil }
            guard session.expires > now else {
                table[id] = nil
                return nil
            }
            session.expires = now.addingTimeInterval(lifetime)
            table[id] = session
            return session
        }
    }

    /// Ends a session.
    func remove(_ id: String) async throws {
        if let metadata { return try await metadata.deleteSession(idHash: Self.hash(id)) }
        _ = table.withLockedValue { $0.removeValue(forKey: id) }
    }

    /// Sessions held now (expired ones included until they are next looked at or pruned).
    func count() async throws -> Int {
        if let metadata { return try await metadata.sessionCount() }
        return table.withLockedValue { $0.count }
    }

    /// Compares two tokens in time that does not depend on where they differ.
    static func same(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

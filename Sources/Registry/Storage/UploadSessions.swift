import Foundation
import NIOCore
import NIOPosix
import OCI

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Blob upload sessions on the storage driver, which keeps them across restarts (and, on shared
/// storage, across replicas), plus an in-memory running hash per session so that finishing an
/// upload does not re-read it. The hash is used only while the data's version is the one it was
/// computed for; otherwise (after a restart, an interrupted write or an append by another replica)
/// it is rebuilt from the data.
actor UploadSessions {
    struct Info: Codable, Sendable {
        var repository: String
        var algorithm: Digest.Algorithm
        var started: Date
    }

    /// A session checked out for one request at a time.
    struct Lease: Sendable {
        var id: String
        var info: Info
        var hasher: Digester
    }

    private let driver: any StorageDriver
    private var hashers: [String: (hasher: Digester, version: String)] = [:]
    private var busy: Set<String> = []

    init(storage: RegistryStorage) {
        self.driver = storage.driver
    }

    /// Whether `id` has the form of a session id (a UUID), so it is safe in a path.
    static func isValidID(_ id: String) -> Bool {
        id.utf8.count == 36 && UUID(uuidString: id) != nil && id == id.lowercased()
    }

    /// Starts a session for `repository`.
    func create(repository: String, algorithm: Digest.Algorithm) async throws -> String {
        let id = UUID().uuidString.lowercased()
        let info = Info(repository: repository, algorithm: algorithm, started: Date())
        try await driver.createUpload(id, info: try JSONEncoder().encode(info))
        hashers[id] = (Digester(algorithm: algorithm), "0")
        return id
    }

    /// Session metadata, or nil when unknown or bound to another repository.
    func info(_ id: String, repository: String) async throws -> Info? {
        guard Self.isValidID(id), let data = try await driver.uploadInfo(id),
            let info = try? JSONDecoder().decode(Info.self, from: data), info.repository == repository
        else { return nil }
        return info
    }

    /// Bytes received so far.
    func size(_ id: String) async throws -> Int64? {
        guard Self.isValidID(id) else { return nil }
        return try await driver.uploadState(id)?.size
    }

    /// Checks out a session for writing, its running hash matching the data. Returns nil if it is
    /// in use by another request of this process.
    func lease(_ id: String, repository: String) async throws -> Lease? {
        guard let info = try await info(id, repository: repository) else {
            throw RegistryError.uploadUnknown(id)
        }
        guard !busy.contains(id) else { return nil }
        busy.insert(id)
        do {
            guard let state = try await driver.uploadState(id) else { throw RegistryError.uploadUnknown(id) }
            if let cached = hashers[id], cached.version == state.version, cached.hasher.count == state.size,
                cached.hasher.algorithm == info.algorithm
            {
                return Lease(id: id, info: info, hasher: cached.hasher)
            }
            hashers[id] = nil
            let hasher = try await driver.hashUpload(id, algorithm: info.algorithm)
            return Lease(id: id, info: info, hasher: hasher)
        } catch {
            busy.remove(id)
            throw error
        }
    }

    /// Returns a lease; its hash is kept for the data's `state` (nil: unknown, forget it).
    func release(_ lease: Lease, state: UploadState?) {
        busy.remove(lease.id)
        if let state, state.size == lease.hasher.count {
            hashers[lease.id] = (lease.hasher, state.version)
        } else {
            hashers[lease.id] = nil
        }
    }

    /// Removes a session and its data.
    func remove(_ id: String) async throws {
        hashers[id] = nil
        busy.remove(id)
        try await driver.removeUpload(id)
    }
}

/// Runs blocking file work off the cooperative pool.
enum Blocking {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}

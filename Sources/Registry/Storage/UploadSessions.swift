import Foundation
import NIOCore
import NIOPosix
import OCI
import RegistryMetadata

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Blob upload sessions. Their data is in the storage driver, which keeps it across restarts (and,
/// on shared storage, across replicas); an in-memory running hash per session means finishing an
/// upload does not re-read it. The hash is used only while the data's version is the one it was
/// computed for; otherwise (after a restart, an interrupted write or an append by another replica)
/// it is rebuilt from the data.
///
/// With a metadata database the session's record is there, and a request writes to a session only
/// under its lease (``MetadataStore/leaseUploadSession(_:repository:holder:now:until:)``), renewed
/// while the request runs: two replicas never append to one session at once, a session whose
/// writer was killed is free again once the lease runs out, and garbage collection leaves a held
/// session alone however old it is. Without one, a session is busy only within this process, and
/// the driver detects concurrent appends from other processes by its chunk names.
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
        /// Who holds the database's lease (nil without a database).
        var holder: String?
    }

    private let driver: any StorageDriver
    private let metadata: MetadataStore?
    /// Seconds a database lease lasts; it is renewed every third of that while its request runs.
    let leaseSeconds: Int64
    private var hashers: [String: (hasher: Digester, version: String)] = [:]
    private var busy: Set<String> = []
    private var renewals: [String: Task<Void, Never>] = [:]

    init(storage: RegistryStorage, leaseSeconds: Int64 = 30) {
        self.driver = storage.driver
        self.metadata = storage.metadata
        self.leaseSeconds = max(3, leaseSeconds)
    }

    /// Who this process is in a lease: host and process id.
    static let replica: String = {
        // gethostname, not ProcessInfo.hostName, which may wait on a name lookup.
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count - 1) == 0 ? String(cString: name) : "unknown"
        return "\(host.isEmpty ? "unknown" : host):\(getpid())"
    }()

    /// Whether `id` has the form of a session id (a UUID), so it is safe in a path.
    static func isValidID(_ id: String) -> Bool {
        id.utf8.count == 36 && UUID(uuidString: id) != nil && id == id.lowercased()
    }

    /// Starts a session for `repository`.
    func create(repository: String, algorithm: Digest.Algorithm) async throws -> String {
        let id = UUID().uuidString.lowercased()
        let info = Info(repository: repository, algorithm: algorithm, started: Date())
        try await driver.createUpload(id, info: try JSONEncoder().encode(info))
        try await metadata?.createUploadSession(
            id: id, repository: repository, algorithm: algorithm.rawValue, now: MetadataClock.now())
        hashers[id] = (Digester(algorithm: algorithm), "0")
        return id
    }

    /// Session metadata, or nil when unknown or bound to another repository.
    func info(_ id: String, repository: String) async throws -> Info? {
        guard Self.isValidID(id) else { return nil }
        if let metadata {
            if let session = try await metadata.uploadSession(id) {
                guard session.repository == repository, let algorithm = Digest.Algorithm(rawValue: session.algorithm)
                else { return nil }
                return Info(
                    repository: session.repository, algorithm: algorithm,
                    started: Date(timeIntervalSince1970: TimeInterval(session.started)))
            }
            // A session begun before the store had a database: the database takes it over.
            guard let info = try await driverInfo(id), info.repository == repository else { return nil }
            try await metadata.createUploadSession(
                id: id, repository: repository, algorithm: info.algorithm.rawValue,
                now: Int64(info.started.timeIntervalSince1970))
            return info
        }
        guard let info = try await driverInfo(id), info.repository == repository else { return nil }
        return info
    }

    private func driverInfo(_ id: String) async throws -> Info? {
        guard let data = try await driver.uploadInfo(id) else { return nil }
        return try? JSONDecoder().decode(Info.self, from: data)
    }

    /// Bytes received so far.
    func size(_ id: String) async throws -> Int64? {
        guard Self.isValidID(id) else { return nil }
        return try await driver.uploadState(id)?.size
    }

    /// Checks out a session for writing, its running hash matching the data. Returns nil if another
    /// request (of this process, or with a database of any replica) writes to it.
    func lease(_ id: String, repository: String) async throws -> Lease? {
        guard let info = try await info(id, repository: repository) else {
            throw RegistryError.uploadUnknown(id)
        }
        guard !busy.contains(id) else { return nil }
        var holder: String?
        if let metadata {
            let candidate = Self.replica + "/" + UUID().uuidString.lowercased()
            let now = MetadataClock.now()
            switch try await metadata.leaseUploadSession(
                id, repository: repository, holder: candidate, now: now, until: now + leaseSeconds)
            {
            case .unknown: throw RegistryError.uploadUnknown(id)
            case .busy: return nil
            case .taken: holder = candidate
            }
            // The actor may have run another request's lease meanwhile.
            guard !busy.contains(id) else {
                try? await metadata.releaseUploadSession(id, holder: candidate, received: nil, now: now)
                return nil
            }
            renewals[id] = Self.renewing(id, holder: candidate, metadata: metadata, seconds: leaseSeconds)
        }
        busy.insert(id)
        do {
            guard let state = try await driver.uploadState(id) else { throw RegistryError.uploadUnknown(id) }
            if let cached = hashers[id], cached.version == state.version, cached.hasher.count == state.size,
                cached.hasher.algorithm == info.algorithm
            {
                return Lease(id: id, info: info, hasher: cached.hasher, holder: holder)
            }
            hashers[id] = nil
            let hasher = try await driver.hashUpload(id, algorithm: info.algorithm)
            return Lease(id: id, info: info, hasher: hasher, holder: holder)
        } catch {
            await endLease(id, holder: holder, received: nil)
            throw error
        }
    }

    /// Renews a database lease every third of its length until cancelled.
    private static func renewing(_ id: String, holder: String, metadata: MetadataStore, seconds: Int64)
        -> Task<Void, Never>
    {
        Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(Double(seconds) / 3))
                guard !Task.isCancelled else { return }
                // Not cancelled with the loop: a renewal once begun runs to its end.
                _ = await Task.detached {
                    try? await metadata.renewUploadSession(id, holder: holder, until: MetadataClock.now() + seconds)
                }.value
            }
        }
    }

    private func endLease(_ id: String, holder: String?, received: Int64?) async {
        busy.remove(id)
        renewals.removeValue(forKey: id)?.cancel()
        if let holder, let metadata {
            // A lease that cannot be ended here runs out by itself.
            try? await metadata.releaseUploadSession(id, holder: holder, received: received, now: MetadataClock.now())
        }
    }

    /// Returns a lease; its hash is kept for the data's `state` (nil: unknown, forget it).
    func release(_ lease: Lease, state: UploadState?) async {
        if let state, state.size == lease.hasher.count {
            hashers[lease.id] = (lease.hasher, state.version)
        } else {
            hashers[lease.id] = nil
        }
        await endLease(lease.id, holder: lease.holder, received: state?.size)
    }

    /// Removes a session and its data.
    func remove(_ id: String) async throws {
        hashers[id] = nil
        busy.remove(id)
        renewals.removeValue(forKey: id)?.cancel()
        try await driver.removeUpload(id)
        try await metadata?.removeUploadSession(id)
    }
}

/// Runs blocking file work off the cooperative pool.
enum Blocking {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}

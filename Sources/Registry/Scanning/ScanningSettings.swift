import Foundation

/// The `scanning` section of `registry.yaml`: scan on push with `berth scan`'s engine.
public struct ScanningSettings: Sendable, Codable, Equatable {
    /// The vulnerability database `berth db import` writes; scanning is off without one.
    public var database: String?
    /// Scans run at the same time.
    public var workers: Int = 2
    /// Scans waiting beyond those running; a push that finds the queue full is recorded as a
    /// failed scan and picked up again by the next database check.
    public var queueCapacity: Int = 256
    /// How often the database file is checked for a new import (which rescans every image).
    public var databasePollSeconds: Int = 30

    public init() {}

    enum CodingKeys: String, CodingKey { case database, workers, queueCapacity, databasePollSeconds }

    public init(from decoder: any Decoder) throws {
        let defaults = ScanningSettings()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        database = try c.decodeIfPresent(String.self, forKey: .database)
        workers = try c.decodeIfPresent(Int.self, forKey: .workers) ?? defaults.workers
        queueCapacity = try c.decodeIfPresent(Int.self, forKey: .queueCapacity) ?? defaults.queueCapacity
        databasePollSeconds =
            try c.decodeIfPresent(Int.self, forKey: .databasePollSeconds) ?? defaults.databasePollSeconds
    }

    /// Whether scan on push is configured.
    public var enabled: Bool { database.map { !$0.isEmpty } ?? false }

    func validate() throws {
        guard (1...64).contains(workers) else {
            throw RegistryConfigurationError.invalid(path: "scanning.workers", reason: "must be between 1 and 64")
        }
        guard (1...100_000).contains(queueCapacity) else {
            throw RegistryConfigurationError.invalid(
                path: "scanning.queueCapacity", reason: "must be between 1 and 100000")
        }
        guard databasePollSeconds >= 1 else {
            throw RegistryConfigurationError.invalid(path: "scanning.databasePollSeconds", reason: "must be positive")
        }
    }
}

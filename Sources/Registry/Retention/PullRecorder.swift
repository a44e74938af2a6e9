import Foundation
import NIOConcurrencyHelpers
import OCI
import RegistryMetadata

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Last-pull times of manifests, for retention's "pulled in the last D days" rule.
///
/// On a single node each manifest digest has an empty marker file
/// `<root>/state/pulls/<alg>/<hex>` whose modification time is the last pull; with a metadata
/// database the time is a row of its `pulls` table, so every replica's pulls count. A pull writes
/// the time at most once per `interval` per digest: an in-memory map remembers when each digest
/// was last written, and a digest not in the map is first compared with its marker's time. So a
/// busy tag costs one `stat` (or nothing) and no write per pull, and a restart loses nothing older
/// than `interval`.
public final class PullRecorder: Sendable {
    public let directory: String
    /// The metadata database, when the times are there.
    public let metadata: MetadataStore?
    /// The finest resolution of the recorded times.
    public let interval: TimeInterval
    private let recent = NIOLockedValueBox<[OCI.Digest: TimeInterval]>([:])
    /// The map is cleared when it grows past this many digests (it only saves writes).
    private let capacity = 100_000

    public init(root: String, interval: TimeInterval = 60) {
        directory = root + "/state/pulls"
        self.interval = interval
        self.metadata = nil
    }

    /// The times of `storage`: in its metadata database when it has one.
    public init(storage: RegistryStorage, interval: TimeInterval = 60) {
        directory = storage.root + "/state/pulls"
        self.interval = interval
        self.metadata = storage.metadata
    }

    func path(_ digest: OCI.Digest) -> String {
        "\(directory)/\(digest.algorithm.rawValue)/\(digest.encoded)"
    }

    /// Notes a pull of `digest` at `now`. Never throws: a time that cannot be written only makes
    /// the image look less recently pulled.
    public func record(_ digest: OCI.Digest, now: Date = Date()) async {
        let time = now.timeIntervalSince1970
        let due = recent.withLockedValue { map -> Bool in
            if let last = map[digest], time - last < interval { return false }
            return true
        }
        guard due else { return }
        if let metadata {
            do {
                try await metadata.recordPull(digest: digest.description, at: Int64(time.rounded(.down)))
                remember(digest, time)
            } catch {
                FileHandle.standardError.write(Data("registry: pull of \(digest) not recorded: \(error)\n".utf8))
            }
            return
        }
        let marker = path(digest)
        if let existing = POSIXFile.modificationTime(marker), time - existing < interval {
            remember(digest, existing)
            return
        }
        if !POSIXFile.exists(marker) {
            try? POSIXFile.makeDirectory((marker as NSString).deletingLastPathComponent)
            let fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            if fd >= 0 { close(fd) }
        }
        var times = [timespec](repeating: timespec(tv_sec: Int(time), tv_nsec: 0), count: 2)
        _ = utimensat(AT_FDCWD, marker, &times, 0)
        remember(digest, time)
    }

    private func remember(_ digest: OCI.Digest, _ time: TimeInterval) {
        recent.withLockedValue { map in
            if map.count >= capacity { map.removeAll(keepingCapacity: true) }
            map[digest] = time
        }
    }

    /// When `digest` was last pulled, or nil when no pull was ever recorded.
    public func lastPull(_ digest: OCI.Digest) async throws -> Date? {
        if let metadata {
            return try await metadata.lastPull(digest: digest.description).map {
                Date(timeIntervalSince1970: TimeInterval($0))
            }
        }
        return POSIXFile.modificationTime(path(digest)).map { Date(timeIntervalSince1970: $0) }
    }
}

import AsyncHTTPClient
import Foundation
import NIOCore
import OCI
import ObjectStore

/// Content on an S3-compatible object store: the driver several registry processes share.
///
/// Each path is an object key under the location's prefix. `write` is one PUT, which S3 makes
/// visible whole or not at all. Directories are key prefixes, listed with a `/` delimiter.
/// `touch` cannot change an object's time, so it writes an empty marker under `touched/`; garbage
/// collection takes the later of the two (``lastUsed(_:)``).
///
/// An upload session is `uploads/<id>/info.json` plus one object per appended chunk,
/// `uploads/<id>/chunks/<offset>-<random>`: a chunk appears only once its request body arrived
/// whole (a large one as a multipart upload of ``partSize`` parts, so memory stays bounded), so a
/// crash or a failed request leaves the session as it was. Any replica can carry on a session: its
/// size and version come from the chunk listing. Publishing a blob copies the chunk inside the
/// store (several chunks are joined in a multipart upload, server-side where parts are large).
public struct ObjectStoreDriver: StorageDriver {
    public let client: S3Client
    /// Bytes held in memory per upload before a part is sent (S3 wants parts of at least 5 MiB).
    public var partSize: Int = 8 << 20
    /// Parts below this size cannot be joined server-side.
    static let minimumPart: Int64 = 5 << 20

    public init(client: S3Client) {
        self.client = client
    }

    /// A driver for the `s3://` location `text`, with credentials from `environment`.
    public init(location text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let location = try ObjectStoreLocation(parsing: text, environment: environment)
        self.init(
            client: S3Client(
                location: location, credentials: try AWSCredentials.lookup(environment: environment),
                httpClient: Self.httpClient))
    }

    /// The registry's connections to object stores, for the life of the process. Unlike
    /// AsyncHTTPClient's shared client (8 connections per host, and connection attempts retried
    /// until a request's deadline), it opens as many connections as requests need at once, and a
    /// store that cannot be reached fails the request after the connect timeout, so the S3
    /// client's own retries and the registry's 503 come in seconds, not minutes. Its connections
    /// read in large reads into reused buffers (`ObjectStoreConnections`).
    static let httpClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 512
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: ObjectStoreConnections.tuned(configuration))
    }()

    public var description: String { client.location.description }

    static func isMissing(_ error: any Error) -> Bool {
        if case .service(let service) = error as? ObjectStoreError { return service.status == 404 }
        return false
    }

    public func read(_ path: String) async throws -> Data? {
        do {
            return Data(buffer: try await client.get(path))
        } catch  where Self.isMissing(error) {
            return nil
        }
    }

    public func write(_ path: String, _ data: Data) async throws {
        try await client.put(path, body: .data(data))
    }

    public func stat(_ path: String) async throws -> StoredItem? {
        guard let info = try await client.head(path) else { return nil }
        return StoredItem(size: info.size, modified: info.lastModified)
    }

    public func lastUsed(_ path: String) async throws -> Date? {
        let written = try await client.head(path)?.lastModified
        let touched = try await client.head("touched/" + path)?.lastModified
        return [written, touched].compactMap { $0 }.max()
    }

    public func list(_ directory: String) async throws -> [StorageEntry] {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        var entries: [StorageEntry] = []
        var token: String?
        repeat {
            let page = try await client.list(prefix: prefix, delimiter: "/", continuationToken: token)
            for object in page.objects where object.key.count > prefix.count {
                entries.append(StorageEntry(name: String(object.key.dropFirst(prefix.count)), isDirectory: false))
            }
            for common in page.commonPrefixes where common.count > prefix.count {
                var name = String(common.dropFirst(prefix.count))
                if name.hasSuffix("/") { name.removeLast() }
                if !name.isEmpty { entries.append(StorageEntry(name: name, isDirectory: true)) }
            }
            token = page.continuationToken
        } while token != nil
        return entries.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    @discardableResult
    public func delete(_ path: String) async throws -> Bool {
        guard try await client.head(path) != nil else { return false }
        try await client.delete(path)
        try await client.delete("touched/" + path)
        return true
    }

    public func deleteTree(_ directory: String) async throws {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        for object in try await client.listAll(prefix: prefix) { try await client.delete(object.key) }
    }

    public func touch(_ path: String) async throws {
        try await client.put("touched/" + path, body: .data(Data()))
    }

    public func stream(_ path: String, range: ClosedRange<Int64>, to handler: (ByteBuffer) async throws -> Void)
        async throws
    {
        try await client.get(path, range: range) { try await handler($0) }
    }

    public func localFile(_ path: String) -> String? { nil }

    public func temporaryURL(_ path: String, expires: Int) throws -> String? {
        try client.presignedURL(for: path, expires: expires)
    }

    // MARK: Upload sessions

    func uploadKey(_ id: String) -> String { "uploads/\(id)" }

    /// One stored chunk of a session.
    struct Chunk {
        var key: String
        var offset: Int64
        var size: Int64
        var modified: Date?
    }

    /// The session's chunks in order; throws when they do not join up (two writers raced).
    func chunks(_ id: String) async throws -> [Chunk] {
        let prefix = uploadKey(id) + "/chunks/"
        var chunks: [Chunk] = []
        for object in try await client.listAll(prefix: prefix) {
            let name = object.key.dropFirst(prefix.count)
            guard let dash = name.firstIndex(of: "-"), let offset = Int64(name[..<dash]) else { continue }
            chunks.append(Chunk(key: object.key, offset: offset, size: object.size, modified: object.lastModified))
        }
        chunks.sort { $0.offset < $1.offset }
        var expected: Int64 = 0
        for chunk in chunks {
            guard chunk.offset == expected else {
                throw RegistryError(
                    .rangeNotSatisfiable, .blobUploadInvalid,
                    "the upload's stored chunks do not join up at byte \(expected): two requests appended at once; start the upload again"
                )
            }
            expected += chunk.size
        }
        return chunks
    }

    public func createUpload(_ id: String, info: Data) async throws {
        try await client.put(uploadKey(id) + "/info.json", body: .data(info))
    }

    public func uploadInfo(_ id: String) async throws -> Data? {
        try await read(uploadKey(id) + "/info.json")
    }

    public func uploadState(_ id: String) async throws -> UploadState? {
        let chunks = try await chunks(id)
        guard let last = chunks.last else {
            return try await client.head(uploadKey(id) + "/info.json") == nil ? nil : UploadState(size: 0, version: "0")
        }
        return UploadState(size: last.offset + last.size, version: last.key)
    }

    public func appendUpload<S: AsyncSequence & Sendable>(
        _ id: String, offset: Int64, body: S, limit: Int64, expectedLength: Int64?, hasher: inout Digester
    ) async throws -> UploadState where S.Element == ByteBuffer {
        guard let state = try await uploadState(id) else { throw RegistryError.uploadUnknown(id) }
        guard state.size == offset else {
            throw RegistryError(
                .rangeNotSatisfiable, .blobUploadInvalid,
                "the upload has \(state.size) bytes, not \(offset): another request appended")
        }
        let key =
            uploadKey(id) + "/chunks/" + String(format: "%020lld", offset) + "-"
            + UUID().uuidString.lowercased().prefix(8)
        let original = hasher
        var pending = ByteBuffer()
        var written: Int64 = 0
        var multipart: (id: String, parts: [UploadedPart])?
        do {
            for try await buffer in body {
                if offset + written + Int64(buffer.readableBytes) > limit { throw RegistryError.blobTooLarge(limit) }
                buffer.withUnsafeReadableBytes { hasher.update(bytes: $0) }
                written += Int64(buffer.readableBytes)
                var buffer = buffer
                pending.writeBuffer(&buffer)
                if pending.readableBytes >= partSize {
                    if multipart == nil { multipart = (try await client.createMultipartUpload(key), []) }
                    let part = pending.readSlice(length: partSize)!
                    pending.discardReadBytes()
                    multipart!.parts.append(
                        try await client.uploadPart(
                            key, uploadID: multipart!.id, partNumber: multipart!.parts.count + 1, body: .bytes(part)))
                }
            }
            if let expectedLength, expectedLength != written { throw RegistryError.chunkLengthMismatch }
            if var upload = multipart {
                if pending.readableBytes > 0 {
                    upload.parts.append(
                        try await client.uploadPart(
                            key, uploadID: upload.id, partNumber: upload.parts.count + 1, body: .bytes(pending)))
                }
                try await client.completeMultipartUpload(key, uploadID: upload.id, parts: upload.parts)
            } else if written > 0 {
                try await client.put(key, body: .bytes(pending))
            }
        } catch {
            hasher = original
            if let upload = multipart { try? await client.abortMultipartUpload(key, uploadID: upload.id) }
            throw error
        }
        guard written > 0 else { return state }
        return UploadState(size: offset + written, version: key)
    }

    public func hashUpload(_ id: String, algorithm: Digest.Algorithm) async throws -> Digester {
        var hasher = Digester(algorithm: algorithm)
        for chunk in try await chunks(id) where chunk.size > 0 {
            try await client.get(chunk.key, range: 0...(chunk.size - 1)) { buffer in
                buffer.withUnsafeReadableBytes { hasher.update(bytes: $0) }
            }
        }
        return hasher
    }

    public func commitUpload(_ id: String, to path: String) async throws {
        if try await client.head(path) != nil {
            try await touch(path)
            return
        }
        let chunks = try await chunks(id)
        if chunks.isEmpty {
            try await client.put(path, body: .data(Data()))
        } else if chunks.count == 1 {
            try await client.copy(from: chunks[0].key, to: path)
        } else {
            try await join(chunks, into: path)
        }
    }

    /// Joins several chunks into one object with a multipart upload: chunks of at least 5 MiB that
    /// start a part are copied inside the store; smaller ones are read and sent on in parts.
    func join(_ chunks: [Chunk], into path: String) async throws {
        let uploadID = try await client.createMultipartUpload(path)
        do {
            var parts: [UploadedPart] = []
            var pending = ByteBuffer()
            func flush() async throws {
                guard pending.readableBytes > 0 else { return }
                parts.append(
                    try await client.uploadPart(
                        path, uploadID: uploadID, partNumber: parts.count + 1, body: .bytes(pending)))
                pending = ByteBuffer()
            }
            for chunk in chunks where chunk.size > 0 {
                if pending.readableBytes == 0 && chunk.size >= Self.minimumPart {
                    parts.append(
                        try await client.uploadPartCopy(
                            path, uploadID: uploadID, partNumber: parts.count + 1, source: chunk.key))
                    continue
                }
                try await client.get(chunk.key, range: 0...(chunk.size - 1)) { buffer in
                    var buffer = buffer
                    pending.writeBuffer(&buffer)
                    if pending.readableBytes >= partSize { try await flush() }
                }
            }
            try await flush()
            try await client.completeMultipartUpload(path, uploadID: uploadID, parts: parts)
        } catch {
            try? await client.abortMultipartUpload(path, uploadID: uploadID)
            throw error
        }
    }

    public func removeUpload(_ id: String) async throws {
        try await deleteTree(uploadKey(id))
    }

    public func uploads() async throws -> [(id: String, modified: Date?)] {
        var result: [(id: String, modified: Date?)] = []
        for entry in try await list("uploads") where entry.isDirectory {
            let objects = try await client.listAll(prefix: uploadKey(entry.name) + "/")
            result.append((entry.name, objects.compactMap(\.lastModified).max()))
        }
        return result
    }
}

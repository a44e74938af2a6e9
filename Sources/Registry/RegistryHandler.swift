import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OCI

/// The OCI distribution API: routes parsed requests to storage, enforcing the spec's rules.
public struct RegistryHandler: Sendable {
    let storage: RegistryStorage
    let uploads: UploadSessions
    let configuration: RegistryConfiguration
    let policy: PolicyEngine
    let audit: AuditLog

    init(storage: RegistryStorage, configuration: RegistryConfiguration, policy: PolicyEngine, audit: AuditLog) {
        self.storage = storage
        self.uploads = UploadSessions(storage: storage)
        self.configuration = configuration
        self.policy = policy
        self.audit = audit
    }

    /// Answers one API request.
    func handle(route: Route, request: Request, context: RegistryRequestContext) async throws -> Response {
        let method = request.method
        switch route {
        case .base:
            guard method == .get || method == .head else { throw methodNotAllowed() }
            return json(Data("{}".utf8), request: request)
        case .catalog:
            guard method == .get else { throw methodNotAllowed() }
            return try catalog(request: request, context: context)
        case .tags(let name):
            guard method == .get else { throw methodNotAllowed() }
            return try tags(name: name, request: request)
        case .manifest(let name, let reference):
            switch method {
            case .get, .head:
                return try await getManifest(name: name, reference: reference, request: request, context: context)
            case .put:
                return try await putManifest(name: name, reference: reference, request: request, context: context)
            case .delete: return try await deleteManifest(name: name, reference: reference, context: context)
            default: throw methodNotAllowed()
            }
        case .blob(let name, let digest):
            switch method {
            case .get, .head:
                return try await getBlob(name: name, digestString: digest, request: request, context: context)
            case .delete: return try await deleteBlob(name: name, digestString: digest, context: context)
            default: throw methodNotAllowed()
            }
        case .uploads(let name):
            guard method == .post else { throw methodNotAllowed() }
            return try await startUpload(name: name, request: request, context: context)
        case .upload(let name, let id):
            switch method {
            case .patch: return try await patchUpload(name: name, id: id, request: request)
            case .put: return try await finishUpload(name: name, id: id, request: request, context: context)
            case .get: return try await uploadStatus(name: name, id: id)
            case .delete: return try await cancelUpload(name: name, id: id)
            default: throw methodNotAllowed()
            }
        case .referrers(let name, let digest):
            guard method == .get else { throw methodNotAllowed() }
            return try referrers(name: name, digestString: digest, request: request)
        }
    }

    // MARK: Helpers

    func methodNotAllowed() -> RegistryError {
        RegistryError(.methodNotAllowed, .unsupported, "the operation is unsupported")
    }

    func parseDigest(_ string: String) throws(RegistryError) -> Digest {
        do {
            return try Digest(parsing: string)
        } catch {
            throw RegistryError(error)
        }
    }

    func json(_ data: Data, request: Request, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:])
        -> Response
    {
        var headers = extra
        headers[.contentType] = "application/json"
        headers[.contentLength] = String(data.count)
        let body: ResponseBody = request.method == .head ? .init() : .init(byteBuffer: ByteBuffer(bytes: data))
        return Response(status: status, headers: headers, body: body)
    }

    func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    /// Parses `n` (a non-negative integer, capped) and `last` for paginated lists.
    func pagination(_ request: Request) throws(RegistryError) -> (n: Int?, last: String?) {
        let parameters = request.uri.queryParameters
        var n: Int?
        if let raw = parameters.get("n") {
            guard let value = Int(raw), value >= 0 else {
                throw RegistryError(
                    .badRequest, .unsupported, "n must be a non-negative integer", detail: ["n": String(raw.prefix(40))]
                )
            }
            n = min(value, 10_000)
        }
        return (n, parameters.get("last"))
    }

    func paginate(_ all: [String], n: Int?, last: String?) -> (page: [String], more: Bool) {
        var items = all
        if let last {
            let key = Array(last.utf8)
            items = items.filter { key.lexicographicallyPrecedes(Array($0.utf8)) }
        }
        guard let n else { return (items, false) }
        return (Array(items.prefix(n)), items.count > n && n > 0)
    }

    func link(path: String, n: Int, last: String) -> String {
        let escaped =
            last.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? last
        return "<\(path)?last=\(escaped)&n=\(n)>; rel=\"next\""
    }

    // MARK: Listing

    func catalog(request: Request, context: RegistryRequestContext) throws -> Response {
        let (n, last) = try pagination(request)
        let visible = storage.repositories().filter { policy.canList(repository: $0, identity: context.identity) }
        let (page, more) = paginate(visible, n: n, last: last)
        struct Body: Encodable { let repositories: [String] }
        var headers: HTTPFields = [:]
        if more, let n, let end = page.last { headers[.link] = link(path: "/v2/_catalog", n: n, last: end) }
        return json(encode(Body(repositories: page)), request: request, headers: headers)
    }

    func tags(name: String, request: Request) throws -> Response {
        guard storage.repositoryExists(name) else { throw RegistryError.nameUnknown(name) }
        let (n, last) = try pagination(request)
        let (page, more) = paginate(storage.tags(name), n: n, last: last)
        struct Body: Encodable {
            let name: String
            let tags: [String]
        }
        var headers: HTTPFields = [:]
        if more, let n, let end = page.last { headers[.link] = link(path: "/v2/\(name)/tags/list", n: n, last: end) }
        return json(encode(Body(name: name, tags: page)), request: request, headers: headers)
    }

    // MARK: Manifests

    /// Resolves a tag or digest reference to a stored manifest.
    func resolveManifest(name: String, reference: String) throws(RegistryError) -> RegistryStorage.StoredManifest {
        if reference.contains(":") {
            let digest = try parseDigest(reference)
            guard let stored = storage.manifest(name, digest: digest) else {
                throw RegistryError.manifestUnknown(reference)
            }
            return stored
        }
        guard Tag.isValid(reference) else {
            throw RegistryError(
                .badRequest, .manifestInvalid, "invalid tag", detail: ["reference": String(reference.prefix(140))])
        }
        guard let digest = storage.resolveTag(name, reference), let stored = storage.manifest(name, digest: digest)
        else {
            throw RegistryError.manifestUnknown(reference)
        }
        return stored
    }

    func getManifest(name: String, reference: String, request: Request, context: RegistryRequestContext) async throws
        -> Response
    {
        let stored = try resolveManifest(name: name, reference: reference)
        if request.method == .get {
            try await policy.checkPull(repository: name, manifest: stored, identity: context.identity, storage: storage)
        }
        let digest = stored.digest
        let data = try await Blocking.run { POSIXFile.contents(stored.path) }
        guard let data else { throw RegistryError.manifestUnknown(reference) }
        var headers: HTTPFields = [:]
        headers[.contentType] = stored.mediaType
        headers[.contentLength] = String(data.count)
        headers[.dockerContentDigest] = digest.description
        headers[.eTag] = "\"\(digest.description)\""
        if request.method == .get {
            audit.record(
                action: "pull", identity: context.identity, repository: name, reference: reference, digest: digest,
                remote: context.remoteAddress)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        return Response(status: .ok, headers: headers, body: .init())
    }

    func putManifest(name: String, reference: String, request: Request, context: RegistryRequestContext) async throws
        -> Response
    {
        let limit = configuration.maxManifestBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw RegistryError(.contentTooLarge, .sizeInvalid, "manifest exceeds the limit of \(limit) bytes")
        }
        var tags: [String] = []
        var expected: Digest?
        if reference.contains(":") {
            expected = try parseDigest(reference)
        } else {
            do { try Tag.validate(reference) } catch { throw RegistryError(error) }
            tags.append(reference)
        }
        for tag in request.uri.queryParameters.getAll("tag") {
            do { try Tag.validate(String(tag)) } catch { throw RegistryError(error) }
            tags.append(String(tag))
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw RegistryError(.contentTooLarge, .sizeInvalid, "manifest exceeds the limit of \(limit) bytes")
        }
        let data = Data(buffer: buffer)
        let digest = Digest.of(data, algorithm: expected?.algorithm ?? .sha256)
        if let expected, expected != digest {
            throw RegistryError(
                .badRequest, .digestInvalid, "manifest digest does not match the reference",
                detail: ["expected": expected.description, "actual": digest.description])
        }
        let summary: ManifestSummary
        do {
            summary = try ManifestParser.parse(data, contentType: request.headers[.contentType])
        } catch {
            throw RegistryError(error)
        }
        try await Blocking.run { [storage, tags, policy, identity = context.identity] in
            // Under the shared lock a garbage collection cannot sweep between check and write.
            try StorageLock(root: storage.root).withLock(exclusive: false) {
                try validateReferences(name: name, summary: summary)
                try policy.checkPush(
                    repository: name, tags: tags, digest: digest, storage: storage, incomingBytes: Int64(data.count),
                    identity: identity)
                try storage.putManifest(name, data: data, digest: digest, summary: summary, tags: tags)
            }
        }
        audit.record(
            action: "push", identity: context.identity, repository: name, reference: reference, digest: digest,
            remote: context.remoteAddress)
        var headers: HTTPFields = [:]
        headers[.location] = "/v2/\(name)/manifests/\(digest)"
        headers[.dockerContentDigest] = digest.description
        headers[.contentLength] = "0"
        if let subject = summary.subject { headers[.ociSubject] = subject.digest.description }
        return Response(status: .created, headers: headers, body: .init())
    }

    /// Every blob and child manifest a manifest names must be in the repository (subject excepted).
    func validateReferences(name: String, summary: ManifestSummary) throws(RegistryError) {
        for descriptor in summary.requiredBlobs {
            POSIXFile.touch(storage.blobPath(descriptor.digest))
            guard storage.repositoryHasBlob(name, descriptor.digest) else {
                throw RegistryError(
                    .badRequest, .manifestBlobUnknown, "blob unknown to registry",
                    detail: ["digest": descriptor.digest.description])
            }
            if let size = storage.blobSize(descriptor.digest), size != descriptor.size {
                throw RegistryError(
                    .badRequest, .manifestInvalid, "descriptor size does not match the blob",
                    detail: ["digest": descriptor.digest.description, "size": String(size)])
            }
        }
        for child in summary.manifests {
            guard storage.manifest(name, digest: child.digest) != nil else {
                throw RegistryError(
                    .badRequest, .manifestBlobUnknown, "manifest unknown to repository",
                    detail: ["digest": child.digest.description])
            }
        }
    }

    func deleteManifest(name: String, reference: String, context: RegistryRequestContext) async throws -> Response {
        guard configuration.deleteEnabled else { throw RegistryError.unsupported("deletes are disabled") }
        if reference.contains(":") {
            let digest = try parseDigest(reference)
            try policy.checkDelete(repository: name, digest: digest, storage: storage)
            let removed = try await Blocking.run { [storage] in try storage.deleteManifest(name, digest: digest) }
            guard removed else { throw RegistryError.manifestUnknown(reference) }
        } else {
            guard Tag.isValid(reference) else { throw RegistryError.manifestUnknown(reference) }
            try policy.checkTagDelete(repository: name, tag: reference)
            let removed = try await Blocking.run { [storage] in try storage.deleteTag(name, reference) }
            guard removed else { throw RegistryError.manifestUnknown(reference) }
        }
        audit.record(
            action: "delete", identity: context.identity, repository: name, reference: reference, digest: nil,
            remote: context.remoteAddress)
        return Response(status: .accepted, headers: [.contentLength: "0"], body: .init())
    }

    // MARK: Blobs

    func getBlob(name: String, digestString: String, request: Request, context: RegistryRequestContext) async throws
        -> Response
    {
        let digest = try parseDigest(digestString)
        guard storage.repositoryHasBlob(name, digest), let size = storage.blobSize(digest) else {
            throw RegistryError.blobUnknown(digest)
        }
        var headers: HTTPFields = [:]
        headers[.dockerContentDigest] = digest.description
        headers[.contentType] = "application/octet-stream"
        headers[.acceptRanges] = "bytes"
        headers[.eTag] = "\"\(digest.description)\""
        var range: ClosedRange<Int64>?
        if let header = request.headers[.range] {
            guard let parsed = ByteRange.parse(header, size: size) else {
                headers[.contentRange] = "bytes */\(size)"
                throw RegistryError(
                    .rangeNotSatisfiable, .blobUnknown, "requested range not satisfiable", headers: headers)
            }
            range = parsed
        }
        let status: HTTPResponse.Status = range == nil ? .ok : .partialContent
        let effective = range ?? (0...max(0, size - 1))
        let length = size == 0 ? 0 : effective.upperBound - effective.lowerBound + 1
        headers[.contentLength] = String(length)
        if let range { headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)" }
        guard request.method == .get, length > 0 else {
            return Response(status: status, headers: headers, body: .init())
        }
        if let channel = context.sendfileChannel, Sendfile.reserve(on: channel) {
            headers[Sendfile.field] = Sendfile.value(path: storage.blobPath(digest), range: effective)
            return Response(status: status, headers: headers, body: .init())
        }
        let body = BlobReader.body(
            path: storage.blobPath(digest), range: effective, reservedOn: context.sendfileChannel)
        return Response(status: status, headers: headers, body: body)
    }

    func deleteBlob(name: String, digestString: String, context: RegistryRequestContext) async throws -> Response {
        guard configuration.deleteEnabled else { throw RegistryError.unsupported("deletes are disabled") }
        let digest = try parseDigest(digestString)
        let removed = try await Blocking.run { [storage] in try storage.unlinkBlob(name, digest) }
        guard removed else { throw RegistryError.blobUnknown(digest) }
        audit.record(
            action: "delete", identity: context.identity, repository: name, reference: nil, digest: digest,
            remote: context.remoteAddress)
        return Response(
            status: .accepted, headers: [.contentLength: "0", .dockerContentDigest: digest.description], body: .init())
    }

    // MARK: Uploads

    func uploadLocation(_ name: String, _ id: String) -> String { "/v2/\(name)/blobs/uploads/\(id)" }

    func uploadHeaders(_ name: String, _ id: String, size: Int64) -> HTTPFields {
        var headers: HTTPFields = [:]
        headers[.location] = uploadLocation(name, id)
        headers[.range] = "0-\(max(0, size - 1))"
        headers[.dockerUploadUUID] = id
        headers[.contentLength] = "0"
        return headers
    }

    func blobCreated(_ name: String, _ digest: Digest) -> Response {
        var headers: HTTPFields = [:]
        headers[.location] = "/v2/\(name)/blobs/\(digest)"
        headers[.dockerContentDigest] = digest.description
        headers[.contentLength] = "0"
        return Response(status: .created, headers: headers, body: .init())
    }

    func startUpload(name: String, request: Request, context: RegistryRequestContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        if let mount = parameters.get("mount") {
            if let digest = try? Digest(parsing: mount) {
                let from = parameters.get("from")
                var source: String?
                if let from, RepositoryName.isValid(from), storage.repositoryHasBlob(from, digest),
                    policy.canPull(repository: from, identity: context.identity)
                {
                    source = from
                }
                if source != nil || (from == nil && policy.allowsAnonymousMount && storage.blobSize(digest) != nil) {
                    try policy.checkQuota(repository: name, adding: digest, storage: storage)
                    try await Blocking.run { [storage] in
                        try StorageLock(root: storage.root).withLock(exclusive: false) {
                            try storage.linkBlob(name, digest)
                        }
                    }
                    return blobCreated(name, digest)
                }
            }
            // Not mountable: fall through to an ordinary upload session (202).
        }
        var algorithm = Digest.Algorithm.sha256
        if let requested = parameters.get("digest-algorithm") {
            guard let known = Digest.Algorithm(rawValue: requested) else {
                throw RegistryError(
                    .badRequest, .digestInvalid, "unsupported digest algorithm",
                    detail: ["algorithm": String(requested.prefix(40))])
            }
            algorithm = known
        }
        var single: Digest?
        if let value = parameters.get("digest") {
            single = try parseDigest(value)
            algorithm = single!.algorithm
        }
        let id = try await uploads.create(repository: name, algorithm: algorithm)
        if let single {
            // Single-POST monolithic upload: the body is the blob.
            return try await completeUpload(name: name, id: id, digest: single, request: request, context: context)
        }
        var headers = uploadHeaders(name, id, size: 0)
        headers[.range] = "0-0"
        return Response(status: .accepted, headers: headers, body: .init())
    }

    /// Parses `Content-Range` as `start-end` (spec) or `bytes start-end/total`.
    func contentRange(_ request: Request) throws(RegistryError) -> (start: Int64, end: Int64)? {
        guard var value = request.headers[.contentRange] else { return nil }
        if value.hasPrefix("bytes ") { value.removeFirst(6) }
        if let slash = value.firstIndex(of: "/") { value = String(value[..<slash]) }
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Int64(parts[0]), let end = Int64(parts[1]), start >= 0, end >= start - 1
        else {
            throw RegistryError(
                .rangeNotSatisfiable, .blobUploadInvalid, "invalid Content-Range",
                detail: ["Content-Range": String(value.prefix(80))])
        }
        return (start, end)
    }

    /// Checks out a session and makes its running hash match the file.
    func lease(name: String, id: String) async throws -> UploadSessions.Lease {
        guard let lease = try await uploads.lease(id, repository: name) else {
            let size = await uploads.size(id) ?? 0
            var headers = uploadHeaders(name, id, size: size)
            headers[.contentLength] = nil
            throw RegistryError(
                .rangeNotSatisfiable, .blobUploadInvalid, "upload session is busy with another request",
                headers: headers)
        }
        var result = lease
        if let size = POSIXFile.size(lease.dataPath), size != lease.hasher.count {
            let path = lease.dataPath
            let algorithm = lease.info.algorithm
            do {
                result.hasher = try await Blocking.run { try POSIXFile.hasher(for: path, algorithm: algorithm) }
            } catch {
                await uploads.release(lease, hasherValid: false)
                throw error
            }
        }
        return result
    }

    func patchUpload(name: String, id: String, request: Request) async throws -> Response {
        var session = try await lease(name: name, id: id)
        do {
            let current = session.hasher.count
            if let range = try contentRange(request) {
                guard range.start == current else {
                    var headers = uploadHeaders(name, id, size: current)
                    headers[.contentLength] = nil
                    throw RegistryError(
                        .rangeNotSatisfiable, .blobUploadInvalid, "chunk out of order: the upload has \(current) bytes",
                        detail: ["expectedStart": String(current)], headers: headers)
                }
            }
            var appender = BodyAppender(
                hasher: session.hasher, path: session.dataPath, limit: configuration.maxBlobBytes)
            let written = try await appender.append(request.body)
            session.hasher = appender.hasher
            if let range = try contentRange(request), range.end - range.start + 1 != written {
                _ = truncate(session.dataPath, off_t(current))
                session.hasher = try await Blocking.run {
                    [path = session.dataPath, algorithm = session.info.algorithm] in
                    try POSIXFile.hasher(for: path, algorithm: algorithm)
                }
                throw RegistryError(.badRequest, .blobUploadInvalid, "chunk length does not match Content-Range")
            }
        } catch {
            // Every failure above leaves the file and the running hash consistent with each other.
            await uploads.release(session, hasherValid: true)
            throw error
        }
        await uploads.release(session, hasherValid: true)
        return Response(status: .accepted, headers: uploadHeaders(name, id, size: session.hasher.count), body: .init())
    }

    func finishUpload(name: String, id: String, request: Request, context: RegistryRequestContext) async throws
        -> Response
    {
        guard let value = request.uri.queryParameters.get("digest") else {
            throw RegistryError(.badRequest, .digestInvalid, "the digest parameter is required to close an upload")
        }
        let digest = try parseDigest(value)
        return try await completeUpload(name: name, id: id, digest: digest, request: request, context: context)
    }

    /// Appends the request body as the last chunk, verifies the digest and publishes the blob.
    func completeUpload(name: String, id: String, digest: Digest, request: Request, context: RegistryRequestContext)
        async throws -> Response
    {
        var session = try await lease(name: name, id: id)
        do {
            let current = session.hasher.count
            if let range = try contentRange(request), range.start != current {
                var headers = uploadHeaders(name, id, size: current)
                headers[.contentLength] = nil
                throw RegistryError(
                    .rangeNotSatisfiable, .blobUploadInvalid, "chunk out of order: the upload has \(current) bytes",
                    headers: headers)
            }
            var appender = BodyAppender(
                hasher: session.hasher, path: session.dataPath, limit: configuration.maxBlobBytes)
            _ = try await appender.append(request.body)
            session.hasher = appender.hasher
            var actual = session.hasher.finalize()
            if digest.algorithm != session.hasher.algorithm {
                actual = try await Blocking.run { [path = session.dataPath] in
                    try POSIXFile.hasher(for: path, algorithm: digest.algorithm).finalize()
                }
            }
            guard actual == digest else {
                throw RegistryError(
                    .badRequest, .digestInvalid, "provided digest did not match uploaded content",
                    detail: ["expected": digest.description, "actual": actual.description])
            }
            try policy.checkQuota(
                repository: name, adding: digest, incomingBytes: session.hasher.count, storage: storage)
            try await Blocking.run { [storage, path = session.dataPath] in
                try POSIXFile.syncFile(path)
                try StorageLock(root: storage.root).withLock(exclusive: false) {
                    try storage.commitBlob(from: path, digest: digest)
                    try storage.linkBlob(name, digest)
                }
            }
        } catch {
            await uploads.release(session, hasherValid: true)
            throw error
        }
        await uploads.remove(id)
        audit.record(
            action: "push", identity: context.identity, repository: name, reference: nil, digest: digest,
            remote: context.remoteAddress)
        return blobCreated(name, digest)
    }

    func uploadStatus(name: String, id: String) async throws -> Response {
        guard await uploads.info(id, repository: name) != nil, let size = await uploads.size(id) else {
            throw RegistryError.uploadUnknown(id)
        }
        return Response(status: .noContent, headers: uploadHeaders(name, id, size: size), body: .init())
    }

    func cancelUpload(name: String, id: String) async throws -> Response {
        guard await uploads.info(id, repository: name) != nil else { throw RegistryError.uploadUnknown(id) }
        await uploads.remove(id)
        return Response(status: .noContent, headers: [.contentLength: "0"], body: .init())
    }

    // MARK: Referrers

    func referrers(name: String, digestString: String, request: Request) throws -> Response {
        let subject = try parseDigest(digestString)
        var descriptors = storage.referrers(name, subject: subject)
        // Manifests listed under the fallback tag schema (`<alg>-<hex>`) count too.
        if let fallback = storage.resolveTag(name, subject.tagForm),
            let stored = storage.manifest(name, digest: fallback),
            MediaType.isIndex(stored.mediaType), let data = POSIXFile.contents(stored.path),
            let index = try? ManifestParser.parse(data, contentType: stored.mediaType)
        {
            let known = Set(descriptors.map(\.digest))
            descriptors += index.manifests.filter { !known.contains($0.digest) }
        }
        var headers: HTTPFields = [:]
        if let filter = request.uri.queryParameters.get("artifactType") {
            descriptors = descriptors.filter { $0.artifactType == filter }
            headers[.ociFiltersApplied] = "artifactType"
        }
        descriptors.sort { $0.digest < $1.digest }
        struct Index: Encodable {
            let schemaVersion = 2
            let mediaType = MediaType.ociIndex
            let manifests: [Descriptor]
        }
        var response = json(encode(Index(manifests: descriptors)), request: request, headers: headers)
        response.headers[.contentType] = MediaType.ociIndex
        return response
    }
}

/// A single HTTP byte range (RFC 9110), resolved against a size.
enum ByteRange {
    static func parse(_ header: String, size: Int64) -> ClosedRange<Int64>? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(",") else { return nil }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        if parts[0].isEmpty {
            guard let suffix = Int64(parts[1]), suffix > 0 else { return nil }
            return max(0, size - suffix)...(size - 1)
        }
        guard let start = Int64(parts[0]), start >= 0, start < size else { return nil }
        if parts[1].isEmpty { return start...(size - 1) }
        guard let end = Int64(parts[1]), end >= start else { return nil }
        return start...min(end, size - 1)
    }
}

/// Streams part of a file as a response body with one reusable chunk buffer per download.
///
/// Each chunk is read on the thread pool only after the previous one was handed to the
/// connection. The buffer is reused in place once the connection has released it (ByteBuffer is
/// copy-on-write, so a buffer still being sent is copied instead of overwritten), so a download
/// neither buffers the blob nor churns the allocator.
enum BlobReader {
    static let chunkSize = 1024 * 1024

    /// Owns the chunk buffer while the thread pool fills it; never used by two threads at once.
    final class Chunk: @unchecked Sendable {
        var buffer: ByteBuffer
        init(capacity: Int) { buffer = ByteBufferAllocator().buffer(capacity: capacity) }
    }

    /// `reservedOn`: the connection whose reservation in `Sendfile.load` this body claims (a body
    /// on a sendfile-capable connection that took this path), or nil to count it from its start.
    static func body(path: String, range: ClosedRange<Int64>, reservedOn channel: ObjectIdentifier? = nil)
        -> ResponseBody
    {
        let length = Int(range.upperBound - range.lowerBound + 1)
        return ResponseBody(contentLength: length) { writer in
            Sendfile.load.withLockedValue { load in
                if let channel { load.claim(channel) } else { load.start() }
            }
            defer { Sendfile.load.withLockedValue { $0.finish() } }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw StorageError.io(path: path, reason: POSIXFile.errorText()) }
            defer { close(fd) }
            let chunk = Chunk(capacity: min(chunkSize, length))
            var offset = range.lowerBound
            while offset <= range.upperBound {
                let want = Int(min(Int64(chunkSize), range.upperBound - offset + 1))
                let start = offset
                try await Blocking.run {
                    chunk.buffer.clear()
                    let count = try chunk.buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { pointer in
                        while true {
                            let count = pread(fd, pointer.baseAddress, want, off_t(start))
                            if count >= 0 { return count }
                            if errno != EINTR { throw StorageError.io(path: path, reason: POSIXFile.errorText()) }
                        }
                    }
                    guard count > 0 else {
                        throw StorageError.corrupt(path: path, reason: "file ended before its recorded size")
                    }
                }
                offset += Int64(chunk.buffer.readableBytes)
                try await writer.write(chunk.buffer)
            }
            try await writer.finish(nil)
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OCI

/// Manifests: get, put (validated), delete.
extension RegistryHandler {
    /// Resolves a tag or digest reference to a stored manifest.
    ///
    /// A reference that is neither a valid tag nor a valid digest names nothing, so it answers 404
    /// `MANIFEST_UNKNOWN`, as distribution does and the OCI conformance suite expects of
    /// `GET /v2/<name>/manifests/.INVALID_MANIFEST_NAME`. Only a PUT judges the reference's syntax.
    func resolveManifest(name: String, reference: String) async throws -> RegistryStorage.StoredManifest {
        let shown = String(reference.prefix(140))
        if reference.contains(":") {
            guard let digest = try? Digest(parsing: reference),
                let stored = try await storage.manifest(name, digest: digest)
            else {
                throw RegistryError.manifestUnknown(shown)
            }
            return stored
        }
        guard Tag.isValid(reference), let digest = try await storage.resolveTag(name, reference),
            let stored = try await storage.manifest(name, digest: digest)
        else {
            throw RegistryError.manifestUnknown(shown)
        }
        return stored
    }

    func getManifest(name: String, reference: String, request: Request, context: RegistryRequestContext) async throws
        -> Response
    {
        let stored = try await resolveManifest(name: name, reference: reference)
        if request.method == .get {
            try await policy.checkPull(repository: name, manifest: stored, identity: context.identity, storage: storage)
        }
        let digest = stored.digest
        guard let data = try await storage.blobContent(stored.digest) else {
            throw RegistryError.manifestUnknown(reference)
        }
        var headers: HTTPFields = [:]
        headers[.contentType] = stored.mediaType
        headers[.contentLength] = String(data.count)
        headers[.dockerContentDigest] = digest.description
        headers[.eTag] = "\"\(digest.description)\""
        if request.method == .get {
            await audit.record(
                action: "pull", identity: context.identity, repository: name, reference: reference, digest: digest,
                remote: context.remoteAddress)
            await pulls.record(digest)
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
        // Under the shared lock a garbage collection cannot sweep between check and write; under the
        // project's lock (where it has immutable tags or a quota) no other push can either.
        let rules = try await policy.pushRules(repository: name)
        try await storage.lock.withLock(exclusive: false, serialising: rules.lock) {
            [storage, tags, policy, identity = context.identity] in
            try await validateReferences(name: name, summary: summary)
            try await policy.checkPush(
                repository: name, tags: tags, digest: digest, storage: storage, incomingBytes: Int64(data.count),
                identity: identity, rules: rules)
            try await storage.putManifest(name, data: data, digest: digest, summary: summary, tags: tags)
        }
        await audit.record(
            action: "push", identity: context.identity, repository: name, reference: reference, digest: digest,
            remote: context.remoteAddress)
        await webhooks?.notify(
            .init(
                type: .push, operator: context.identity.name, repository: name,
                resources: (tags.isEmpty ? [nil] : tags.map { Optional($0) }).map { tag in
                    .init(
                        digest: digest.description, tag: tag,
                        resourceURL: "\(webhooks?.host(request) ?? "")/\(name)"
                            + (tag.map { ":\($0)" } ?? "@\(digest)"),
                        mediaType: summary.mediaType, size: Int64(data.count))
                }))
        // Scanning runs in the background and never holds up or fails the push.
        if summary.subject == nil { await scans?.enqueue(repository: name, digest: digest) }
        var headers: HTTPFields = [:]
        headers[.location] = "/v2/\(name)/manifests/\(digest)"
        headers[.dockerContentDigest] = digest.description
        headers[.contentLength] = "0"
        if let subject = summary.subject { headers[.ociSubject] = subject.digest.description }
        return Response(status: .created, headers: headers, body: .init())
    }

    /// Every blob and child manifest a manifest names must be in the repository (subject excepted).
    func validateReferences(name: String, summary: ManifestSummary) async throws {
        try await storage.markInUse(summary.requiredBlobs.map(\.digest) + summary.manifests.map(\.digest))
        for descriptor in summary.requiredBlobs {
            guard try await storage.repositoryHasBlob(name, descriptor.digest) else {
                throw RegistryError(
                    .badRequest, .manifestBlobUnknown, "blob unknown to registry",
                    detail: ["digest": descriptor.digest.description])
            }
            try await storage.driver.touch(storage.blobPath(descriptor.digest))
            if let size = try await storage.blobSize(descriptor.digest), size != descriptor.size {
                throw RegistryError(
                    .badRequest, .manifestInvalid, "descriptor size does not match the blob",
                    detail: ["digest": descriptor.digest.description, "size": String(size)])
            }
        }
        for child in summary.manifests {
            guard try await storage.manifest(name, digest: child.digest) != nil else {
                throw RegistryError(
                    .badRequest, .manifestBlobUnknown, "manifest unknown to repository",
                    detail: ["digest": child.digest.description])
            }
        }
    }

    func deleteManifest(name: String, reference: String, request: Request, context: RegistryRequestContext)
        async throws -> Response
    {
        guard configuration.deleteEnabled else { throw RegistryError.unsupported("deletes are disabled") }
        if reference.contains(":") {
            let digest = try parseDigest(reference)
            let rules = try await policy.pushRules(repository: name)
            let removed = try await storage.lock.withLock(exclusive: false, serialising: rules.lock) {
                [storage, policy] in
                try await policy.checkDelete(repository: name, digest: digest, storage: storage, rules: rules)
                return try await storage.deleteManifest(name, digest: digest)
            }
            guard removed else { throw RegistryError.manifestUnknown(reference) }
        } else {
            guard Tag.isValid(reference) else { throw RegistryError.manifestUnknown(reference) }
            try await policy.checkTagDelete(repository: name, tag: reference)
            let removed = try await storage.deleteTag(name, reference)
            guard removed else { throw RegistryError.manifestUnknown(reference) }
        }
        await audit.record(
            action: "delete", identity: context.identity, repository: name, reference: reference, digest: nil,
            remote: context.remoteAddress)
        let isDigest = reference.contains(":")
        await webhooks?.notify(
            .init(
                type: .delete, operator: context.identity.name, repository: name,
                resources: [
                    .init(
                        digest: isDigest ? reference : nil, tag: isDigest ? nil : reference,
                        resourceURL: "\(webhooks?.host(request) ?? "")/\(name)" + (isDigest ? "@" : ":") + reference)
                ]))
        return Response(status: .accepted, headers: [.contentLength: "0"], body: .init())
    }
}

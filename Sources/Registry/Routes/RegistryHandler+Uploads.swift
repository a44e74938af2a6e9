import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OCI

/// Blob uploads: start, chunked patches, finish, status, cancel, cross-repository mounts.
extension RegistryHandler {
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
                if let from, RepositoryName.isValid(from),
                    try await policy.canPull(repository: from, identity: context.identity),
                    try await storage.repositoryHasBlob(from, digest)
                {
                    source = from
                }
                var mountable = source != nil
                if !mountable, from == nil, try await policy.allowsAnonymousMount() {
                    mountable = try await storage.blobSize(digest) != nil
                }
                if mountable {
                    let rules = try await policy.pushRules(repository: name)
                    try await storage.lock.withLock(exclusive: false, serialising: rules.lock) {
                        [storage, policy] in
                        try await policy.checkQuota(repository: name, adding: digest, storage: storage, rules: rules)
                        try await storage.linkBlob(name, digest)
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

    /// Checks out a session with its running hash matching the data.
    func lease(name: String, id: String) async throws -> UploadSessions.Lease {
        guard let lease = try await uploads.lease(id, repository: name) else {
            let size = try await uploads.size(id) ?? 0
            var headers = uploadHeaders(name, id, size: size)
            headers[.contentLength] = nil
            throw RegistryError(
                .rangeNotSatisfiable, .blobUploadInvalid, "upload session is busy with another request",
                headers: headers)
        }
        return lease
    }

    func patchUpload(name: String, id: String, request: Request) async throws -> Response {
        var session = try await lease(name: name, id: id)
        var state: UploadState?
        do {
            let current = session.hasher.count
            let range = try contentRange(request)
            if let range, range.start != current {
                var headers = uploadHeaders(name, id, size: current)
                headers[.contentLength] = nil
                throw RegistryError(
                    .rangeNotSatisfiable, .blobUploadInvalid, "chunk out of order: the upload has \(current) bytes",
                    detail: ["expectedStart": String(current)], headers: headers)
            }
            state = try await storage.driver.appendUpload(
                id, offset: current, body: request.body, limit: configuration.maxBlobBytes,
                expectedLength: range.map { $0.end - $0.start + 1 }, hasher: &session.hasher)
        } catch {
            // Every failure above leaves the data and the running hash consistent with each other.
            await uploads.release(session, state: nil)
            throw error
        }
        await uploads.release(session, state: state)
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
            _ = try await storage.driver.appendUpload(
                id, offset: current, body: request.body, limit: configuration.maxBlobBytes, expectedLength: nil,
                hasher: &session.hasher)
            var actual = session.hasher.finalize()
            if digest.algorithm != session.hasher.algorithm {
                actual = try await storage.driver.hashUpload(id, algorithm: digest.algorithm).finalize()
            }
            guard actual == digest else {
                throw RegistryError(
                    .badRequest, .digestInvalid, "provided digest did not match uploaded content",
                    detail: ["expected": digest.description, "actual": actual.description])
            }
            let size = session.hasher.count
            let rules = try await policy.pushRules(repository: name)
            try await storage.lock.withLock(exclusive: false, serialising: rules.lock) {
                [storage, policy] in
                try await policy.checkQuota(
                    repository: name, adding: digest, incomingBytes: size, storage: storage, rules: rules)
                try await storage.driver.commitUpload(id, to: storage.blobPath(digest))
                try await storage.linkBlob(name, digest, size: size)
            }
        } catch {
            await uploads.release(session, state: nil)
            throw error
        }
        try await uploads.remove(id)
        await audit.record(
            action: "push", identity: context.identity, repository: name, reference: nil, digest: digest,
            remote: context.remoteAddress)
        return blobCreated(name, digest)
    }

    func uploadStatus(name: String, id: String) async throws -> Response {
        guard try await uploads.info(id, repository: name) != nil, let size = try await uploads.size(id) else {
            throw RegistryError.uploadUnknown(id)
        }
        return Response(status: .noContent, headers: uploadHeaders(name, id, size: size), body: .init())
    }

    func cancelUpload(name: String, id: String) async throws -> Response {
        guard try await uploads.info(id, repository: name) != nil else { throw RegistryError.uploadUnknown(id) }
        try await uploads.remove(id)
        return Response(status: .noContent, headers: [.contentLength: "0"], body: .init())
    }
}

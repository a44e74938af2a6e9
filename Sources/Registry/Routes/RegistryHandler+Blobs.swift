import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OCI

/// Blobs: get (ranges, sendfile) and delete.
extension RegistryHandler {
    func getBlob(name: String, digestString: String, request: Request, context: RegistryRequestContext) async throws
        -> Response
    {
        let digest = try parseDigest(digestString)
        // A GET may take the database's word for the link (what it serves is the content itself,
        // addressed by its digest); a HEAD, which a pushing client acts on, also checks the store.
        guard let size = try await storage.linkedBlobSize(name, digest, confirm: request.method == .head) else {
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
        let path = storage.blobPath(digest)
        guard let local = storage.driver.localFile(path) else {
            if storage.redirects, let url = try storage.driver.temporaryURL(path, expires: 1200) {
                return Response(
                    status: .temporaryRedirect,
                    headers: [.location: url, .dockerContentDigest: digest.description, .contentLength: "0"],
                    body: .init())
            }
            return Response(
                status: status, headers: headers,
                body: BlobReader.body(driver: storage.driver, path: path, range: effective))
        }
        if let channel = context.sendfileChannel, Sendfile.reserve(on: channel) {
            headers[Sendfile.field] = Sendfile.value(path: local, range: effective)
            return Response(status: status, headers: headers, body: .init())
        }
        let body = BlobReader.body(path: local, range: effective, reservedOn: context.sendfileChannel)
        return Response(status: status, headers: headers, body: body)
    }

    func deleteBlob(name: String, digestString: String, context: RegistryRequestContext) async throws -> Response {
        guard configuration.deleteEnabled else { throw RegistryError.unsupported("deletes are disabled") }
        let digest = try parseDigest(digestString)
        let removed = try await storage.unlinkBlob(name, digest)
        guard removed else { throw RegistryError.blobUnknown(digest) }
        await audit.record(
            action: "delete", identity: context.identity, repository: name, reference: nil, digest: digest,
            remote: context.remoteAddress)
        return Response(
            status: .accepted, headers: [.contentLength: "0", .dockerContentDigest: digest.description], body: .init())
    }
}

import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// How failed requests are retried: bounded exponential backoff with jitter.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// The delay before the first retry; it doubles for each further one, up to `maxDelay`.
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(5)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// No retries.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The pause after failed attempt `attempt` (1-based): half the capped exponential, plus a random
    /// part up to the other half ("equal jitter"), so replicas do not retry in step.
    public func delay(after attempt: Int) -> Duration {
        let base = Double(baseDelay.components.seconds) + Double(baseDelay.components.attoseconds) / 1e18
        let cap = Double(maxDelay.components.seconds) + Double(maxDelay.components.attoseconds) / 1e18
        let exponential = min(cap, base * pow(2, Double(attempt - 1)))
        return .seconds(exponential / 2 + Double.random(in: 0...(exponential / 2)))
    }
}

/// What `head` and `get` learn about an object.
public struct ObjectInfo: Sendable, Equatable {
    /// The key, relative to the location's prefix.
    public var key: String
    /// The object's size (for a ranged read, of the whole object when the store says so).
    public var size: Int64
    /// The ETag without quotes: the MD5 of a simple upload, `MD5-of-MD5s-N` of a multipart one.
    public var etag: String
    public var contentType: String?
    public var lastModified: Date?
}

/// One object of a listing.
public struct ObjectSummary: Sendable, Equatable {
    /// The key, relative to the location's prefix.
    public var key: String
    public var size: Int64
    public var etag: String
    public var lastModified: Date?
}

/// One page of ListObjectsV2.
public struct ListPage: Sendable {
    public var objects: [ObjectSummary]
    /// With a delimiter: the "directories" under the prefix, relative to the location's prefix.
    public var commonPrefixes: [String]
    /// Present when more pages follow: pass it back to get the next one.
    public var continuationToken: String?
}

/// A part of a multipart upload, as uploaded or as listed.
public struct UploadedPart: Sendable, Equatable {
    public var partNumber: Int
    /// Without quotes.
    public var etag: String
    public var size: Int64?

    public init(partNumber: Int, etag: String, size: Int64? = nil) {
        self.partNumber = partNumber
        self.etag = etag
        self.size = size
    }
}

/// A client of one bucket (and prefix) of an S3-compatible object store.
///
/// Every request is signed with Signature Version 4. Bodies are streamed (files are read in chunks,
/// downloads handed over chunk by chunk); idempotent requests are retried on connection faults and
/// on 500, 502, 503, 504 and `SlowDown` answers, following the ``RetryPolicy``.
public struct S3Client: Sendable {
    public let location: ObjectStoreLocation
    public let credentials: AWSCredentials
    public var retry: RetryPolicy
    /// Objects larger than this are copied in parts with UploadPartCopy (S3 refuses CopyObject over 5 GiB).
    public var multipartCopyThreshold: Int64 = 5 << 30
    /// The part size of multipart uploads and copies (S3 wants at least 5 MiB but for the last part).
    public var partSize: Int64 = 64 << 20
    let http: HTTPClient

    /// A client of `location` with `credentials`, on `httpClient` (the shared one by default; a
    /// client passed in is shut down by its owner).
    public init(
        location: ObjectStoreLocation, credentials: AWSCredentials, retry: RetryPolicy = RetryPolicy(),
        httpClient: HTTPClient = .shared
    ) {
        self.location = location
        self.credentials = credentials
        self.retry = retry
        self.http = httpClient
    }

    /// A client of the `s3://` location `text`, with credentials looked up from `environment`.
    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let location = try ObjectStoreLocation(parsing: text, environment: environment)
        self.init(location: location, credentials: try AWSCredentials.lookup(environment: environment))
    }

    var signer: SigV4Signer { SigV4Signer(credentials: credentials, region: location.region) }

    // MARK: Objects

    /// Stores `body` at `key`; answers the ETag.
    @discardableResult
    public func put(_ key: String, body: ObjectBody, contentType: String? = nil) async throws -> String {
        var headers: [(name: String, value: String)] = []
        if let contentType { headers.append(("content-type", contentType)) }
        let response = try await send(
            Request(method: .PUT, key: key, headers: headers, body: body, idempotent: true))
        return try await etag(of: response)
    }

    /// The object at `key`, whole or the bytes of `range`, held in memory: for small objects only
    /// (more than `limit` bytes is an error). Use ``get(_:range:handler:)`` for large ones.
    public func get(_ key: String, range: ClosedRange<Int64>? = nil, limit: Int = 64 << 20) async throws -> ByteBuffer {
        let (_, body) = try await open(key, range: range)
        do {
            return try await body.collect(upTo: limit)
        } catch let error as ObjectStoreError {
            throw error
        } catch {
            throw ObjectStoreError.invalidResponse(
                "object '\(key)' is larger than \(limit) bytes or was cut off: \(error)")
        }
    }

    /// Streams the object at `key` (or the bytes of `range`) to `handler`, chunk by chunk.
    @discardableResult
    public func get(
        _ key: String, range: ClosedRange<Int64>? = nil, handler: (ByteBuffer) async throws -> Void
    ) async throws -> ObjectInfo {
        var headers: [(name: String, value: String)] = []
        if let range { headers.append(("range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        let (head, body) = try await sendStreaming(
            Request(method: .GET, key: key, headers: headers, idempotent: true, streamsResponse: true))
        if range != nil && head.status.code != 206 {
            throw ObjectStoreError.invalidResponse(
                "asked for a range of '\(key)', the store answered \(head.status.code) instead of 206")
        }
        for try await batch in body {
            for chunk in batch { try await handler(chunk) }
        }
        return objectInfo(key: key, headers: head.headers)
    }

    /// Starts reading the object at `key` (or the bytes of `range`): its description and its body,
    /// which the caller must read to the end or drop.
    public func open(_ key: String, range: ClosedRange<Int64>? = nil) async throws -> (
        ObjectInfo, HTTPClientResponse.Body
    ) {
        var headers: [(name: String, value: String)] = []
        if let range { headers.append(("range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        let response = try await send(
            Request(method: .GET, key: key, headers: headers, idempotent: true, streamsResponse: true))
        // A store that ignores Range answers 200 with the whole object: never hand that out as the range.
        if range != nil && response.status.code != 206 {
            throw ObjectStoreError.invalidResponse(
                "asked for a range of '\(key)', the store answered \(response.status.code) instead of 206")
        }
        return (objectInfo(key: key, headers: response.headers), response.body)
    }

    /// Describes the object at `key`, or nil when there is none.
    public func head(_ key: String) async throws -> ObjectInfo? {
        do {
            let response = try await send(Request(method: .HEAD, key: key, idempotent: true))
            return objectInfo(key: key, headers: response.headers)
        } catch ObjectStoreError.service(let error) where error.status == 404 {
            return nil
        }
    }

    /// Deletes the object at `key` (S3 answers success when there was none).
    public func delete(_ key: String) async throws {
        _ = try await send(Request(method: .DELETE, key: key, idempotent: true))
    }

    /// One page of the objects whose key starts with `prefix` (relative to the location's prefix), in key order.
    public func list(
        prefix: String = "", delimiter: String? = nil, continuationToken: String? = nil, maxKeys: Int? = nil
    ) async throws -> ListPage {
        var query = [QueryItem("list-type", "2"), QueryItem("prefix", location.storedKey(prefix))]
        if location.prefix.isEmpty && prefix.isEmpty { query.removeLast() }
        if let delimiter { query.append(QueryItem("delimiter", delimiter)) }
        if let continuationToken { query.append(QueryItem("continuation-token", continuationToken)) }
        if let maxKeys { query.append(QueryItem("max-keys", String(maxKeys))) }
        let xml = try await sendForXML(Request(method: .GET, key: nil, query: query, idempotent: true))
        let objects = try xml.all("Contents").map { element -> ObjectSummary in
            guard let key = element.text("Key") else {
                throw ObjectStoreError.invalidResponse("a listed object has no key")
            }
            return ObjectSummary(
                key: relativeKey(key), size: Int64(element.text("Size") ?? "") ?? 0,
                etag: Self.unquote(element.text("ETag") ?? ""),
                lastModified: element.text("LastModified").flatMap(Self.parseISODate))
        }
        let prefixes = xml.all("CommonPrefixes").compactMap { $0.text("Prefix") }.map(relativeKey)
        let truncated = xml.text("IsTruncated") == "true"
        let token = truncated ? xml.text("NextContinuationToken") : nil
        if truncated && token == nil {
            throw ObjectStoreError.invalidResponse("a truncated listing has no NextContinuationToken")
        }
        return ListPage(objects: objects, commonPrefixes: prefixes, continuationToken: token)
    }

    /// Every object under `prefix`, following continuation tokens.
    public func listAll(prefix: String = "", pageSize: Int? = nil) async throws -> [ObjectSummary] {
        var objects: [ObjectSummary] = []
        var token: String?
        repeat {
            let page = try await list(prefix: prefix, continuationToken: token, maxKeys: pageSize)
            objects += page.objects
            token = page.continuationToken
        } while token != nil
        return objects
    }

    /// Copies `source` to `destination` inside the store; objects over ``multipartCopyThreshold``
    /// are copied part by part. Answers the new ETag.
    @discardableResult
    public func copy(from source: String, to destination: String) async throws -> String {
        if let info = try await head(source), info.size > multipartCopyThreshold {
            return try await multipartCopy(from: source, size: info.size, to: destination)
        }
        let xml = try await sendForXML(
            Request(
                method: .PUT, key: destination, headers: [("x-amz-copy-source", copySource(source))], idempotent: true))
        guard let etag = xml.text("ETag") else { throw ObjectStoreError.invalidResponse("CopyObject answered no ETag") }
        return Self.unquote(etag)
    }

    /// A URL that fetches `key` without credentials until `expires` seconds after `date` (at most 7 days).
    public func presignedURL(
        for key: String, method: String = "GET", expires: Int = 3600, date: Date = Date()
    ) throws -> String {
        guard (1...604_800).contains(expires) else {
            throw ObjectStoreError.invalidLocation(
                location.description, reason: "expiry \(expires)s is not 1 to 604800")
        }
        let request = SignableRequest(
            method: method, host: location.requestHost, path: location.requestPath(storedKey: location.storedKey(key)))
        let signed = signer.signQuery(request, expires: expires, date: date)
        var presigned = request
        presigned.query = signed.query
        return "\(location.scheme)://\(location.requestHost)\(presigned.encodedPath)?\(presigned.encodedQuery)"
    }

    /// Creates the bucket (for tests and first-time setup); a bucket that exists and is ours already is fine.
    public func createBucket() async throws {
        var body: ObjectBody?
        if location.region != "us-east-1" {
            body = .data(
                Data(
                    ("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                        + "<LocationConstraint>\(xmlEscape(location.region))</LocationConstraint>"
                        + "</CreateBucketConfiguration>").utf8))
        }
        do {
            _ = try await send(Request(method: .PUT, key: nil, body: body, idempotent: true))
        } catch ObjectStoreError.service(let error) where error.code == "BucketAlreadyOwnedByYou" {
            return
        }
    }

    // MARK: Multipart uploads

    /// Starts a multipart upload at `key`; answers its upload id.
    public func createMultipartUpload(_ key: String, contentType: String? = nil) async throws -> String {
        var headers: [(name: String, value: String)] = []
        if let contentType { headers.append(("content-type", contentType)) }
        // Not idempotent: a retry after a lost answer leaves an orphan upload behind.
        let xml = try await sendForXML(
            Request(method: .POST, key: key, query: [QueryItem("uploads", "")], headers: headers, idempotent: false))
        guard let id = xml.text("UploadId"), !id.isEmpty else {
            throw ObjectStoreError.invalidResponse("CreateMultipartUpload answered no UploadId")
        }
        return id
    }

    /// Uploads part `partNumber` (1 to 10,000) of `uploadID`; answers the part.
    public func uploadPart(
        _ key: String, uploadID: String, partNumber: Int, body: ObjectBody
    ) async throws -> UploadedPart {
        let response = try await send(
            Request(
                method: .PUT, key: key,
                query: [QueryItem("partNumber", String(partNumber)), QueryItem("uploadId", uploadID)], body: body,
                idempotent: true))
        return UploadedPart(partNumber: partNumber, etag: try await etag(of: response), size: body.length)
    }

    /// Makes part `partNumber` of `uploadID` from the bytes `range` of the stored object `source`.
    public func uploadPartCopy(
        _ key: String, uploadID: String, partNumber: Int, source: String, range: ClosedRange<Int64>? = nil
    ) async throws -> UploadedPart {
        var headers: [(name: String, value: String)] = [("x-amz-copy-source", copySource(source))]
        if let range {
            headers.append(("x-amz-copy-source-range", "bytes=\(range.lowerBound)-\(range.upperBound)"))
        }
        let xml = try await sendForXML(
            Request(
                method: .PUT, key: key,
                query: [QueryItem("partNumber", String(partNumber)), QueryItem("uploadId", uploadID)],
                headers: headers, idempotent: true))
        guard let etag = xml.text("ETag") else {
            throw ObjectStoreError.invalidResponse("UploadPartCopy answered no ETag")
        }
        return UploadedPart(
            partNumber: partNumber, etag: Self.unquote(etag), size: range.map { $0.upperBound - $0.lowerBound + 1 })
    }

    /// Joins the `parts` of `uploadID` into the object at `key`; answers its ETag.
    @discardableResult
    public func completeMultipartUpload(_ key: String, uploadID: String, parts: [UploadedPart]) async throws -> String {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for part in parts.sorted(by: { $0.partNumber < $1.partNumber }) {
            xml += "<Part><PartNumber>\(part.partNumber)</PartNumber><ETag>\"\(xmlEscape(part.etag))\"</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let answer = try await sendForXML(
            Request(
                method: .POST, key: key, query: [QueryItem("uploadId", uploadID)],
                headers: [("content-type", "application/xml")], body: .data(Data(xml.utf8)), idempotent: true))
        guard let etag = answer.text("ETag") else {
            throw ObjectStoreError.invalidResponse("CompleteMultipartUpload answered no ETag")
        }
        return Self.unquote(etag)
    }

    /// Abandons `uploadID`, freeing its parts.
    public func abortMultipartUpload(_ key: String, uploadID: String) async throws {
        _ = try await send(
            Request(method: .DELETE, key: key, query: [QueryItem("uploadId", uploadID)], idempotent: true))
    }

    /// The parts uploaded so far to `uploadID`, in part order, following the store's paging; what a
    /// resumed chunked upload needs to carry on.
    public func listParts(_ key: String, uploadID: String, pageSize: Int? = nil) async throws -> [UploadedPart] {
        var parts: [UploadedPart] = []
        var marker: String?
        repeat {
            var query = [QueryItem("uploadId", uploadID)]
            if let marker { query.append(QueryItem("part-number-marker", marker)) }
            if let pageSize { query.append(QueryItem("max-parts", String(pageSize))) }
            let xml = try await sendForXML(Request(method: .GET, key: key, query: query, idempotent: true))
            for element in xml.all("Part") {
                guard let number = element.text("PartNumber").flatMap({ Int($0) }) else {
                    throw ObjectStoreError.invalidResponse("a listed part has no number")
                }
                parts.append(
                    UploadedPart(
                        partNumber: number, etag: Self.unquote(element.text("ETag") ?? ""),
                        size: element.text("Size").flatMap { Int64($0) }))
            }
            let truncated = xml.text("IsTruncated") == "true"
            let next = xml.text("NextPartNumberMarker")
            marker = truncated && next != nil && next != marker ? next : nil
        } while marker != nil
        return parts
    }

    /// Uploads the file at `path` to `key`: in one request up to ``partSize``, else as a multipart
    /// upload of ``partSize`` parts (aborted when a part fails). Answers the ETag.
    @discardableResult
    public func upload(file path: String, to key: String, contentType: String? = nil) async throws -> String {
        let whole = try ObjectBody.file(path: path)
        if whole.length <= partSize { return try await put(key, body: whole, contentType: contentType) }
        let uploadID = try await createMultipartUpload(key, contentType: contentType)
        do {
            var parts: [UploadedPart] = []
            var offset: Int64 = 0
            while offset < whole.length {
                let length = min(partSize, whole.length - offset)
                let body = try ObjectBody.file(path: path, offset: offset, length: length)
                parts.append(try await uploadPart(key, uploadID: uploadID, partNumber: parts.count + 1, body: body))
                offset += length
            }
            return try await completeMultipartUpload(key, uploadID: uploadID, parts: parts)
        } catch {
            try? await abortMultipartUpload(key, uploadID: uploadID)
            throw error
        }
    }

    private func multipartCopy(from source: String, size: Int64, to destination: String) async throws -> String {
        let uploadID = try await createMultipartUpload(destination)
        do {
            var parts: [UploadedPart] = []
            var offset: Int64 = 0
            while offset < size {
                let end = min(offset + partSize, size) - 1
                parts.append(
                    try await uploadPartCopy(
                        destination, uploadID: uploadID, partNumber: parts.count + 1, source: source,
                        range: offset...end))
                offset = end + 1
            }
            return try await completeMultipartUpload(destination, uploadID: uploadID, parts: parts)
        } catch {
            try? await abortMultipartUpload(destination, uploadID: uploadID)
            throw error
        }
    }

    // MARK: Requests

    struct Request: Sendable {
        var method: HTTPMethod
        /// Relative to the location's prefix; nil for the bucket itself.
        var key: String?
        var query: [QueryItem] = []
        var headers: [(name: String, value: String)] = []
        var body: ObjectBody?
        var idempotent: Bool
        /// The body of a success is handed to the caller instead of being read here.
        var streamsResponse = false
    }

    /// Sends `request`, retrying as the policy allows; answers a 2xx response or throws the store's error.
    func send(_ request: Request) async throws -> HTTPClientResponse {
        var attempt = 0
        while true {
            attempt += 1
            let mayRetry = attempt < retry.maxAttempts && (request.body?.replayable ?? true)
            let response: HTTPClientResponse
            do {
                response = try await http.execute(try prepare(request, date: Date()), timeout: timeout(for: request))
            } catch let error as ObjectStoreError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if mayRetry && (request.idempotent || Self.neverReachedServer(error)) {
                    try await Task.sleep(for: retry.delay(after: attempt))
                    continue
                }
                throw ObjectStoreError.transport(
                    "\(request.method.rawValue) \(request.key ?? location.bucket): \(error)")
            }
            if (200..<300).contains(response.status.code) { return response }
            let error = await serviceError(response, request: request)
            // A 503 (throttling) was not acted upon; other faults are retried only when repeating is harmless.
            if mayRetry && error.isTransient && (request.idempotent || error.status == 503) {
                try await Task.sleep(for: retry.delay(after: attempt))
                continue
            }
            throw ObjectStoreError.service(error)
        }
    }

    /// Sends `request` and reads its XML answer; an `<Error>` document in a 200 is an error.
    func sendForXML(_ request: Request) async throws -> XMLTree {
        var attempt = 0
        while true {
            attempt += 1
            let response = try await send(request)
            let data = try await readSmallBody(response.body)
            let xml = try XMLTree.parse(data)
            if xml.name == "Error" {
                let error = Self.serviceError(xml, status: Int(response.status.code))
                if attempt < retry.maxAttempts && error.isTransient && request.idempotent {
                    try await Task.sleep(for: retry.delay(after: attempt))
                    continue
                }
                throw ObjectStoreError.service(error)
            }
            return xml
        }
    }

    func prepare(_ request: Request, date: Date) throws -> HTTPClientRequest {
        let path = location.requestPath(storedKey: request.key.map(location.storedKey))
        var headers = request.headers
        if let body = request.body, body.payloadHash == .streamingSigned {
            headers.append(("content-encoding", "aws-chunked"))
            headers.append(("x-amz-decoded-content-length", String(body.length)))
        }
        let signable = SignableRequest(
            method: request.method.rawValue, host: location.requestHost, path: path, query: request.query,
            headers: headers)
        let signer = self.signer
        let signed = signer.signHeaders(signable, payload: request.body?.payloadHash ?? .empty, date: date)
        var url = "\(location.scheme)://\(location.requestHost)\(signable.encodedPath)"
        if !request.query.isEmpty { url += "?\(signable.encodedQuery)" }
        var prepared = HTTPClientRequest(url: url)
        prepared.method = request.method
        prepared.headers.add(name: "host", value: location.requestHost)
        for (name, value) in headers { prepared.headers.add(name: name, value: value) }
        for (name, value) in signed.headers { prepared.headers.add(name: name, value: value) }
        if let body = request.body {
            prepared.body = body.requestBody(signer: signer, timestamp: SigV4.timestamp(date), seed: signed.signature)
        }
        return prepared
    }

    func timeout(for request: Request) -> TimeAmount {
        if request.streamsResponse { return .hours(12) }
        // At least one MiB a second for bodies, a minute for anything else.
        return .seconds(60 + (request.body?.length ?? 0) / (1 << 20))
    }

    /// Connection refused or unresolvable: the request never left, so even a POST may be repeated.
    static func neverReachedServer(_ error: any Error) -> Bool {
        let text = String(describing: error)
        return text.contains("connectTimeout") || text.contains("Connection refused")
            || text.contains("connectionRefused")
            || text.contains("NIOConnectionError")
    }

    func serviceError(_ response: HTTPClientResponse, request: Request) async -> S3ServiceError {
        let status = Int(response.status.code)
        let requestID = response.headers.first(name: "x-amz-request-id")
        let data = (try? await readSmallBody(response.body)) ?? Data()
        if !data.isEmpty, let xml = try? XMLTree.parse(data), xml.name == "Error" {
            var error = Self.serviceError(xml, status: status)
            if error.requestID == nil { error.requestID = requestID }
            return error
        }
        let code = status == 404 ? "NotFound" : status == 503 ? "ServiceUnavailable" : "HTTP\(status)"
        let resource = request.key.map { "\(location.bucket)/\(location.storedKey($0))" } ?? location.bucket
        return S3ServiceError(
            code: code, message: response.status.reasonPhrase, requestID: requestID, resource: resource, status: status)
    }

    static func serviceError(_ xml: XMLTree, status: Int) -> S3ServiceError {
        S3ServiceError(
            code: xml.text("Code") ?? "HTTP\(status)", message: xml.text("Message") ?? "",
            requestID: xml.text("RequestId"), resource: xml.text("Resource") ?? xml.text("Key"), status: status)
    }

    func readSmallBody(_ body: HTTPClientResponse.Body) async throws -> Data {
        do {
            let buffer = try await body.collect(upTo: 8 << 20)
            return Data(buffer.readableBytesView)
        } catch {
            throw ObjectStoreError.invalidResponse("answer body unreadable or over 8 MiB: \(error)")
        }
    }

    func etag(of response: HTTPClientResponse) async throws -> String {
        // Drain the (normally empty) body so the connection goes back to the pool.
        for try await _ in response.body {}
        guard let etag = response.headers.first(name: "etag") else {
            throw ObjectStoreError.invalidResponse("no ETag in the answer")
        }
        return Self.unquote(etag)
    }

    func objectInfo(key: String, headers: HTTPHeaders) -> ObjectInfo {
        var size = Int64(headers.first(name: "content-length") ?? "") ?? 0
        // `Content-Range: bytes 0-9/1234` gives the whole size of a ranged read.
        if let range = headers.first(name: "content-range"), let slash = range.lastIndex(of: "/"),
            let total = Int64(range[range.index(after: slash)...])
        {
            size = total
        }
        return ObjectInfo(
            key: key, size: size, etag: Self.unquote(headers.first(name: "etag") ?? ""),
            contentType: headers.first(name: "content-type"),
            lastModified: headers.first(name: "last-modified").flatMap(Self.parseHTTPDate))
    }

    func copySource(_ key: String) -> String {
        SigV4.encode("/\(location.bucket)/\(location.storedKey(key))", keepSlash: true)
    }

    func relativeKey(_ stored: String) -> String {
        guard !location.prefix.isEmpty, stored.hasPrefix(location.prefix + "/") else { return stored }
        return String(stored.dropFirst(location.prefix.count + 1))
    }

    static func unquote(_ etag: String) -> String {
        var text = etag.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("W/") { text.removeFirst(2) }
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = String(text.dropFirst().dropLast()) }
        return text
    }

    static func parseISODate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func parseHTTPDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}

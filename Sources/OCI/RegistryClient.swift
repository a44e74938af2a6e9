import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A manifest fetched from a registry, with the digest of its exact bytes.
public struct FetchedManifest: Sendable, Equatable {
    /// The manifest bytes as served (their digest is ``digest``).
    public var data: Data
    /// The media type: the `Content-Type`, else the document's `mediaType`.
    public var mediaType: String
    /// The digest of ``data``.
    public var digest: Digest

    /// The descriptor of this manifest.
    public var descriptor: Descriptor {
        Descriptor(mediaType: mediaType, digest: digest, size: Int64(data.count))
    }
}

/// A client of the OCI distribution API: manifests, blobs, uploads, tags and referrers.
///
/// Authentication follows what the registry asks for: anonymous first, then `Basic` with the given
/// credentials, or the Bearer token flow (`WWW-Authenticate: Bearer realm=…,service=…,scope=…`), with
/// tokens kept per scope for the client's life. With `tlsVerify: false` certificates are not checked
/// and a registry that does not speak TLS is reached over plain HTTP, as skopeo's
/// `--tls-verify=false` does. Every digest is checked: manifests fetched by digest, blobs while
/// they stream.
public actor RegistryClient {
    /// The registry host and port the API is served from.
    public nonisolated let host: String
    /// Whether TLS certificates are verified.
    public nonisolated let tlsVerify: Bool
    private let credentials: RegistryCredentials?
    private let http: HTTPClient
    private var scheme: String?
    private var tokens: [String: String] = [:]
    private var basicChallenge = false

    /// Manifest media types sent in `Accept`: OCI and Docker manifests and indexes.
    public static let manifestMediaTypes = [
        MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, MediaType.dockerManifestList,
    ]
    /// Largest manifest accepted, as the distribution spec suggests registries limit them.
    public static let maximumManifestSize = 4 * 1024 * 1024

    private static let insecureHTTP = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(
            certificateVerification: .none, timeout: .init(connect: .seconds(10), read: .seconds(60))))
    /// Probes whether a registry speaks TLS: one connection attempt, no retries, so a plain-HTTP
    /// registry answers "no" at once instead of after the connect timeout.
    private static let probeHTTP: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            certificateVerification: .none, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(30)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
    private static let verifyingHTTP = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(
            certificateVerification: .fullVerification, timeout: .init(connect: .seconds(10), read: .seconds(60))))

    /// Creates a client of the registry at `host` (`registry.example:5000`; `docker.io` is mapped to
    /// its API host). Without `credentials` the credentials files are not read: pass
    /// ``RegistryCredentials/lookup(host:environment:)``'s answer to use them.
    public init(host: String, credentials: RegistryCredentials? = nil, tlsVerify: Bool = true) {
        self.host = host == ImageReference.dockerHub ? "registry-1.docker.io" : host
        self.credentials = credentials
        self.tlsVerify = tlsVerify
        self.http = tlsVerify ? Self.verifyingHTTP : Self.insecureHTTP
    }

    // MARK: Manifests

    /// Fetches the manifest `reference` (tag or digest) of `repository`.
    ///
    /// When `reference` is a digest the bytes must hash to it; when the registry sends
    /// `Docker-Content-Digest` for a tag, the bytes must hash to that.
    public func manifest(
        repository: String, reference: String, accept: [String] = RegistryClient.manifestMediaTypes
    ) async throws(OCIError) -> FetchedManifest {
        try RepositoryName.validate(repository)
        let response = try await send(
            .GET, "/v2/\(repository)/manifests/\(reference)", scope: pullScope(repository),
            headers: [("Accept", accept.joined(separator: ", "))], limit: Self.maximumManifestSize)
        guard response.status == 200 else {
            throw response.error("manifest \(repository):\(reference)")
        }
        let pinned = try? Digest(parsing: reference)
        let algorithm = pinned?.algorithm ?? .sha256
        let digest = Digest.of(response.body, algorithm: algorithm)
        if let pinned, pinned != digest {
            throw OCIError.contentMismatch("manifest \(repository)@\(pinned) was served with digest \(digest)")
        }
        if let header = response.headers.first(name: "Docker-Content-Digest"),
            let declared = try? Digest(parsing: header), declared.algorithm == algorithm, declared != digest
        {
            throw OCIError.contentMismatch(
                "manifest \(repository):\(reference) hashes to \(digest) but the registry declared \(declared)")
        }
        let contentType = response.headers.first(name: "Content-Type").map(ManifestParser.normalise)
        let mediaType =
            contentType.flatMap { MediaType.manifests.contains($0) ? $0 : nil }
            ?? Self.documentMediaType(response.body) ?? contentType ?? MediaType.ociManifest
        return FetchedManifest(data: response.body, mediaType: mediaType, digest: digest)
    }

    /// The descriptor of manifest `reference` without its body (`HEAD`), or nil when it does not exist.
    ///
    /// Registries that omit `Docker-Content-Digest` are asked with `GET` instead.
    public func manifestDescriptor(repository: String, reference: String) async throws(OCIError) -> Descriptor? {
        try RepositoryName.validate(repository)
        let response = try await send(
            .HEAD, "/v2/\(repository)/manifests/\(reference)", scope: pullScope(repository),
            headers: [("Accept", Self.manifestMediaTypes.joined(separator: ", "))], limit: 0)
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw response.error("manifest \(repository):\(reference)") }
        if let header = response.headers.first(name: "Docker-Content-Digest"),
            let digest = try? Digest(parsing: header),
            let length = response.headers.first(name: "Content-Length").flatMap({ Int64($0) }),
            let type = response.headers.first(name: "Content-Type").map(ManifestParser.normalise)
        {
            return Descriptor(mediaType: type, digest: digest, size: length)
        }
        return try await manifest(repository: repository, reference: reference).descriptor
    }

    /// Stores `data` as manifest `reference` (a tag, or its digest) and returns its digest.
    @discardableResult
    public func putManifest(
        repository: String, reference: String, data: Data, mediaType: String
    ) async throws(OCIError) -> Digest {
        try RepositoryName.validate(repository)
        let digest = Digest.of(data)
        let response = try await send(
            .PUT, "/v2/\(repository)/manifests/\(reference)", scope: pushScope(repository),
            headers: [("Content-Type", mediaType)], body: data, limit: 64 * 1024)
        guard response.status == 201 || response.status == 200 else {
            throw response.error("push of manifest \(repository):\(reference)")
        }
        return digest
    }

    /// Stores a manifest whose `subject` is `subject` (a signature, an attestation, an SBOM) by its
    /// digest, and keeps the referrers tag schema (`<alg>-<hex>` image index) up to date when the
    /// registry does not answer with `OCI-Subject`, as the distribution spec asks of clients.
    @discardableResult
    public func putReferrer(
        repository: String, data: Data, mediaType: String, artifactType: String?, subject: Digest
    ) async throws(OCIError) -> Digest {
        try RepositoryName.validate(repository)
        let digest = Digest.of(data)
        let response = try await send(
            .PUT, "/v2/\(repository)/manifests/\(digest)", scope: pushScope(repository),
            headers: [("Content-Type", mediaType)], body: data, limit: 64 * 1024)
        guard response.status == 201 || response.status == 200 else {
            throw response.error("push of referrer \(repository)@\(digest)")
        }
        if response.headers.first(name: "OCI-Subject") != nil { return digest }
        let tag = subject.tagForm
        var manifests: [Descriptor] = []
        do {
            let existing = try await manifest(repository: repository, reference: tag, accept: [MediaType.ociIndex])
            struct Index: Decodable { var manifests: [Descriptor]? }
            manifests = (try? JSONDecoder().decode(Index.self, from: existing.data))?.manifests ?? []
        } catch {
            guard case .registry(let status, _) = error, status == 404 else { throw error }
        }
        if !manifests.contains(where: { $0.digest == digest }) {
            manifests.append(
                Descriptor(mediaType: mediaType, digest: digest, size: Int64(data.count), artifactType: artifactType))
        }
        struct Index: Encodable {
            var schemaVersion = 2
            var mediaType = MediaType.ociIndex
            var manifests: [Descriptor]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let index = try? encoder.encode(Index(manifests: manifests)) else {
            throw OCIError.invalidManifest("cannot encode the referrers index of \(subject)")
        }
        try await putManifest(repository: repository, reference: tag, data: index, mediaType: MediaType.ociIndex)
        return digest
    }

    // MARK: Blobs

    /// Fetches a blob of at most `maximumSize` bytes and checks it against `digest`.
    public func blob(repository: String, digest: Digest, maximumSize: Int = 64 * 1024 * 1024) async throws(OCIError)
        -> Data
    {
        var data = Data()
        try await blob(repository: repository, digest: digest) { (chunk: ByteBuffer) throws(OCIError) in
            guard data.count + chunk.readableBytes <= maximumSize else {
                throw OCIError.contentMismatch("blob \(digest) is larger than \(maximumSize) bytes")
            }
            data.append(contentsOf: chunk.readableBytesView)
        }
        return data
    }

    /// Streams a blob to `consume` chunk by chunk, hashing as it goes.
    ///
    /// Throws ``OCIError/contentMismatch(_:)`` after the last chunk when the bytes do not hash to
    /// `digest`: a consumer writing to disk must discard what it wrote in that case.
    public func blob(
        repository: String, digest: Digest, consume: (ByteBuffer) async throws(OCIError) -> Void
    ) async throws(OCIError) {
        try RepositoryName.validate(repository)
        let response = try await execute(
            .GET, "/v2/\(repository)/blobs/\(digest)", scope: pullScope(repository), headers: [], body: nil)
        guard response.status == .ok else {
            let body = await Self.collect(response, limit: 64 * 1024)
            throw Response(status: Int(response.status.code), headers: response.headers, body: body)
                .error("blob \(repository)@\(digest)")
        }
        var digester = Digester(algorithm: digest.algorithm)
        do {
            for try await chunk in response.body {
                chunk.withUnsafeReadableBytes { digester.update(bytes: $0) }
                try await consume(chunk)
            }
        } catch let error as OCIError {
            throw error
        } catch {
            throw OCIError.transport("reading blob \(repository)@\(digest) from \(host): \(error)")
        }
        let actual = digester.finalize()
        guard actual == digest else {
            throw OCIError.contentMismatch("blob \(repository)@\(digest) was served with digest \(actual)")
        }
    }

    /// Streams a blob into the file at `path` (written beside it, then renamed) and returns its size.
    @discardableResult
    public func downloadBlob(repository: String, digest: Digest, to path: String) async throws(OCIError) -> Int64 {
        let temporary = path + ".part-\(UUID().uuidString.prefix(8))"
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
            let handle = FileHandle(forWritingAtPath: temporary)
        else {
            throw OCIError.transport("cannot create '\(temporary)'")
        }
        var size: Int64 = 0
        do {
            try await blob(repository: repository, digest: digest) { (chunk: ByteBuffer) throws(OCIError) in
                do {
                    try handle.write(contentsOf: Data(chunk.readableBytesView))
                } catch {
                    throw OCIError.transport("cannot write '\(temporary)': \(error)")
                }
                size += Int64(chunk.readableBytes)
            }
            try? handle.close()
            if FileManager.default.fileExists(atPath: path) { try? FileManager.default.removeItem(atPath: path) }
            do {
                try FileManager.default.moveItem(atPath: temporary, toPath: path)
            } catch {
                throw OCIError.transport("cannot move '\(temporary)' to '\(path)': \(error)")
            }
        } catch let error as OCIError {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw OCIError.transport("downloading blob \(digest): \(error)")
        }
        return size
    }

    /// Whether the repository holds blob `digest` (`HEAD`).
    public func hasBlob(repository: String, digest: Digest) async throws(OCIError) -> Bool {
        try RepositoryName.validate(repository)
        let response = try await send(
            .HEAD, "/v2/\(repository)/blobs/\(digest)", scope: pullScope(repository), limit: 0)
        switch response.status {
        case 200: return true
        case 404: return false
        default: throw response.error("blob \(repository)@\(digest)")
        }
    }

    /// Uploads `data` as a blob unless the repository already holds it (POST, then one monolithic PUT).
    ///
    /// With `mountFrom`, the registry is first asked to mount the blob from that repository.
    @discardableResult
    public func uploadBlob(
        repository: String, data: Data, mediaType: String = "application/octet-stream", mountFrom: String? = nil
    ) async throws(OCIError) -> Descriptor {
        let digest = Digest.of(data)
        let descriptor = Descriptor(mediaType: mediaType, digest: digest, size: Int64(data.count))
        if try await hasBlob(repository: repository, digest: digest) { return descriptor }
        var start = "/v2/\(repository)/blobs/uploads/"
        var scope = pushScope(repository)
        if let mountFrom {
            try RepositoryName.validate(mountFrom)
            start += "?mount=\(digest)&from=\(mountFrom)"
            scope += " repository:\(mountFrom):pull"
        }
        let started = try await send(.POST, start, scope: scope, headers: [("Content-Length", "0")], limit: 64 * 1024)
        if started.status == 201 { return descriptor }
        guard started.status == 202, let location = started.headers.first(name: "Location") else {
            throw started.error("upload to \(repository)")
        }
        let separator = location.contains("?") ? "&" : "?"
        let put = try await send(
            .PUT, location + separator + "digest=\(digest)", scope: pushScope(repository),
            headers: [("Content-Type", "application/octet-stream")], body: data, limit: 64 * 1024)
        guard put.status == 201 else { throw put.error("upload of blob \(digest) to \(repository)") }
        return descriptor
    }

    // MARK: Tags and referrers

    /// Every tag of `repository`, following `Link` pagination.
    public func tags(repository: String) async throws(OCIError) -> [String] {
        try RepositoryName.validate(repository)
        var path: String? = "/v2/\(repository)/tags/list"
        var tags: [String] = []
        var pages = 0
        while let current = path, pages < 1000 {
            pages += 1
            let response = try await send(.GET, current, scope: pullScope(repository), limit: 16 * 1024 * 1024)
            if response.status == 404 && pages == 1 { return [] }
            guard response.status == 200 else { throw response.error("tag list of \(repository)") }
            struct Page: Decodable { var tags: [String]? }
            guard let page = try? JSONDecoder().decode(Page.self, from: response.body) else {
                throw OCIError.transport("the tag list of \(repository) is not JSON")
            }
            tags += page.tags ?? []
            path = response.headers.first(name: "Link").flatMap(Self.nextLink)
        }
        return tags
    }

    /// Manifests that name `digest` as their subject, optionally of one artifact type.
    ///
    /// Uses the referrers API and falls back to the referrers tag schema (`<alg>-<hex>` index) when
    /// the registry has no referrers API.
    public func referrers(repository: String, digest: Digest, artifactType: String? = nil) async throws(OCIError)
        -> [Descriptor]
    {
        try RepositoryName.validate(repository)
        var path = "/v2/\(repository)/referrers/\(digest)"
        if let artifactType {
            path += "?artifactType=" + (artifactType.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        }
        let response = try await send(
            .GET, path, scope: pullScope(repository), headers: [("Accept", MediaType.ociIndex)],
            limit: Self.maximumManifestSize)
        var index: Data
        if response.status == 200 {
            index = response.body
        } else if response.status == 404 {
            guard let fallback = try? await manifest(repository: repository, reference: digest.tagForm) else {
                return []
            }
            index = fallback.data
        } else {
            throw response.error("referrers of \(repository)@\(digest)")
        }
        struct Index: Decodable { var manifests: [Descriptor]? }
        guard let decoded = try? JSONDecoder().decode(Index.self, from: index) else {
            throw OCIError.transport("the referrers of \(repository)@\(digest) are not an image index")
        }
        let all = decoded.manifests ?? []
        guard let artifactType else { return all }
        return all.filter { $0.artifactType == artifactType }
    }

    // MARK: Transport

    struct Response: Error {
        var status: Int
        var headers: HTTPHeaders
        var body: Data

        func error(_ subject: String) -> OCIError {
            struct Body: Decodable {
                struct Entry: Decodable {
                    var code: String?
                    var message: String?
                }
                var errors: [Entry]?
            }
            let decoded = (try? JSONDecoder().decode(Body.self, from: body))?.errors ?? []
            let reasons = decoded.map { [$0.code, $0.message].compactMap { $0 }.joined(separator: ": ") }
            let text =
                reasons.isEmpty
                ? String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                : reasons.joined(separator: "; ")
            return OCIError.registry(status: status, text.isEmpty ? subject : "\(subject): \(text)")
        }
    }

    private func pullScope(_ repository: String) -> String { "repository:\(repository):pull" }
    private func pushScope(_ repository: String) -> String { "repository:\(repository):pull,push" }

    /// Sends a request and collects at most `limit` bytes of the answer.
    private func send(
        _ method: HTTPMethod, _ path: String, scope: String, headers: [(String, String)] = [], body: Data? = nil,
        limit: Int
    ) async throws(OCIError) -> Response {
        let response = try await execute(method, path, scope: scope, headers: headers, body: body)
        let collected: Data
        do {
            collected =
                method == .HEAD ? Data() : Data(buffer: try await response.body.collect(upTo: max(limit, 1024)))
        } catch {
            throw OCIError.transport("\(method) \(path) on \(host): answer larger than \(limit) bytes or cut: \(error)")
        }
        return Response(status: Int(response.status.code), headers: response.headers, body: collected)
    }

    /// Sends a request, answering an authentication challenge once.
    private func execute(
        _ method: HTTPMethod, _ path: String, scope: String, headers: [(String, String)], body: Data?
    ) async throws(OCIError) -> HTTPClientResponse {
        let base = try await baseURL()
        let url = path.hasPrefix("http://") || path.hasPrefix("https://") ? path : base + path
        var response = try await perform(method, url, headers: headers, body: body, scope: scope)
        guard response.status == .unauthorized else { return response }
        let challenges = response.headers["WWW-Authenticate"].compactMap(AuthenticationChallenge.init(header:))
        _ = await Self.collect(response, limit: 64 * 1024)
        if let bearer = challenges.first(where: { $0.scheme == "bearer" }) {
            tokens[scope] = try await token(for: bearer, scope: scope)
        } else if challenges.contains(where: { $0.scheme == "basic" }), credentials != nil {
            basicChallenge = true
        } else {
            throw OCIError.registry(
                status: 401,
                "\(method) \(path) on \(host) needs authentication"
                    + (credentials == nil ? " and no credentials were given" : ""))
        }
        response = try await perform(method, url, headers: headers, body: body, scope: scope)
        return response
    }

    private func perform(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)], body: Data?, scope: String
    ) async throws(OCIError) -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let token = tokens[scope] {
            request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)")
        } else if basicChallenge, let credentials {
            request.headers.replaceOrAdd(name: "Authorization", value: credentials.basicAuthorization)
        }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        } else if method == .PUT || method == .POST {
            request.headers.replaceOrAdd(name: "Content-Length", value: "0")
        }
        do {
            return try await http.execute(request, timeout: .seconds(300))
        } catch {
            throw OCIError.transport("\(method) \(url): \(error)")
        }
    }

    /// Gets a token from the challenge's realm, with Basic credentials when there are some.
    private func token(for challenge: AuthenticationChallenge, scope: String) async throws(OCIError) -> String {
        guard let realm = challenge.parameters["realm"], realm.hasPrefix("https://") || realm.hasPrefix("http://")
        else {
            throw OCIError.transport("the Bearer challenge of \(host) names no http(s) realm")
        }
        var query: [String] = []
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        if let service = challenge.parameters["service"] {
            query.append("service=" + (service.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""))
        }
        let scopes = (challenge.parameters["scope"] ?? scope).split(separator: " ")
        for item in scopes {
            query.append("scope=" + (String(item).addingPercentEncoding(withAllowedCharacters: allowed) ?? ""))
        }
        var request = HTTPClientRequest(url: realm + (realm.contains("?") ? "&" : "?") + query.joined(separator: "&"))
        if let credentials { request.headers.add(name: "Authorization", value: credentials.basicAuthorization) }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(60))
        } catch {
            throw OCIError.transport("token request to \(realm): \(error)")
        }
        let body = await Self.collect(response, limit: 1024 * 1024)
        guard response.status == .ok else {
            throw Response(status: Int(response.status.code), headers: response.headers, body: body)
                .error("token for \(scope) from \(realm)")
        }
        struct TokenAnswer: Decodable {
            var token: String?
            var accessToken: String?

            enum CodingKeys: String, CodingKey {
                case token
                case accessToken = "access_token"
            }
        }
        guard let answer = try? JSONDecoder().decode(TokenAnswer.self, from: body),
            let token = answer.token ?? answer.accessToken, !token.isEmpty
        else {
            throw OCIError.transport("the token answer of \(realm) has no token")
        }
        return token
    }

    /// `https://host`, or `http://host` when TLS is not verified and the registry does not speak it.
    private func baseURL() async throws(OCIError) -> String {
        if let scheme { return "\(scheme)://\(host)" }
        if tlsVerify {
            scheme = "https"
            return "https://\(host)"
        }
        var request = HTTPClientRequest(url: "https://\(host)/v2/")
        request.method = .GET
        if let response = try? await Self.probeHTTP.execute(request, timeout: .seconds(30)) {
            _ = await Self.collect(response, limit: 64 * 1024)
            scheme = "https"
        } else {
            scheme = "http"
        }
        return "\(scheme ?? "http")://\(host)"
    }

    private static func collect(_ response: HTTPClientResponse, limit: Int) async -> Data {
        (try? await response.body.collect(upTo: limit)).map { Data(buffer: $0) } ?? Data()
    }

    private static func documentMediaType(_ data: Data) -> String? {
        struct Document: Decodable { var mediaType: String? }
        return (try? JSONDecoder().decode(Document.self, from: data))?.mediaType
    }

    /// The target of `Link: <…>; rel="next"`.
    static func nextLink(_ header: String) -> String? {
        for part in header.split(separator: ",") where part.contains("rel=\"next\"") {
            guard let open = part.firstIndex(of: "<"), let close = part.firstIndex(of: ">"), open < close else {
                continue
            }
            return String(part[part.index(after: open)..<close])
        }
        return nil
    }
}

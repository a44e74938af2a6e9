import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import ObjectStore
import ObjectStoreTestSupport
import TestSupport
import Testing

/// The client against a real SeaweedFS S3 endpoint: every operation, signing checked by the server.
///
/// Serialized: each test starts its own `weed mini`, which is heavy for a small machine.
@Suite("object store on SeaweedFS", .serialized, Tool.enabled("weed", "curl"))
struct SeaweedTests {
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SeededGenerator(seed: seed)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    static func temporaryFile(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("berth-object-\(UUID().uuidString)")
        try Data(bytes).write(to: url)
        return url
    }

    @Test("put, head, get whole, ranged and streamed, delete; a missing key is a typed NoSuchKey")
    func objectLifecycle() async throws {
        try await Seaweed.with { server in
            let client = try await server.client(bucket: "lifecycle")
            let content = Self.bytes(100_000, seed: 1)
            let etag = try await client.put(
                "a/b.bin", body: .bytes(ByteBuffer(bytes: content)), contentType: "application/x-test")
            #expect(etag == SigV4.hex(Insecure.MD5.hash(data: content)))

            let info = try #require(try await client.head("a/b.bin"))
            #expect(info.size == 100_000)
            #expect(info.etag == etag)
            #expect(info.contentType == "application/x-test")
            #expect(info.lastModified != nil)

            let whole = try await client.get("a/b.bin")
            #expect(Array(whole.readableBytesView) == content)

            let range = try await client.get("a/b.bin", range: 1000...1999)
            #expect(Array(range.readableBytesView) == Array(content[1000...1999]))

            var streamed: [UInt8] = []
            var chunks = 0
            let streamedInfo = try await client.get("a/b.bin", range: 50_000...99_999) { chunk in
                streamed += chunk.readableBytesView
                chunks += 1
            }
            #expect(streamed == Array(content[50_000...]))
            #expect(streamedInfo.size == 100_000)
            #expect(chunks >= 1)

            // A one-shot stream of known length.
            let stream = AsyncStream<ByteBuffer> { continuation in
                for start in stride(from: 0, to: content.count, by: 30_000) {
                    continuation.yield(ByteBuffer(bytes: content[start..<min(start + 30_000, content.count)]))
                }
                continuation.finish()
            }
            try await client.put("a/streamed", body: .stream(stream, length: Int64(content.count)))
            #expect(Array(try await client.get("a/streamed").readableBytesView) == content)

            try await client.delete("a/b.bin")
            #expect(try await client.head("a/b.bin") == nil)
            do {
                _ = try await client.get("a/b.bin")
                Issue.record("a deleted object was read")
            } catch let error as ObjectStoreError {
                guard case .service(let service) = error else { throw error }
                #expect(service.code == "NoSuchKey")
                #expect(service.status == 404)
                #expect(service.requestID?.isEmpty == false)
            }
            // Deleting what is not there succeeds, as S3 does.
            try await client.delete("a/b.bin")
        }
    }

    @Test("a wrong secret, a wrong key id and an unsigned request are refused")
    func signingIsChecked() async throws {
        try await Seaweed.with { server in
            let client = try await server.client(bucket: "signing")
            try await client.put("x", body: .data(Data("secret".utf8)))
            let location = try server.location(bucket: "signing")
            let wrongSecret = S3Client(
                location: location,
                credentials: AWSCredentials(accessKeyID: Seaweed.accessKey, secretAccessKey: "not-the-secret"),
                retry: .none)
            await #expect(throws: ObjectStoreError.self) { try await wrongSecret.get("x") }
            do {
                _ = try await wrongSecret.get("x")
            } catch ObjectStoreError.service(let error) {
                #expect(error.code == "SignatureDoesNotMatch")
                #expect(error.status == 403)
            }
            do {
                try await wrongSecret.put("y", body: .data(Data("no".utf8)))
                Issue.record("a put signed with a wrong secret was accepted")
            } catch ObjectStoreError.service(let error) {
                #expect(error.status == 403)
            }
            let unknownKey = S3Client(
                location: location,
                credentials: AWSCredentials(accessKeyID: "NOSUCHKEY", secretAccessKey: Seaweed.secretKey), retry: .none)
            do {
                _ = try await unknownKey.get("x")
                Issue.record("an unknown access key was accepted")
            } catch ObjectStoreError.service(let error) {
                #expect(error.status == 403)
            }
            let anonymous = try ChildProcess.runSync(
                "curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "\(server.endpoint)/signing/x"])
            #expect(anonymous.output == "403")
            // The right credentials still read it.
            #expect(String(buffer: try await client.get("x")) == "secret")
        }
    }

    @Test("keys with spaces, unicode, '~', '+', '=', '&' and '%' round-trip through put, list, copy, get")
    func unusualKeys() async throws {
        try await Seaweed.with { server in
            let client = try await server.client(bucket: "keys")
            let keys = [
                "with space/file name.txt", "unicode/ሴ-é-😀", "tilde~/a+b=c&d", "percent%20literal", "quote'(x)*,;$@!",
            ]
            for key in keys { try await client.put(key, body: .data(Data(key.utf8))) }
            let listed = try await client.listAll().map(\.key)
            #expect(Set(listed) == Set(keys))
            for key in keys {
                #expect(String(buffer: try await client.get(key)) == key)
                try await client.copy(from: key, to: "copies/\(key)")
                #expect(String(buffer: try await client.get("copies/\(key)")) == key)
            }
        }
    }

    @Test("multipart upload of 3 x 5 MiB + a tail: ETag is MD5 of the part MD5s, bytes intact; streamed reads")
    func multipartUpload() async throws {
        try await Seaweed.with { server in
            var client = try await server.client(bucket: "multipart")
            client.partSize = 5 << 20
            let content = Self.bytes(15 << 20 + 123_457, seed: 2)
            let file = try Self.temporaryFile(content)
            defer { try? FileManager.default.removeItem(at: file) }
            let etag = try await client.upload(file: file.path, to: "big/blob", contentType: "application/octet-stream")
            var partDigests: [UInt8] = []
            var offset = 0
            while offset < content.count {
                let end = min(offset + (5 << 20), content.count)
                partDigests += Insecure.MD5.hash(data: content[offset..<end])
                offset = end
            }
            #expect(etag == SigV4.hex(Insecure.MD5.hash(data: partDigests)) + "-4")
            let info = try #require(try await client.head("big/blob"))
            #expect(info.size == Int64(content.count))
            #expect(info.etag == etag)

            var hasher = SHA256()
            var received = 0
            try await client.get("big/blob") { chunk in
                hasher.update(data: Data(chunk.readableBytesView))
                received += chunk.readableBytes
            }
            #expect(received == content.count)
            #expect(hasher.finalize() == SHA256.hash(data: content))
            let tail = try await client.get("big/blob", range: Int64(15 << 20)...Int64(content.count - 1))
            #expect(Array(tail.readableBytesView) == Array(content[(15 << 20)...]))

            // A consumer slower than the store: the connection stops reading while batches wait, and
            // resumes; every byte arrives in order.
            var slowHasher = SHA256()
            var slowCount = 0
            try await client.get("big/blob") { chunk in
                slowHasher.update(data: Data(chunk.readableBytesView))
                slowCount += 1
                if slowCount % 16 == 0 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(slowHasher.finalize() == SHA256.hash(data: content))

            // A consumer that gives up after the first chunk: its error comes back, the request is
            // cancelled, and the client goes on serving (no connection is left waiting for a reader).
            struct Enough: Error {}
            for _ in 0..<12 {
                await #expect(throws: Enough.self) {
                    try await client.get("big/blob") { _ in throw Enough() }
                }
            }
            for _ in 0..<4 {
                let again = try await client.get("big/blob", range: 0...1023)
                #expect(Array(again.readableBytesView) == Array(content[0..<1024]))
            }
        }
    }

    @Test("resumable chunked upload: parts listed with paging, completed out of order, or aborted")
    func multipartSteps() async throws {
        try await Seaweed.with { server in
            let client = try await server.client(bucket: "chunks")
            let parts = (0..<3).map { Self.bytes(5 << 20, seed: 10 + UInt64($0)) }
            let tail = Self.bytes(1000, seed: 13)
            let upload = try await client.createMultipartUpload("session/1")
            let first = try await client.uploadPart(
                "session/1", uploadID: upload, partNumber: 1, body: .bytes(ByteBuffer(bytes: parts[0])))
            let third = try await client.uploadPart(
                "session/1", uploadID: upload, partNumber: 3, body: .bytes(ByteBuffer(bytes: parts[2])))
            // A "restarted" uploader learns what is there, page by page.
            let listed = try await client.listParts("session/1", uploadID: upload, pageSize: 1)
            #expect(listed.map(\.partNumber) == [1, 3])
            #expect(listed.map(\.etag) == [first.etag, third.etag])
            #expect(listed.map(\.size) == [Int64(5 << 20), Int64(5 << 20)])
            let second = try await client.uploadPart(
                "session/1", uploadID: upload, partNumber: 2, body: .bytes(ByteBuffer(bytes: parts[1])))
            let fourth = try await client.uploadPart(
                "session/1", uploadID: upload, partNumber: 4, body: .bytes(ByteBuffer(bytes: tail)))
            try await client.completeMultipartUpload(
                "session/1", uploadID: upload, parts: [fourth, second, third, first])
            let whole = try await client.get("session/1")
            #expect(Array(whole.readableBytesView) == parts.flatMap { $0 } + tail)

            let abandoned = try await client.createMultipartUpload("session/2")
            _ = try await client.uploadPart(
                "session/2", uploadID: abandoned, partNumber: 1, body: .bytes(ByteBuffer(bytes: tail)))
            try await client.abortMultipartUpload("session/2", uploadID: abandoned)
            do {
                _ = try await client.completeMultipartUpload(
                    "session/2", uploadID: abandoned, parts: [UploadedPart(partNumber: 1, etag: "x")])
                Issue.record("an aborted upload was completed")
            } catch ObjectStoreError.service(let error) {
                #expect(error.code == "NoSuchUpload")
            }
            #expect(try await client.head("session/2") == nil)
        }
    }

    @Test("server-side copy: CopyObject, and UploadPartCopy for an object over the threshold")
    func copy() async throws {
        try await Seaweed.with { server in
            var client = try await server.client(bucket: "copies")
            let small = Self.bytes(4096, seed: 3)
            try await client.put("src/small", body: .bytes(ByteBuffer(bytes: small)))
            let smallETag = try await client.copy(from: "src/small", to: "dst/small")
            #expect(smallETag == SigV4.hex(Insecure.MD5.hash(data: small)))
            #expect(Array(try await client.get("dst/small").readableBytesView) == small)

            let large = Self.bytes(11 << 20, seed: 4)
            let file = try Self.temporaryFile(large)
            defer { try? FileManager.default.removeItem(at: file) }
            try await client.put("src/large", body: try .file(path: file.path))
            client.multipartCopyThreshold = 1 << 20
            client.partSize = 5 << 20
            let largeETag = try await client.copy(from: "src/large", to: "dst/large")
            #expect(largeETag.hasSuffix("-3"))
            var hasher = SHA256()
            try await client.get("dst/large") { hasher.update(data: Data($0.readableBytesView)) }
            #expect(hasher.finalize() == SHA256.hash(data: large))

            do {
                try await client.copy(from: "src/missing", to: "dst/missing")
                Issue.record("copying a missing object succeeded")
            } catch ObjectStoreError.service(let error) {
                #expect(error.code == "NoSuchKey")
            }
        }
    }

    @Test("presigned GET works with plain curl, and is refused once expired or altered")
    func presignedURLs() async throws {
        try await Seaweed.with { server in
            let client = try await server.client(bucket: "presign", prefix: "under/a prefix")
            let content = "presigned content ሴ"
            try await client.put("dir/file name+1.txt", body: .data(Data(content.utf8)))
            let url = try client.presignedURL(for: "dir/file name+1.txt", expires: 300)
            #expect(url.contains("X-Amz-Signature="))
            let fetched = try ChildProcess.runSync("curl", ["-s", "-f", url])
            #expect(fetched.status == 0)
            #expect(fetched.output == content)

            let expired = try client.presignedURL(
                for: "dir/file name+1.txt", expires: 60, date: Date().addingTimeInterval(-3600))
            let refused = try ChildProcess.runSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", expired])
            #expect(refused.output == "403")

            let altered = url.replacingOccurrences(of: "file%20name", with: "file%20nameX")
            let alteredAnswer = try ChildProcess.runSync(
                "curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", altered])
            #expect(alteredAnswer.output == "403")
            #expect(throws: ObjectStoreError.self) { try client.presignedURL(for: "x", expires: 604_801) }
        }
    }

    @Test("listing pages with a small max-keys, a delimiter, and a location prefix")
    func listing() async throws {
        try await Seaweed.with { server in
            let client = try await server.client(bucket: "listing", prefix: "tenant/one")
            let keys = (0..<7).map { "logs/\($0).txt" } + ["other/x", "logs/deep/y"]
            for key in keys { try await client.put(key, body: .data(Data(key.utf8))) }
            let outsider = try await server.client(bucket: "listing")
            try await outsider.put("tenant/two/logs/0.txt", body: .data(Data("no".utf8)))

            var pages: [[String]] = []
            var token: String?
            repeat {
                let page = try await client.list(prefix: "logs/", continuationToken: token, maxKeys: 2)
                pages.append(page.objects.map(\.key))
                token = page.continuationToken
                #expect(pages.count < 10)
            } while token != nil && pages.count < 10
            #expect(pages.flatMap { $0 } == (["logs/deep/y"] + (0..<7).map { "logs/\($0).txt" }).sorted())
            #expect(pages.count >= 4)
            #expect(pages.allSatisfy { $0.count <= 2 })

            let delimited = try await client.list(prefix: "logs/", delimiter: "/")
            #expect(delimited.commonPrefixes == ["logs/deep/"])
            #expect(delimited.objects.count == 7)
            #expect(try await client.listAll(pageSize: 3).count == keys.count)
            #expect(try await client.listAll(prefix: "logs/3").map(\.size) == [Int64("logs/3.txt".utf8.count)])
        }
    }

    @Test("503 SlowDown and 500 answers are retried with backoff; without retries they surface typed")
    func faultRetry() async throws {
        try await Seaweed.with { server in
            let direct = try await server.client(bucket: "faults")
            try await direct.put("k", body: .data(Data("value".utf8)))

            let proxy = try FaultProxy(upstreamPort: server.s3Port, faults: ["503", "500", "drop"])
            defer { proxy.stop() }
            let location = try ObjectStoreLocation(
                parsing: "s3://faults?endpoint=http://127.0.0.1:\(proxy.port)&path-style=true")
            let retrying = S3Client(
                location: location, credentials: Seaweed.credentials,
                retry: RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(20), maxDelay: .milliseconds(200)))
            #expect(String(buffer: try await retrying.get("k")) == "value")
            #expect(
                proxy.requests.map { $0.split(separator: " ").last.map(String.init) ?? "" } == [
                    "503", "500", "drop", "forwarded",
                ])

            // A put of a file body is replayed after faults too.
            let faulty = try FaultProxy(upstreamPort: server.s3Port, faults: ["503", "500"])
            defer { faulty.stop() }
            let faultyLocation = try ObjectStoreLocation(
                parsing: "s3://faults?endpoint=http://127.0.0.1:\(faulty.port)&path-style=true")
            let file = try Self.temporaryFile(Self.bytes(300_000, seed: 5))
            defer { try? FileManager.default.removeItem(at: file) }
            let uploader = S3Client(
                location: faultyLocation, credentials: Seaweed.credentials,
                retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(20)))
            try await uploader.put("from-file", body: try .file(path: file.path))
            #expect(faulty.requests.count == 3)
            #expect(try await direct.head("from-file")?.size == 300_000)

            // A one-shot stream cannot be sent twice: its 503 surfaces although retries are allowed.
            let oneShot = try FaultProxy(upstreamPort: server.s3Port, faults: ["503"])
            defer { oneShot.stop() }
            let oneShotClient = S3Client(
                location: try ObjectStoreLocation(
                    parsing: "s3://faults?endpoint=http://127.0.0.1:\(oneShot.port)&path-style=true"),
                credentials: Seaweed.credentials, retry: RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(20)))
            let chunks = AsyncStream<ByteBuffer> { continuation in
                continuation.yield(ByteBuffer(string: "streamed once"))
                continuation.finish()
            }
            do {
                try await oneShotClient.put("once", body: .stream(chunks, length: 13))
                Issue.record("a one-shot body was replayed or its fault hidden")
            } catch ObjectStoreError.service(let error) {
                #expect(error.code == "SlowDown")
            }
            #expect(oneShot.requests.count == 1)

            let failing = try FaultProxy(upstreamPort: server.s3Port, faults: ["503", "503"])
            defer { failing.stop() }
            let failingLocation = try ObjectStoreLocation(
                parsing: "s3://faults?endpoint=http://127.0.0.1:\(failing.port)&path-style=true")
            let noRetry = S3Client(location: failingLocation, credentials: Seaweed.credentials, retry: .none)
            do {
                _ = try await noRetry.get("k")
                Issue.record("a 503 was not reported")
            } catch ObjectStoreError.service(let error) {
                #expect(error.code == "SlowDown")
                #expect(error.status == 503)
                #expect(error.requestID == "FAULT0001")
                #expect(error.isTransient)
            }
            #expect(failing.requests.count == 1)
        }
    }

    @Test("virtual-host-style addressing: the bucket in the host name")
    func virtualHostStyle() async throws {
        try await Seaweed.with(domainName: "s3.berth.test") { server in
            var configuration = HTTPClient.Configuration.singletonConfiguration
            configuration.dnsOverride = ["s3.berth.test": "127.0.0.1", "vhost.s3.berth.test": "127.0.0.1"]
            let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            do {
                let pathStyle = try await server.client(bucket: "vhost")
                let location = try ObjectStoreLocation(
                    parsing: "s3://vhost?endpoint=http://s3.berth.test:\(server.s3Port)&path-style=false")
                #expect(location.requestHost == "vhost.s3.berth.test:\(server.s3Port)")
                let client = S3Client(location: location, credentials: Seaweed.credentials, httpClient: http)
                try await client.put("v/k", body: .data(Data("virtual".utf8)))
                #expect(String(buffer: try await pathStyle.get("v/k")) == "virtual")
                #expect(try await client.listAll().map(\.key) == ["v/k"])
                #expect(String(buffer: try await client.get("v/k")) == "virtual")
                try await http.shutdown()
            } catch {
                try await http.shutdown()
                throw error
            }
        }
    }

    @Test("tuned connections read more than NIO's default 64 KiB at a time and stream the object byte for byte")
    func largeReads() async throws {
        try await Seaweed.with { server in
            let http = HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: ObjectStoreConnections.tuned(HTTPClient.Configuration()))
            do {
                let location = try server.location(bucket: "reads")
                let client = S3Client(location: location, credentials: Seaweed.credentials, httpClient: http)
                _ = try await server.client(bucket: "reads")
                // 8 MiB: 64 KiB of random bytes, each copy with its index in its first byte.
                let block = Self.bytes(64 << 10, seed: 11)
                var content = Data(capacity: 8 << 20)
                for index in 0..<128 {
                    content.append(UInt8(index))
                    content.append(contentsOf: block.dropFirst())
                }
                try await client.put("big", body: .data(content))
                var received = Data(capacity: content.count)
                var largest = 0
                try await client.get("big") { chunk in
                    // A pause at the start lets the socket fill, so the reads after it find more
                    // than 64 KiB waiting.
                    if received.isEmpty { try await Task.sleep(for: .milliseconds(300)) }
                    largest = max(largest, chunk.readableBytes)
                    received.append(contentsOf: chunk.readableBytesView)
                }
                #expect(received == content)
                #expect(largest > 64 << 10, "largest read \(largest) bytes")
                #expect(largest <= ObjectStoreConnections.maximumRead)
                try await http.shutdown()
            } catch {
                try await http.shutdown()
                throw error
            }
        }
    }

    @Test("file bodies: small chunks, a region, signed with their SHA-256 or chunk by chunk (aws-chunked)")
    func signedPayload() async throws {
        try await Seaweed.with { server in
            let client = try await server.client(bucket: "payload")
            let content = Self.bytes(200_000, seed: 6)
            let file = try Self.temporaryFile(content)
            defer { try? FileManager.default.removeItem(at: file) }
            let digest = SigV4.hex(SHA256.hash(data: content))
            let body = try ObjectBody.file(path: file.path, sha256: digest, chunkSize: 8192)
            #expect(body.payloadHash == .sha256(digest))
            try await client.put("good", body: body)
            #expect(Array(try await client.get("good").readableBytesView) == content)
            // A region of the file: the bytes from 1000 on, 5000 of them.
            try await client.put("part", body: try .file(path: file.path, offset: 1000, length: 5000))
            #expect(Array(try await client.get("part").readableBytesView) == Array(content[1000..<6000]))
            #expect(throws: ObjectStoreError.self) {
                try ObjectBody.file(path: file.path, offset: 199_000, length: 2000)
            }

            // aws-chunked: every 64 KiB chunk signed as it goes (STREAMING-AWS4-HMAC-SHA256-PAYLOAD).
            let chunked = try ObjectBody.file(path: file.path, signChunks: true, chunkSize: 65536)
            #expect(chunked.payloadHash == .streamingSigned)
            try await client.put("chunked", body: chunked)
            #expect(Array(try await client.get("chunked").readableBytesView) == content)
            let wrongSecret = S3Client(
                location: client.location,
                credentials: AWSCredentials(accessKeyID: Seaweed.accessKey, secretAccessKey: "wrong"), retry: .none)
            do {
                try await wrongSecret.put("chunked-bad", body: chunked)
                Issue.record("an aws-chunked body signed with a wrong secret was stored")
            } catch ObjectStoreError.service(let error) {
                #expect(error.status == 403)
            }
        }
    }
}

import Foundation
import ObjectStore
import TestSupport
import Testing

/// One case of the AWS Signature Version 4 test suite: its context, request and expected texts.
struct SigningSuiteCase: CustomTestStringConvertible, Sendable {
    let name: String
    let folder: URL

    var testDescription: String { name }

    static let fixtures = Repository.url("Tests/ObjectStoreTests/Fixtures/aws-signing-test-suite")

    static func all(in folder: URL) -> [SigningSuiteCase] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().compactMap { name in
            let caseFolder = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: caseFolder.appendingPathComponent("request.txt").path)
            else { return nil }
            return SigningSuiteCase(name: name, folder: caseFolder)
        }
    }

    func text(_ file: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
    }

    struct Context: Decodable {
        struct Credentials: Decodable {
            var accessKeyId: String
            var secretAccessKey: String
            var token: String?
        }
        var credentials: Credentials
        var expirationInSeconds: Int
        var normalize: Bool
        var region: String
        var service: String
        var signBody: Bool
        var timestamp: String
        var omitSessionToken: Bool?
    }

    /// `request.txt`: request line (the path may hold spaces), headers with continuation lines, body.
    func request() throws -> (SignableRequest, body: String) {
        let raw = try text("request.txt")
        let (head, body) =
            raw.range(of: "\n\n").map { (String(raw[..<$0.lowerBound]), String(raw[$0.upperBound...])) } ?? (raw, "")
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst()
        let method = String(requestLine.prefix { $0 != " " })
        var target = requestLine.dropFirst(method.count + 1)
        if let version = target.range(of: " HTTP/", options: .backwards) { target = target[..<version.lowerBound] }
        let path = target.prefix { $0 != "?" }
        var query: [QueryItem] = []
        if target.count > path.count {
            for pair in target.dropFirst(path.count + 1).split(separator: "&") {
                let name = pair.prefix { $0 != "=" }
                query.append(QueryItem(SigV4.decode(name), SigV4.decode(pair.dropFirst(name.count + 1))))
            }
        }
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
                continue
            }
            let name = String(line.prefix { $0 != ":" })
            headers.append((name, String(line.dropFirst(name.count + 1))))
        }
        let host = headers.first { $0.name.lowercased() == "host" }?.value ?? ""
        return (
            SignableRequest(method: method, host: host, path: String(path), query: query, headers: headers), body
        )
    }
}

@Suite("SigV4 test vectors")
struct SigV4VectorTests {
    static let fixtureCases = SigningSuiteCase.all(in: SigningSuiteCase.fixtures)

    static func check(_ suiteCase: SigningSuiteCase) throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let context = try decoder.decode(
            SigningSuiteCase.Context.self, from: Data(try suiteCase.text("context.json").utf8))
        let (request, body) = try suiteCase.request()
        let signer = SigV4Signer(
            credentials: AWSCredentials(
                accessKeyID: context.credentials.accessKeyId,
                secretAccessKey: context.credentials.secretAccessKey, sessionToken: context.credentials.token),
            region: context.region, service: context.service, normalizePath: context.normalize,
            omitSessionTokenFromSignature: context.omitSessionToken ?? false)
        let date = try #require(ISO8601DateFormatter().date(from: context.timestamp))
        let payload = PayloadHash.of(Data(body.utf8))

        let header = signer.signHeaders(request, payload: payload, date: date, sendPayloadHash: context.signBody)
        #expect(header.canonicalRequest == (try suiteCase.text("header-canonical-request.txt")), "\(suiteCase.name)")
        #expect(header.stringToSign == (try suiteCase.text("header-string-to-sign.txt")), "\(suiteCase.name)")
        #expect(header.signature == (try suiteCase.text("header-signature.txt")), "\(suiteCase.name)")

        let query = signer.signQuery(request, expires: context.expirationInSeconds, date: date, payload: payload)
        #expect(query.canonicalRequest == (try suiteCase.text("query-canonical-request.txt")), "\(suiteCase.name)")
        #expect(query.stringToSign == (try suiteCase.text("query-string-to-sign.txt")), "\(suiteCase.name)")
        #expect(query.signature == (try suiteCase.text("query-signature.txt")), "\(suiteCase.name)")
        #expect(query.query.last == QueryItem("X-Amz-Signature", query.signature))
    }

    @Test("every transcribed case of the AWS suite, header and query forms", arguments: fixtureCases)
    func transcribedCase(_ suiteCase: SigningSuiteCase) throws {
        try Self.check(suiteCase)
    }

    @Test("the transcribed cases are all there")
    func transcribedCount() {
        #expect(Self.fixtureCases.count == 18)
    }

    @Test(
        "the whole AWS suite from a checkout",
        .enabled(
            if: ProcessInfo.processInfo.environment["BERTH_AWS_SIGNING_SUITE"] != nil,
            "set BERTH_AWS_SIGNING_SUITE to aws-c-auth's tests/aws-signing-test-suite/v4"))
    func wholeSuite() throws {
        let folder = URL(fileURLWithPath: ProcessInfo.processInfo.environment["BERTH_AWS_SIGNING_SUITE"] ?? "")
        let cases = SigningSuiteCase.all(in: folder)
        #expect(!cases.isEmpty)
        for suiteCase in cases { try Self.check(suiteCase) }
        print("SigV4 suite: \(cases.count) cases checked from \(folder.path)")
    }

    // MARK: The S3 examples of AWS's "Signature Calculations for the Authorization Header" and
    // "Authenticating Requests: Using Query Parameters" pages.

    static let exampleSigner = SigV4Signer(
        credentials: AWSCredentials(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    static let exampleDate = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z

    @Test("S3 example: GET object with a range")
    func getObjectExample() {
        let request = SignableRequest(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt",
            headers: [("Range", "bytes=0-9")])
        let signed = Self.exampleSigner.signHeaders(request, payload: .empty, date: Self.exampleDate)
        #expect(
            signed.canonicalRequest == """
                GET
                /test.txt

                host:examplebucket.s3.amazonaws.com
                range:bytes=0-9
                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                x-amz-date:20130524T000000Z

                host;range;x-amz-content-sha256;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        #expect(
            signed.stringToSign == """
                AWS4-HMAC-SHA256
                20130524T000000Z
                20130524/us-east-1/s3/aws4_request
                7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
                """)
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(
            signed.headers.last?.value
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test("S3 example: PUT object with a '$' in the key, a Date header and a storage class")
    func putObjectExample() {
        let body = Data("Welcome to Amazon S3.".utf8)
        let request = SignableRequest(
            method: "PUT", host: "examplebucket.s3.amazonaws.com", path: "/test$file.text",
            headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")])
        let signed = Self.exampleSigner.signHeaders(request, payload: .of(body), date: Self.exampleDate)
        #expect(signed.canonicalRequest.hasPrefix("PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"))
        #expect(signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test("S3 example: GET bucket lifecycle (a query parameter without value)")
    func lifecycleExample() {
        let request = SignableRequest(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/", query: [QueryItem("lifecycle", "")])
        let signed = Self.exampleSigner.signHeaders(request, payload: .empty, date: Self.exampleDate)
        #expect(signed.canonicalRequest.hasPrefix("GET\n/\nlifecycle=\n"))
        #expect(signed.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test("S3 example: list objects (query parameters sorted)")
    func listObjectsExample() {
        let request = SignableRequest(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/",
            query: [QueryItem("max-keys", "2"), QueryItem("prefix", "J")])
        let signed = Self.exampleSigner.signHeaders(request, payload: .empty, date: Self.exampleDate)
        #expect(signed.canonicalRequest.hasPrefix("GET\n/\nmax-keys=2&prefix=J\n"))
        #expect(signed.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test("S3 example: presigned GET valid for a day")
    func presignedExample() {
        let request = SignableRequest(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt")
        let signed = Self.exampleSigner.signQuery(request, expires: 86400, date: Self.exampleDate)
        #expect(
            signed.canonicalRequest == """
                GET
                /test.txt
                X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host
                host:examplebucket.s3.amazonaws.com

                host
                UNSIGNED-PAYLOAD
                """)
        #expect(signed.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test("encoding: unreserved kept, everything else percent-encoded once with uppercase digits")
    func encoding() {
        #expect(SigV4.encode("a b+c=d&e/f~g*h", keepSlash: true) == "a%20b%2Bc%3Dd%26e/f~g%2Ah")
        #expect(SigV4.encode("a/b") == "a%2Fb")
        #expect(SigV4.encode("ሴ") == "%E1%88%B4")
        #expect(SigV4.encode("%41") == "%2541")
        #expect(SigV4.decode("a%20b+%E1%88%B4%zz") == "a b+ሴ%zz")
        #expect(SigV4.timestamp(Self.exampleDate) == "20130524T000000Z")
    }
}

@Suite("SigV4 chunked upload example")
struct ChunkedSigningExampleTests {
    /// AWS's "Transferring Payload in Multiple Chunks" example: 66,560 bytes of 'a' in 64 KiB chunks.
    @Test("seed and chunk signatures of AWS's aws-chunked example")
    func chunkedExample() {
        let signer = SigV4VectorTests.exampleSigner
        let request = SignableRequest(
            method: "PUT", host: "s3.amazonaws.com", path: "/examplebucket/chunkObject.txt",
            headers: [
                ("Content-Encoding", "aws-chunked"), ("Content-Length", "66824"),
                ("x-amz-decoded-content-length", "66560"), ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ])
        let seed = signer.signHeaders(request, payload: .streamingSigned, date: SigV4VectorTests.exampleDate)
        #expect(seed.signature == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
        let key = signer.signingKey(day: "20130524")
        let first = signer.chunkSignature(
            previous: seed.signature, chunk: [UInt8](repeating: 97, count: 65536), timestamp: "20130524T000000Z",
            key: key)
        #expect(first == "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648")
        let second = signer.chunkSignature(
            previous: first, chunk: [UInt8](repeating: 97, count: 1024), timestamp: "20130524T000000Z", key: key)
        #expect(second == "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497")
        let last = signer.chunkSignature(previous: second, chunk: [UInt8](), timestamp: "20130524T000000Z", key: key)
        #expect(last == "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9")
        #expect(ObjectBody.chunkedLength(payload: 66560, chunkSize: 65536) == 66824)
    }
}

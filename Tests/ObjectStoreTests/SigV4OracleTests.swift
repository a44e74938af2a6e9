import Foundation
import ObjectStore
import TestSupport
import Testing

/// A small seeded generator (SplitMix64) so a failing case can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Signs randomized S3 requests with Berth's signer and with botocore's, and compares every text.
@Suite("SigV4 against botocore", .serialized)
struct SigV4OracleTests {
    static let oracle = Repository.url("Tests/ObjectStoreTests/Fixtures/botocore_sigv4.py").path

    /// Characters keys and values are drawn from: unreserved, reserved, space, `%`, non-ASCII.
    static let keyCharacters = Array("abcXYZ019-_.~ +=&%$@:!'()*,;?#[]/éüሴ😀\u{00A0}")
    static let valueCharacters = Array("abcXYZ019-_.~ +=&%$@:!'()*,;?#[]/éሴ😀")
    static let headerCharacters = Array("abcXYZ019-_.~ +=&%$@:!'()*,;/\t")

    struct Item: Encodable {
        var method: String
        var scheme: String
        var host: String
        var path: String
        var query: [[String]]
        var headers: [[String]]
        var body: String
        var unsignedPayload: Bool
        var accessKey: String
        var secretKey: String
        var token: String?
        var region: String
        var timestamp: String
        var form: String
        var expires: Int
    }

    struct Answer: Decodable {
        var canonicalRequest: String
        var stringToSign: String
        var signature: String
        var authorization: String?
        var url: String
    }

    static func string(_ characters: [Character], count: ClosedRange<Int>, _ random: inout SeededGenerator) -> String {
        String((0..<Int.random(in: count, using: &random)).map { _ in characters.randomElement(using: &random)! })
    }

    static func makeCase(form: String, _ random: inout SeededGenerator) -> (Item, SignableRequest, Date, PayloadHash) {
        let pathStyle = Bool.random(using: &random)
        let host =
            [
                "examplebucket.s3.amazonaws.com", "s3.eu-west-1.amazonaws.com", "127.0.0.1:8333", "localhost:9000",
                "bucket-1.minio.internal",
            ].randomElement(using: &random)!
        var key = (0..<Int.random(in: 1...4, using: &random)).map { _ in
            string(keyCharacters, count: 1...8, &random)
        }.joined(separator: "/")
        if Int.random(in: 0..<8, using: &random) == 0 { key += "/" }
        let path = pathStyle ? "/bucket-\(Int.random(in: 0...9, using: &random))/\(key)" : "/\(key)"
        var query: [QueryItem] = []
        var names: Set<String> = []
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            var name =
                ["prefix", "list-type", "uploadId", "partNumber", "x-id", "delimiter", "a b", "ü", "max-keys", ""]
                .randomElement(using: &random)!
            if name.isEmpty { name = string(valueCharacters, count: 1...5, &random) }
            // botocore's query signer keeps one value of a repeated name: repeat only in the header form.
            if form == "query" && names.contains(name) { continue }
            names.insert(name)
            let value = Bool.random(using: &random) ? "" : string(valueCharacters, count: 1...10, &random)
            query.append(QueryItem(name, value))
        }
        var headers: [(name: String, value: String)] = []
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            let name =
                [
                    "Content-Type", "x-amz-meta-note", "X-Amz-Meta-Other", "Range", "Content-MD5", "Cache-Control",
                    "User-Agent", "x-amz-storage-class",
                ].randomElement(using: &random)!
            let padding = String(repeating: " ", count: Int.random(in: 0...2, using: &random))
            let value = padding + string(headerCharacters, count: 1...12, &random) + padding
            if value.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            headers.append((name, value))
        }
        // botocore's query signer moves a body into the query string: presigned requests carry none.
        let bodyLength = form == "query" ? 0 : [0, 0, 1, 17, 300].randomElement(using: &random)!
        let bodyBytes = (0..<bodyLength).map { _ in
            UInt8.random(in: 0...255, using: &random)
        }
        let method =
            form == "query"
            ? ["GET", "PUT", "HEAD"].randomElement(using: &random)!
            : ["GET", "PUT", "POST", "DELETE", "HEAD"].randomElement(using: &random)!
        let unsigned = form == "header" && Int.random(in: 0..<4, using: &random) == 0
        let date = Date(timeIntervalSince1970: Double(Int.random(in: 946_684_800...1_893_456_000, using: &random)))
        let withToken = Bool.random(using: &random)
        let item = Item(
            method: method, scheme: unsigned ? "https" : "http", host: host, path: path,
            query: query.map { [$0.name, $0.value] }, headers: headers.map { [$0.name, $0.value] },
            body: Data(bodyBytes).base64EncodedString(), unsignedPayload: unsigned,
            accessKey: "AKID" + string(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), count: 16...16, &random),
            secretKey: string(Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789+/"), count: 40...40, &random),
            token: withToken ? string(Array("abcdefABCDEF0123456789+/="), count: 20...80, &random) : nil,
            region: ["us-east-1", "eu-west-1", "ap-southeast-2", "garage"].randomElement(using: &random)!,
            timestamp: SigV4.timestamp(date), form: form, expires: Int.random(in: 1...604_800, using: &random))
        let request = SignableRequest(method: method, host: host, path: path, query: query, headers: headers)
        return (item, request, date, unsigned ? .unsigned : .of(bodyBytes))
    }

    static func run(form: String, count: Int, seed: UInt64) throws -> Int {
        var random = SeededGenerator(seed: seed)
        var cases: [(Item, SignableRequest, Date, PayloadHash)] = []
        for _ in 0..<count { cases.append(makeCase(form: form, &random)) }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let input = try encoder.encode(cases.map { $0.0 })
        let result = try ChildProcess.runSync("python3", [oracle], input: input)
        try #require(result.status == 0, "botocore oracle failed: \(result.error)")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let answers = try decoder.decode([Answer].self, from: Data(result.output.utf8))
        try #require(answers.count == cases.count)
        var matched = 0
        for ((item, request, date, payload), answer) in zip(cases, answers) {
            let signer = SigV4Signer(
                credentials: AWSCredentials(
                    accessKeyID: item.accessKey, secretAccessKey: item.secretKey, sessionToken: item.token),
                region: item.region)
            if form == "header" {
                let signed = signer.signHeaders(request, payload: payload, date: date)
                #expect(signed.canonicalRequest == answer.canonicalRequest, "\(item.method) \(item.path)")
                #expect(signed.stringToSign == answer.stringToSign)
                #expect(signed.signature == answer.signature)
                #expect(signed.headers.last?.value == answer.authorization)
                if signed.signature == answer.signature { matched += 1 }
            } else {
                let signed = signer.signQuery(request, expires: item.expires, date: date)
                #expect(signed.canonicalRequest == answer.canonicalRequest, "\(item.method) \(item.path)")
                #expect(signed.signature == answer.signature)
                // The URL botocore built carries the same decoded parameters as Berth's.
                var presigned = request
                presigned.query = signed.query
                let ours = "\(presigned.encodedPath)?\(presigned.encodedQuery)"
                #expect(Self.decodedQuery(ours) == Self.decodedQuery(answer.url), "\(answer.url)")
                #expect(
                    answer.url.hasPrefix("\(item.scheme)://\(item.host)\(presigned.encodedPath)?"),
                    "path encoded differently: \(answer.url)")
                if signed.signature == answer.signature { matched += 1 }
            }
        }
        return matched
    }

    static func decodedQuery(_ url: String) -> [String] {
        guard let mark = url.firstIndex(of: "?") else { return [] }
        return url[url.index(after: mark)...].split(separator: "&").map { pair in
            let name = pair.prefix { $0 != "=" }
            return SigV4.decode(name) + "=" + SigV4.decode(pair.dropFirst(name.count + 1))
        }.sorted()
    }

    @Test("300 randomized header-signed requests match botocore", Tool.enabled(pythonModules: "botocore"))
    func headerForm() throws {
        let seed = TestSeed.value(for: "SigV4 oracle header form", default: 0x5160_0001)
        let matched = try Self.run(form: "header", count: 300, seed: seed)
        print("botocore oracle, header form: \(matched) of 300 signatures equal")
        #expect(matched == 300)
    }

    @Test("200 randomized presigned URLs match botocore", Tool.enabled(pythonModules: "botocore"))
    func queryForm() throws {
        let seed = TestSeed.value(for: "SigV4 oracle query form", default: 0x5160_0002)
        let matched = try Self.run(form: "query", count: 200, seed: seed)
        print("botocore oracle, query form: \(matched) of 200 signatures equal")
        #expect(matched == 200)
    }
}

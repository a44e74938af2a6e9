import Crypto
import Foundation

/// AWS credentials: an access key, its secret and, for temporary credentials, a session token.
public struct AWSCredentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// What the `x-amz-content-sha256` header and the last line of the canonical request say about a body.
public enum PayloadHash: Sendable, Equatable {
    /// `UNSIGNED-PAYLOAD`: the body is not covered by the signature (streams of unknown digest, presigned URLs).
    case unsigned
    /// The lowercase hexadecimal SHA-256 of the body.
    case sha256(String)

    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: the body is sent `aws-chunked`, each chunk signed
    /// with the previous chunk's signature (the first with the request's).
    case streamingSigned

    /// The SHA-256 of an empty body.
    public static let empty = PayloadHash.sha256("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

    /// The SHA-256 of `bytes`.
    public static func of<Bytes: DataProtocol>(_ bytes: Bytes) -> PayloadHash {
        .sha256(SigV4.hex(SHA256.hash(data: bytes)))
    }

    /// The text signed and sent.
    public var value: String {
        switch self {
        case .unsigned: "UNSIGNED-PAYLOAD"
        case .streamingSigned: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
        case .sha256(let hex): hex
        }
    }
}

/// A query parameter, decoded (`a b`, not `a%20b`); the signer encodes it exactly once.
public struct QueryItem: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The parts of an HTTP request that Signature Version 4 covers.
public struct SignableRequest: Sendable {
    /// `GET`, `PUT`, ...
    public var method: String
    /// The `Host` header as sent: the host, and `:port` when the port is not the scheme's default.
    public var host: String
    /// The path, decoded (`/bucket/my key`); encoded once for the wire and for the canonical request.
    public var path: String
    /// The query parameters, decoded, in any order; a name may repeat.
    public var query: [QueryItem]
    /// Headers to send and sign (besides `host` and the `x-amz-*` headers the signer adds).
    public var headers: [(name: String, value: String)]

    public init(
        method: String, host: String, path: String, query: [QueryItem] = [],
        headers: [(name: String, value: String)] = []
    ) {
        self.method = method
        self.host = host
        self.path = path
        self.query = query
        self.headers = headers
    }

    /// The path as sent: every byte but the unreserved characters and `/` percent-encoded.
    public var encodedPath: String { SigV4.encode(path, keepSlash: true) }

    /// The query string as sent (names and values encoded once, in the given order), or "" when empty.
    public var encodedQuery: String {
        query.map { "\(SigV4.encode($0.name))=\(SigV4.encode($0.value))" }.joined(separator: "&")
    }
}

/// The outcome of signing: what to add to the request, and the intermediate texts for diagnosis.
public struct SignedRequest: Sendable {
    /// Headers to add to the request as sent (`x-amz-date`, `x-amz-content-sha256`,
    /// `x-amz-security-token`, `authorization`), in that order where present.
    public var headers: [(name: String, value: String)]
    /// For query signing: the query parameters to send (the request's own first, then the
    /// `X-Amz-*` ones, `X-Amz-Signature` last).
    public var query: [QueryItem]
    public var canonicalRequest: String
    public var stringToSign: String
    public var signature: String
    public var signedHeaders: String
}

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`), header and query (presigned URL) forms.
///
/// S3's rules are the default: the path is encoded once and never normalised. Other services
/// normalise the path (remove `.`/`..` segments and empty ones), as `normalizePath` does.
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String
    /// Remove dot segments and repeated slashes before encoding the path (not for S3).
    public var normalizePath: Bool
    /// Send the session token without signing it (a few services want it added after signing).
    public var omitSessionTokenFromSignature: Bool

    public init(
        credentials: AWSCredentials, region: String, service: String = "s3", normalizePath: Bool = false,
        omitSessionTokenFromSignature: Bool = false
    ) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.normalizePath = normalizePath
        self.omitSessionTokenFromSignature = omitSessionTokenFromSignature
    }

    /// Headers never signed: hop-by-hop headers and those proxies and clients rewrite.
    public static let unsignedHeaders: Set<String> = [
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    /// Signs `request` with an `Authorization` header.
    ///
    /// `sendPayloadHash` adds `x-amz-content-sha256` (S3 requires it; the generic test suite only
    /// sends it when the body is signed).
    public func signHeaders(
        _ request: SignableRequest, payload: PayloadHash, date: Date, sendPayloadHash: Bool = true
    ) -> SignedRequest {
        let timestamp = SigV4.timestamp(date)
        var headers = request.headers
        var added: [(name: String, value: String)] = [("x-amz-date", timestamp)]
        if sendPayloadHash { added.append(("x-amz-content-sha256", payload.value)) }
        if let token = credentials.sessionToken, !omitSessionTokenFromSignature {
            added.append(("x-amz-security-token", token))
        }
        headers.append(contentsOf: added)
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(headers, host: request.host)
        let canonicalRequest = [
            request.method.uppercased(), canonicalPath(request.path), Self.canonicalQuery(request.query),
            canonicalHeaders, signedHeaders, payload.value,
        ].joined(separator: "\n")
        let (stringToSign, signature) = sign(canonicalRequest, timestamp: timestamp)
        if let token = credentials.sessionToken, omitSessionTokenFromSignature {
            added.append(("x-amz-security-token", token))
        }
        added.append(
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(timestamp)), "
                    + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
            ))
        return SignedRequest(
            headers: added, query: request.query, canonicalRequest: canonicalRequest, stringToSign: stringToSign,
            signature: signature, signedHeaders: signedHeaders)
    }

    /// Signs `request` in its query string (a presigned URL) valid for `expires` seconds from `date`.
    ///
    /// S3 presigned URLs use ``PayloadHash/unsigned``; the generic test suite hashes the body.
    public func signQuery(
        _ request: SignableRequest, expires: Int, date: Date, payload: PayloadHash = .unsigned
    ) -> SignedRequest {
        let timestamp = SigV4.timestamp(date)
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(request.headers, host: request.host)
        var query = request.query
        query.append(QueryItem("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        query.append(QueryItem("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(timestamp))"))
        query.append(QueryItem("X-Amz-Date", timestamp))
        query.append(QueryItem("X-Amz-Expires", String(expires)))
        query.append(QueryItem("X-Amz-SignedHeaders", signedHeaders))
        let token = credentials.sessionToken.map { QueryItem("X-Amz-Security-Token", $0) }
        if let token, !omitSessionTokenFromSignature { query.append(token) }
        let canonicalRequest = [
            request.method.uppercased(), canonicalPath(request.path), Self.canonicalQuery(query), canonicalHeaders,
            signedHeaders, payload.value,
        ].joined(separator: "\n")
        let (stringToSign, signature) = sign(canonicalRequest, timestamp: timestamp)
        if let token, omitSessionTokenFromSignature { query.append(token) }
        query.append(QueryItem("X-Amz-Signature", signature))
        return SignedRequest(
            headers: [], query: query, canonicalRequest: canonicalRequest, stringToSign: stringToSign,
            signature: signature, signedHeaders: signedHeaders)
    }

    // MARK: Canonical forms

    func canonicalPath(_ path: String) -> String {
        SigV4.encode(normalizePath ? Self.removeDotSegments(path) : path, keepSlash: true)
    }

    /// Names and values encoded, sorted by encoded name then encoded value (byte order).
    static func canonicalQuery(_ query: [QueryItem]) -> String {
        query.map { (SigV4.encode($0.name), SigV4.encode($0.value)) }
            .sorted {
                $0.0 == $1.0
                    ? Array($0.1.utf8).lexicographicallyPrecedes($1.1.utf8)
                    : Array($0.0.utf8).lexicographicallyPrecedes($1.0.utf8)
            }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// Lowercased names sorted, values of a repeated name joined with `,` in order, each value
    /// trimmed with inner runs of white space folded to one space; `host` added when absent.
    static func canonicalHeaders(_ headers: [(name: String, value: String)], host: String) -> (String, String) {
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            let lowered = name.lowercased()
            if unsignedHeaders.contains(lowered) { continue }
            values[lowered, default: []].append(value.split(whereSeparator: \.isWhitespace).joined(separator: " "))
        }
        if values["host"] == nil { values["host"] = [host] }
        let names = values.keys.sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }
        let lines = names.map { "\($0):\(values[$0, default: []].joined(separator: ","))\n" }.joined()
        return (lines, names.joined(separator: ";"))
    }

    /// RFC 3986 dot-segment removal with empty segments dropped; a trailing slash is kept.
    static func removeDotSegments(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." {
                if !segments.isEmpty { segments.removeLast() }
                continue
            }
            segments.append(segment)
        }
        if segments.isEmpty { return "/" }
        return "/" + segments.joined(separator: "/") + (path.hasSuffix("/") ? "/" : "")
    }

    // MARK: Signing

    func scope(_ timestamp: String) -> String {
        "\(timestamp.prefix(8))/\(region)/\(service)/aws4_request"
    }

    /// The signing key of a day: HMAC chain over date, region, service and `aws4_request`.
    public func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    /// The signature of one chunk of an `aws-chunked` body: it chains on `previous` (the request's
    /// signature for the first chunk); the last chunk is empty.
    public func chunkSignature(previous: String, chunk: some DataProtocol, timestamp: String, key: SymmetricKey)
        -> String
    {
        let stringToSign = [
            "AWS4-HMAC-SHA256-PAYLOAD", timestamp, scope(timestamp), previous, PayloadHash.empty.value,
            SigV4.hex(SHA256.hash(data: chunk)),
        ].joined(separator: "\n")
        return SigV4.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    func sign(_ canonicalRequest: String, timestamp: String) -> (stringToSign: String, signature: String) {
        let stringToSign = [
            "AWS4-HMAC-SHA256", timestamp, scope(timestamp),
            SigV4.hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        let key = signingKey(day: String(timestamp.prefix(8)))
        let signature = SigV4.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        return (stringToSign, signature)
    }
}

/// Encoding and formatting shared by the signer and the client.
public enum SigV4 {
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Percent-encodes every byte of the UTF-8 form except `A-Z a-z 0-9 - . _ ~` (and `/` when
    /// `keepSlash`), with uppercase hexadecimal digits, as the specification requires.
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepSlash:
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes (a malformed escape is kept as it is); `+` stays `+`.
    public static func decode(_ text: Substring) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `YYYYMMDD'T'HHMMSS'Z'` in UTC.
    public static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }

    /// Lowercase hexadecimal.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

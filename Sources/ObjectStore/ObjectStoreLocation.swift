import Foundation

/// Where objects live: `s3://BUCKET[/PREFIX]?endpoint=URL&region=R&path-style=true`.
///
/// Without `endpoint` the location is AWS S3 in `region` (`https://s3.REGION.amazonaws.com`,
/// virtual-host-style). `region` defaults to `AWS_REGION`, then `AWS_DEFAULT_REGION`, then
/// `us-east-1`. `path-style=true` puts the bucket in the path (`http://host/bucket/key`) instead of
/// the host name (`http://bucket.host/key`); most self-hosted stores (SeaweedFS, MinIO) want it.
public struct ObjectStoreLocation: Sendable, Equatable {
    public var bucket: String
    /// Keys are stored under `prefix/` when not empty (no leading or trailing slash).
    public var prefix: String
    /// `http` or `https`.
    public var scheme: String
    /// The endpoint's host name or address (without the bucket).
    public var host: String
    public var port: Int?
    public var region: String
    public var pathStyle: Bool

    public init(
        bucket: String, prefix: String = "", endpoint: URL, region: String = "us-east-1", pathStyle: Bool = true
    ) throws {
        guard let scheme = endpoint.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = endpoint.host, !host.isEmpty
        else {
            throw ObjectStoreError.invalidLocation(
                endpoint.absoluteString, reason: "the endpoint is not an http(s) URL")
        }
        try Self.validate(bucket: bucket, location: "s3://\(bucket)")
        self.bucket = bucket
        self.prefix = prefix.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        self.scheme = scheme
        self.host = host
        self.port = endpoint.port
        self.region = region
        self.pathStyle = pathStyle
    }

    /// Reads an `s3://` location; `environment` supplies the default region.
    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard text.hasPrefix("s3://") else {
            throw ObjectStoreError.invalidLocation(text, reason: "it does not start with s3://")
        }
        let rest = text.dropFirst("s3://".count)
        let (pathPart, queryPart) =
            rest.firstIndex(of: "?").map { (rest[..<$0], rest[rest.index(after: $0)...]) } ?? (rest, "")
        let bucket = String(pathPart.prefix { $0 != "/" })
        let prefix = SigV4.decode(pathPart.dropFirst(bucket.count))
        var endpoint: String?
        var region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        var pathStyle: Bool?
        for pair in queryPart.split(separator: "&", omittingEmptySubsequences: true) {
            let name = String(pair.prefix { $0 != "=" })
            let value = SigV4.decode(pair.dropFirst(name.count + 1))
            switch name {
            case "endpoint": endpoint = value
            case "region":
                guard !value.isEmpty else { throw ObjectStoreError.invalidLocation(text, reason: "region is empty") }
                region = value
            case "path-style":
                guard let flag = Bool(value) else {
                    throw ObjectStoreError.invalidLocation(
                        text, reason: "path-style must be true or false, not '\(value)'")
                }
                pathStyle = flag
            default:
                throw ObjectStoreError.invalidLocation(
                    text, reason: "unknown parameter '\(name)' (known: endpoint, region, path-style)")
            }
        }
        let endpointURL = endpoint ?? "https://s3.\(region).amazonaws.com"
        guard let url = URL(string: endpointURL), url.path.isEmpty || url.path == "/", url.query == nil else {
            throw ObjectStoreError.invalidLocation(text, reason: "endpoint '\(endpointURL)' is not a URL of a host")
        }
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host?.isEmpty == false
        else { throw ObjectStoreError.invalidLocation(text, reason: "endpoint '\(endpointURL)' is not an http(s) URL") }
        try Self.validate(bucket: bucket, location: text)
        try self.init(bucket: bucket, prefix: prefix, endpoint: url, region: region, pathStyle: pathStyle ?? false)
    }

    /// Bucket names: 3 to 63 lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit.
    static func validate(bucket: String, location: String) throws {
        let allowed = bucket.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-")
        }
        guard (3...63).contains(bucket.utf8.count), allowed, bucket.first != "." && bucket.first != "-",
            bucket.last != "." && bucket.last != "-"
        else {
            throw ObjectStoreError.invalidLocation(
                location, reason: "bucket '\(bucket)' is not a valid name (3-63 of a-z, 0-9, '.', '-')")
        }
    }

    /// The `Host` header of requests: with the bucket in front unless path-style, with the port unless default.
    public var requestHost: String {
        let name = pathStyle ? host : "\(bucket).\(host)"
        let bracketed = name.contains(":") ? "[\(name)]" : name
        if let port, !(scheme == "http" && port == 80) && !(scheme == "https" && port == 443) {
            return "\(bracketed):\(port)"
        }
        return bracketed
    }

    /// The full key of `key` (under the prefix).
    public func storedKey(_ key: String) -> String {
        prefix.isEmpty ? key : "\(prefix)/\(key)"
    }

    /// The request path of `storedKey` (decoded): `/bucket/key` path-style, `/key` otherwise; `nil` for the bucket.
    public func requestPath(storedKey: String?) -> String {
        let key = storedKey.map { "/" + $0 } ?? "/"
        if pathStyle { return storedKey == nil ? "/\(bucket)" : "/\(bucket)\(key)" }
        return key
    }

    /// The location written back in the `s3://` syntax.
    public var description: String {
        var text = "s3://\(bucket)"
        if !prefix.isEmpty { text += "/\(prefix)" }
        let portText = port.map { ":\($0)" } ?? ""
        text += "?endpoint=\(scheme)://\(host)\(portText)&region=\(region)&path-style=\(pathStyle)"
        return text
    }
}

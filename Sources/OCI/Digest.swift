import Crypto
import Foundation

/// A content digest as the OCI image spec defines it: `algorithm:encoded`.
///
/// Only the registered algorithms `sha256` and `sha512` are accepted; the encoded part must be
/// lowercase hex of the algorithm's exact length, so a digest can never carry a path separator.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// A registered digest algorithm.
    public enum Algorithm: String, Sendable, CaseIterable, Codable {
        case sha256
        case sha512

        /// Length of the hex encoding of a digest of this algorithm.
        public var hexLength: Int {
            switch self {
            case .sha256: return 64
            case .sha512: return 128
            }
        }
    }

    /// The algorithm that produced the digest.
    public let algorithm: Algorithm
    /// Lowercase hex encoding of the hash.
    public let encoded: String

    /// Creates a digest from its parts, validating the encoding.
    public init(algorithm: Algorithm, encoded: String) throws(OCIError) {
        guard encoded.utf8.count == algorithm.hexLength,
            encoded.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else {
            throw OCIError.invalidDigest(
                "'\(algorithm.rawValue):\(encoded.prefix(140))' is not a valid \(algorithm.rawValue) digest")
        }
        self.algorithm = algorithm
        self.encoded = encoded
    }

    /// Parses `algorithm:encoded`, rejecting unknown algorithms and malformed encodings.
    public init(parsing string: String) throws(OCIError) {
        guard string.utf8.count <= 200, let colon = string.firstIndex(of: ":") else {
            throw OCIError.invalidDigest("'\(string.prefix(140))' is not a digest of the form algorithm:hex")
        }
        let name = String(string[..<colon])
        guard let algorithm = Algorithm(rawValue: name) else {
            if Digest.isWellFormedAlgorithm(name) {
                throw OCIError.unsupportedDigestAlgorithm(name)
            }
            throw OCIError.invalidDigest("'\(string.prefix(140))' is not a digest of the form algorithm:hex")
        }
        try self.init(algorithm: algorithm, encoded: String(string[string.index(after: colon)...]))
    }

    /// The digest as `algorithm:encoded`.
    public var description: String { "\(algorithm.rawValue):\(encoded)" }

    /// The `algorithm-encoded` form used by the cosign tag convention and by file names.
    public var tagForm: String { "\(algorithm.rawValue)-\(encoded)" }

    /// Computes the digest of `data` with `algorithm`.
    public static func of(_ data: some DataProtocol, algorithm: Algorithm = .sha256) -> Digest {
        var hasher = Digester(algorithm: algorithm)
        hasher.update(data)
        return hasher.finalize()
    }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        do {
            try self.init(parsing: string)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Whether `name` follows the spec's algorithm grammar `[a-z0-9]+([+._-][a-z0-9]+)*`.
    static func isWellFormedAlgorithm(_ name: String) -> Bool {
        var previousWasSeparator = true
        for byte in name.utf8 {
            let alnum = (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39)
            if alnum {
                previousWasSeparator = false
            } else if byte == 0x2b || byte == 0x2e || byte == 0x5f || byte == 0x2d {
                if previousWasSeparator { return false }
                previousWasSeparator = true
            } else {
                return false
            }
        }
        return !name.isEmpty && !previousWasSeparator
    }
}

/// Incremental hashing of a byte stream into a ``Digest``.
public struct Digester: Sendable {
    private enum State: Sendable {
        case sha256(SHA256)
        case sha512(SHA512)
    }

    private var state: State
    /// Number of bytes hashed so far.
    public private(set) var count: Int64 = 0

    /// Creates an empty hasher for `algorithm`.
    public init(algorithm: Digest.Algorithm) {
        switch algorithm {
        case .sha256: state = .sha256(SHA256())
        case .sha512: state = .sha512(SHA512())
        }
    }

    /// The algorithm this hasher computes.
    public var algorithm: Digest.Algorithm {
        switch state {
        case .sha256: return .sha256
        case .sha512: return .sha512
        }
    }

    /// Feeds bytes into the hash.
    public mutating func update(_ data: some DataProtocol) {
        count += Int64(data.count)
        switch state {
        case .sha256(var hasher):
            hasher.update(data: data)
            state = .sha256(hasher)
        case .sha512(var hasher):
            hasher.update(data: data)
            state = .sha512(hasher)
        }
    }

    /// Feeds raw bytes into the hash.
    public mutating func update(bytes: UnsafeRawBufferPointer) {
        count += Int64(bytes.count)
        switch state {
        case .sha256(var hasher):
            hasher.update(bufferPointer: bytes)
            state = .sha256(hasher)
        case .sha512(var hasher):
            hasher.update(bufferPointer: bytes)
            state = .sha512(hasher)
        }
    }

    /// The digest of everything fed so far.
    public func finalize() -> Digest {
        let hex: String
        switch state {
        case .sha256(let hasher): hex = hasher.finalize().hexString
        case .sha512(let hasher): hex = hasher.finalize().hexString
        }
        // The hex of a real hash always has the algorithm's length.
        return try! Digest(algorithm: algorithm, encoded: hex)
    }
}

extension Sequence where Element == UInt8 {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(128)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

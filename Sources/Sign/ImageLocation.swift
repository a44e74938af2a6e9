import Foundation
import OCI

/// Where an image and its signatures are read from or written to.
public enum ImageLocation: Sendable, Equatable, CustomStringConvertible {
    /// A registry: `docker://host/repo:tag` or a bare reference.
    case registry(ImageReference)
    /// skopeo's `dir:` layout: `manifest.json` and `signature-1`, `signature-2`, … beside it.
    case directory(String)
    /// An OCI image layout (`oci:PATH[:REF]`); signatures are the layout's `sha256-<hex>.sig` entry.
    case ociLayout(path: String, reference: String?)

    /// Parses `dir:PATH`, `oci:PATH[:REF]`, `docker://REF` or a bare `REF`.
    public init(parsing text: String) throws(SignError) {
        if text.hasPrefix("dir:") {
            let path = String(text.dropFirst(4))
            guard !path.isEmpty else { throw SignError.invalidInput("dir: needs a path") }
            self = .directory(path)
        } else if text.hasPrefix("oci:") {
            let rest = text.dropFirst(4)
            guard !rest.isEmpty else { throw SignError.invalidInput("oci: needs a path") }
            if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
                self = .ociLayout(path: String(rest[..<colon]), reference: String(rest[rest.index(after: colon)...]))
            } else {
                self = .ociLayout(path: String(rest), reference: nil)
            }
        } else {
            do {
                self = .registry(try ImageReference(parsing: text))
            } catch {
                throw SignError.invalidInput("'\(text.prefix(200))' is not an image reference: \(error)")
            }
        }
    }

    public var description: String {
        switch self {
        case .registry(let reference): return "docker://\(reference)"
        case .directory(let path): return "dir:\(path)"
        case .ociLayout(let path, let reference): return "oci:\(path)" + (reference.map { ":\($0)" } ?? "")
        }
    }
}

/// How to reach registries.
public struct RegistryAccess: Sendable {
    /// Explicit credentials (`--creds`); otherwise the credentials files are consulted per host.
    public var credentials: RegistryCredentials?
    /// Whether TLS certificates are verified (`--tls-verify=false` also allows plain HTTP).
    public var tlsVerify: Bool

    public init(credentials: RegistryCredentials? = nil, tlsVerify: Bool = true) {
        self.credentials = credentials
        self.tlsVerify = tlsVerify
    }

    /// A client for `reference`'s registry.
    public func client(for reference: ImageReference) throws(SignError) -> RegistryClient {
        var credentials = self.credentials
        if credentials == nil {
            do {
                credentials = try RegistryCredentials.lookup(host: reference.host)
            } catch {
                throw SignError.oci(error)
            }
        }
        return RegistryClient(host: reference.apiHost, credentials: credentials, tlsVerify: tlsVerify)
    }
}

/// An image's manifest digest and the cosign signatures (or attestations) found for it.
public struct SignedImage: Sendable {
    /// The manifest digest.
    public var digest: OCI.Digest
    /// The registry reference, when the image came from one.
    public var reference: ImageReference?
    /// Signatures or attestations, in the order stored.
    public var signatures: [CosignSignature]
}

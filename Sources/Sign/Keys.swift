import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// An ECDSA P-256 signing key, the scheme every cosign verifier accepts.
public struct SigningKey: Sendable {
    /// The private key.
    public let privateKey: P256.Signing.PrivateKey

    public init(privateKey: P256.Signing.PrivateKey) { self.privateKey = privateKey }

    /// A new random key.
    public static func generate() -> SigningKey { SigningKey(privateKey: P256.Signing.PrivateKey()) }

    /// The public key as an SPKI PEM (`PUBLIC KEY`), what `cosign verify --key` and openssl read.
    public var publicKeyPEM: String { privateKey.publicKey.pemRepresentation + "\n" }

    /// The verification key of this signing key.
    public var verificationKey: VerificationKey { .p256(privateKey.publicKey) }

    /// The private key as a PKCS#8 `ENCRYPTED PRIVATE KEY` PEM under `password`.
    public func encryptedPEM(password: String, iterations: Int = EncryptedPrivateKey.defaultIterations)
        throws(SignError) -> String
    {
        try EncryptedPrivateKey.encrypt(
            privateKeyInfo: Array(privateKey.derRepresentation), password: password, iterations: iterations)
    }

    /// Reads a private key PEM: `ENCRYPTED PRIVATE KEY` (with `password`), or an unencrypted
    /// `PRIVATE KEY` / `EC PRIVATE KEY`. Cosign's own scrypt/secretbox format is refused by name.
    public init(pem: String, password: String?) throws(SignError) {
        let document: PEMDocument
        do {
            document = try PEMDocument(pemString: pem)
        } catch {
            throw SignError.key("not a PEM private key")
        }
        switch document.discriminator {
        case EncryptedPrivateKey.pemType:
            guard let password else { throw SignError.key("the key is encrypted and no password was given") }
            let plain = try EncryptedPrivateKey.decrypt(der: document.derBytes, password: password)
            do {
                privateKey = try P256.Signing.PrivateKey(derRepresentation: plain)
            } catch {
                throw SignError.key("the decrypted key is not an ECDSA P-256 private key")
            }
        case "PRIVATE KEY", "EC PRIVATE KEY":
            do {
                privateKey = try P256.Signing.PrivateKey(pemRepresentation: pem)
            } catch {
                throw SignError.key("not an ECDSA P-256 private key")
            }
        case "ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY":
            throw SignError.key(
                "cosign's scrypt/secretbox key format is not supported; export it with "
                    + "`openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256` from an unencrypted PEM")
        default:
            throw SignError.key("unsupported PEM block '\(document.discriminator)'")
        }
    }

    /// A DER ECDSA signature over SHA-256 of `data`.
    public func sign(_ data: some DataProtocol) throws(SignError) -> Data {
        do {
            return try privateKey.signature(for: data).derRepresentation
        } catch {
            throw SignError.key("signing failed: \(error)")
        }
    }
}

/// A public key a signature is checked against: ECDSA P-256/384/521 or RSA (PKCS#1 v1.5), always
/// over SHA-256 of the signed bytes as cosign does.
public enum VerificationKey: Sendable {
    case p256(P256.Signing.PublicKey)
    case p384(P384.Signing.PublicKey)
    case p521(P521.Signing.PublicKey)
    case rsa(_RSA.Signing.PublicKey)

    /// Reads an SPKI PEM (`PUBLIC KEY`) or PKCS#1 `RSA PUBLIC KEY`.
    public init(pem: String) throws(SignError) {
        if let key = try? P256.Signing.PublicKey(pemRepresentation: pem) {
            self = .p256(key)
        } else if let key = try? P384.Signing.PublicKey(pemRepresentation: pem) {
            self = .p384(key)
        } else if let key = try? P521.Signing.PublicKey(pemRepresentation: pem) {
            self = .p521(key)
        } else if let key = try? _RSA.Signing.PublicKey(pemRepresentation: pem) {
            self = .rsa(key)
        } else {
            throw SignError.key("not an ECDSA P-256/384/521 or RSA (2048+) public key PEM")
        }
    }

    /// The key of a certificate.
    public init(certificate: Certificate) throws(SignError) {
        let key = certificate.publicKey
        if let ec = P256.Signing.PublicKey(key) {
            self = .p256(ec)
        } else if let ec = P384.Signing.PublicKey(key) {
            self = .p384(ec)
        } else if let ec = P521.Signing.PublicKey(key) {
            self = .p521(ec)
        } else if let rsa = _RSA.Signing.PublicKey(key) {
            self = .rsa(rsa)
        } else {
            throw SignError.certificate("the certificate's key is neither ECDSA nor RSA")
        }
    }

    /// The DER SubjectPublicKeyInfo.
    public var derRepresentation: Data {
        switch self {
        case .p256(let key): return key.derRepresentation
        case .p384(let key): return key.derRepresentation
        case .p521(let key): return key.derRepresentation
        case .rsa(let key): return key.derRepresentation
        }
    }

    /// A short name of the key kind.
    public var kind: String {
        switch self {
        case .p256: return "ecdsa-p256"
        case .p384: return "ecdsa-p384"
        case .p521: return "ecdsa-p521"
        case .rsa(let key): return "rsa-\(key.keySizeInBits)"
        }
    }

    /// Whether `signature` (DER ECDSA, or raw RSA) signs SHA-256 of `data`.
    public func isValidSignature(_ signature: Data, for data: some DataProtocol) -> Bool {
        let digest = SHA256.hash(data: data)
        switch self {
        case .p256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: digest)
        case .p384(let key):
            guard let parsed = try? P384.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: digest)
        case .p521(let key):
            guard let parsed = try? P521.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: digest)
        case .rsa(let key):
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5)
        }
    }
}

import Crypto
import Foundation
import SwiftASN1
import _CryptoExtras

/// PKCS#8 `EncryptedPrivateKeyInfo` (RFC 5958) with PBES2 (RFC 8018): the PEM block
/// `ENCRYPTED PRIVATE KEY` that OpenSSL, Go's and Java's key tools read.
///
/// Written with PBKDF2-HMAC-SHA256 and AES-256-CBC; read with PBKDF2 over HMAC-SHA1, -SHA256 or
/// -SHA512 and AES-128/192/256-CBC.
public enum EncryptedPrivateKey {
    static let pbes2: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 5, 13]
    static let pbkdf2: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 5, 12]
    static let hmacSHA1: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 2, 7]
    static let hmacSHA256: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 2, 9]
    static let hmacSHA512: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 2, 11]
    static let aesCBC: [ASN1ObjectIdentifier: Int] = [
        [2, 16, 840, 1, 101, 3, 4, 1, 2]: 16, [2, 16, 840, 1, 101, 3, 4, 1, 22]: 24,
        [2, 16, 840, 1, 101, 3, 4, 1, 42]: 32,
    ]
    static let aes256CBC: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 1, 42]

    /// PBKDF2 iterations used when writing (OWASP's figure for HMAC-SHA256).
    public static let defaultIterations = 600_000
    /// Iterations above this are refused when reading, so a hostile file cannot stall the reader.
    public static let maximumIterations = 10_000_000

    /// The PEM discriminator.
    public static let pemType = "ENCRYPTED PRIVATE KEY"

    /// Encrypts DER `PrivateKeyInfo` bytes under `password` and returns the PEM text.
    public static func encrypt(
        privateKeyInfo: [UInt8], password: String, iterations: Int = defaultIterations
    ) throws(SignError) -> String {
        guard iterations >= 1000, iterations <= maximumIterations else {
            throw SignError.key("PBKDF2 iteration count \(iterations) is out of range")
        }
        let salt = randomBytes(16)
        let iv = randomBytes(16)
        do {
            let key = try KDF.Insecure.PBKDF2.deriveKey(
                from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 32,
                unsafeUncheckedRounds: iterations)
            let ciphertext = try AES._CBC.encrypt(privateKeyInfo, using: key, iv: try AES._CBC.IV(ivBytes: iv))
            var serializer = DER.Serializer()
            try serializer.appendConstructedNode(identifier: .sequence) { info in
                try info.appendConstructedNode(identifier: .sequence) { algorithm in
                    try algorithm.serialize(pbes2)
                    try algorithm.appendConstructedNode(identifier: .sequence) { parameters in
                        try parameters.appendConstructedNode(identifier: .sequence) { kdf in
                            try kdf.serialize(pbkdf2)
                            try kdf.appendConstructedNode(identifier: .sequence) { pbkdf2Parameters in
                                try pbkdf2Parameters.serialize(ASN1OctetString(contentBytes: salt[...]))
                                try pbkdf2Parameters.serialize(iterations)
                                try pbkdf2Parameters.serialize(32)
                                try pbkdf2Parameters.appendConstructedNode(identifier: .sequence) { prf in
                                    try prf.serialize(hmacSHA256)
                                    try prf.serialize(ASN1Null())
                                }
                            }
                        }
                        try parameters.appendConstructedNode(identifier: .sequence) { scheme in
                            try scheme.serialize(aes256CBC)
                            try scheme.serialize(ASN1OctetString(contentBytes: iv[...]))
                        }
                    }
                }
                try info.serialize(ASN1OctetString(contentBytes: Array(ciphertext)[...]))
            }
            return PEMDocument(type: pemType, derBytes: serializer.serializedBytes).pemString + "\n"
        } catch {
            throw SignError.key("cannot encrypt the private key: \(error)")
        }
    }

    /// Decrypts an `ENCRYPTED PRIVATE KEY` document and returns the DER `PrivateKeyInfo` bytes.
    public static func decrypt(der: [UInt8], password: String) throws(SignError) -> [UInt8] {
        struct Parameters {
            var salt: [UInt8] = []
            var iterations = 0
            var keyLength: Int?
            var prf = EncryptedPrivateKey.hmacSHA1
            var cipher: ASN1ObjectIdentifier?
            var iv: [UInt8] = []
            var ciphertext: [UInt8] = []
        }
        var p = Parameters()
        do {
            let root = try DER.parse(der)
            try DER.sequence(root, identifier: .sequence) { info in
                guard let algorithmNode = info.next(), let dataNode = info.next() else {
                    throw SignError.key("EncryptedPrivateKeyInfo is incomplete")
                }
                try DER.sequence(algorithmNode, identifier: .sequence) { algorithm in
                    guard let oidNode = algorithm.next(), try ASN1ObjectIdentifier(derEncoded: oidNode) == pbes2,
                        let parametersNode = algorithm.next()
                    else {
                        throw SignError.key("only PBES2 encrypted keys are supported")
                    }
                    try DER.sequence(parametersNode, identifier: .sequence) { parameters in
                        guard let kdfNode = parameters.next(), let schemeNode = parameters.next() else {
                            throw SignError.key("PBES2 parameters are incomplete")
                        }
                        try DER.sequence(kdfNode, identifier: .sequence) { kdf in
                            guard let oid = kdf.next(), try ASN1ObjectIdentifier(derEncoded: oid) == pbkdf2,
                                let kdfParameters = kdf.next()
                            else {
                                throw SignError.key("only PBKDF2 key derivation is supported")
                            }
                            try DER.sequence(kdfParameters, identifier: .sequence) { fields in
                                guard let saltNode = fields.next(), let countNode = fields.next() else {
                                    throw SignError.key("PBKDF2 parameters are incomplete")
                                }
                                p.salt = Array(try ASN1OctetString(derEncoded: saltNode).bytes)
                                p.iterations = try Int(derEncoded: countNode)
                                while let next = fields.next() {
                                    if next.identifier == .integer {
                                        p.keyLength = try Int(derEncoded: next)
                                    } else {
                                        try DER.sequence(next, identifier: .sequence) { prf in
                                            guard let prfOID = prf.next() else { return }
                                            p.prf = try ASN1ObjectIdentifier(derEncoded: prfOID)
                                            _ = prf.next()
                                        }
                                    }
                                }
                            }
                        }
                        try DER.sequence(schemeNode, identifier: .sequence) { scheme in
                            guard let oid = scheme.next(), let ivNode = scheme.next() else {
                                throw SignError.key("encryption scheme parameters are incomplete")
                            }
                            p.cipher = try ASN1ObjectIdentifier(derEncoded: oid)
                            p.iv = Array(try ASN1OctetString(derEncoded: ivNode).bytes)
                        }
                    }
                }
                p.ciphertext = Array(try ASN1OctetString(derEncoded: dataNode).bytes)
            }
        } catch let error as SignError {
            throw error
        } catch {
            throw SignError.key("not a PKCS#8 EncryptedPrivateKeyInfo: \(error)")
        }
        guard let cipher = p.cipher, let keyLength = aesCBC[cipher] else {
            throw SignError.key("unsupported cipher \(p.cipher.map { "\($0)" } ?? "(none)"); AES-CBC is supported")
        }
        guard p.iterations > 0, p.iterations <= maximumIterations else {
            throw SignError.key("PBKDF2 iteration count \(p.iterations) is out of range")
        }
        guard p.keyLength == nil || p.keyLength == keyLength else {
            throw SignError.key("PBKDF2 key length does not fit the cipher")
        }
        let hash: KDF.Insecure.PBKDF2.HashFunction
        switch p.prf {
        case hmacSHA1: hash = .insecureSHA1
        case hmacSHA256: hash = .sha256
        case hmacSHA512: hash = .sha512
        default: throw SignError.key("unsupported PBKDF2 pseudo-random function \(p.prf)")
        }
        do {
            let key = try KDF.Insecure.PBKDF2.deriveKey(
                from: Array(password.utf8), salt: p.salt, using: hash, outputByteCount: keyLength,
                unsafeUncheckedRounds: p.iterations)
            let plain = try AES._CBC.decrypt(p.ciphertext, using: key, iv: try AES._CBC.IV(ivBytes: p.iv))
            return Array(plain)
        } catch {
            throw SignError.key("cannot decrypt the private key: wrong password or damaged file")
        }
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}

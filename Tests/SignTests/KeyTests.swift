import Crypto
import Foundation
import TestSupport
import Testing

@testable import Sign

@Suite struct KeyTests {
    @Test func encryptedKeyRoundTripsAndRefusesWrongPassword() throws {
        let key = SigningKey.generate()
        let pem = try key.encryptedPEM(password: "correct horse", iterations: 1000)
        #expect(pem.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        let read = try SigningKey(pem: pem, password: "correct horse")
        #expect(read.privateKey.publicKey.rawRepresentation == key.privateKey.publicKey.rawRepresentation)
        #expect(throws: SignError.self) { try SigningKey(pem: pem, password: "wrong") }
        #expect(throws: SignError.self) { try SigningKey(pem: pem, password: nil) }
    }

    @Test func signaturesVerifyWithThePublicKeyOnly() throws {
        let key = SigningKey.generate()
        let verifier = try VerificationKey(pem: key.publicKeyPEM)
        let data = Data("payload".utf8)
        let signature = try key.sign(data)
        #expect(verifier.isValidSignature(signature, for: data))
        #expect(!verifier.isValidSignature(signature, for: Data("payloaD".utf8)))
        let other = try VerificationKey(pem: SigningKey.generate().publicKeyPEM)
        #expect(!other.isValidSignature(signature, for: data))
    }

    @Test(Tool.enabled("openssl")) func opensslReadsBerthKeys() async throws {
        guard let openssl = Tool.require("openssl") else { return }
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let key = SigningKey.generate()
        try key.encryptedPEM(password: "s3cret-pass").write(
            toFile: directory.path + "/k.key", atomically: true, encoding: .utf8)
        try key.publicKeyPEM.write(toFile: directory.path + "/k.pub", atomically: true, encoding: .utf8)
        let text = try await run(
            openssl, ["pkey", "-in", directory.path + "/k.key", "-passin", "env:BERTH_PASSWORD", "-noout", "-text"],
            environment: ["BERTH_PASSWORD": "s3cret-pass"])
        #expect(text.status == 0, "\(text.error)")
        #expect(text.output.contains("NIST CURVE: P-256"))
        let asn1 = try await run(
            openssl, ["asn1parse", "-in", directory.path + "/k.key"])
        #expect(asn1.output.contains("PBES2"))
        #expect(asn1.output.contains("PBKDF2"))
        #expect(asn1.output.contains("hmacWithSHA256"))
        #expect(asn1.output.contains("aes-256-cbc"))
        let wrong = try await run(
            openssl, ["pkey", "-in", directory.path + "/k.key", "-passin", "pass:nope", "-noout"])
        #expect(wrong.status != 0)
        // openssl derives the same public key from the decrypted private key.
        let pub = try await run(
            openssl, ["pkey", "-in", directory.path + "/k.key", "-passin", "pass:s3cret-pass", "-pubout"])
        #expect(pub.output == key.publicKeyPEM)
        // A signature by openssl verifies with Berth's reading of the public key, and the reverse.
        let data = Data("signed by openssl".utf8)
        try data.write(to: URL(fileURLWithPath: directory.path + "/data"))
        let signed = try await run(
            openssl,
            [
                "dgst", "-sha256", "-sign", directory.path + "/k.key", "-passin", "pass:s3cret-pass", "-out",
                directory.path + "/sig", directory.path + "/data",
            ])
        #expect(signed.status == 0, "\(signed.error)")
        let signature = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/sig"))
        #expect(try VerificationKey(pem: key.publicKeyPEM).isValidSignature(signature, for: data))
    }

    @Test(Tool.enabled("openssl")) func berthReadsOpensslEncryptedKeys() async throws {
        guard let openssl = Tool.require("openssl") else { return }
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let plain = directory.path + "/plain.pem"
        let generated = try await run(
            openssl, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", plain])
        #expect(generated.status == 0, "\(generated.error)")
        for (cipher, prf) in [("aes-256-cbc", "hmacWithSHA256"), ("aes-128-cbc", "hmacWithSHA1")] {
            let encrypted = try await run(
                openssl,
                [
                    "pkcs8", "-topk8", "-in", plain, "-v2", cipher, "-v2prf", prf, "-passout", "pass:pw-\(cipher)",
                ])
            #expect(encrypted.status == 0, "\(encrypted.error)")
            let key = try SigningKey(pem: encrypted.output, password: "pw-\(cipher)")
            let plainKey = try SigningKey(pem: try String(contentsOfFile: plain, encoding: .utf8), password: nil)
            #expect(key.privateKey.rawRepresentation == plainKey.privateKey.rawRepresentation)
        }
    }

    @Test func refusesCosignFormatByName() {
        let pem = "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"
        #expect(throws: SignError.self) { try SigningKey(pem: pem, password: "x") }
    }
}

import Foundation
import OCI
import TestSupport
import Testing

@testable import Sign

/// Hostile and damaged input: every mutation of a signed payload, its signature or its envelope is
/// refused, and no input crashes the readers.
@Suite struct RobustnessTests {
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func mutatedSignaturesAndPayloadsNeverVerify() async throws {
        var random = SplitMix64(state: TestSeed.value(for: "signature mutations", default: 0x5160_2026))
        let key = SigningKey.generate()
        let digest = OCI.Digest.of(Data("a manifest".utf8))
        let payload = SimpleSigningPayload(dockerReference: "r.example/a", manifestDigest: digest).encoded()
        let signature = try key.sign(payload)
        let good = CosignSignature(
            source: "good", mediaType: SimpleSigningPayload.mediaType, payload: payload,
            annotations: [CosignSignature.signatureAnnotation: signature.base64EncodedString()])
        let verifier = SignatureVerifier(policy: VerificationPolicy(keys: [key.verificationKey]))
        #expect(await verifier.verify(good, manifestDigest: digest).verified)
        for round in 0..<300 {
            var mutated = good
            if round % 2 == 0 {
                var bytes = payload
                let index = Int.random(in: 0..<bytes.count, using: &random)
                bytes[index] ^= UInt8.random(in: 1...255, using: &random)
                mutated.payload = bytes
            } else {
                var bytes = signature
                let index = Int.random(in: 0..<bytes.count, using: &random)
                bytes[index] ^= UInt8.random(in: 1...255, using: &random)
                mutated.annotations[CosignSignature.signatureAnnotation] = bytes.base64EncodedString()
            }
            #expect(!(await verifier.verify(mutated, manifestDigest: digest)).verified, "round \(round)")
        }
    }

    @Test func randomBytesNeverCrashTheReaders() async throws {
        var random = SplitMix64(state: TestSeed.value(for: "reader garbage", default: 0x6A7B_2026))
        let key = SigningKey.generate()
        let digest = OCI.Digest.of(Data("m".utf8))
        for _ in 0..<200 {
            let length = Int.random(in: 0..<400, using: &random)
            let bytes = Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &random) })
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? CosignSignature(containersImageFile: CosignSignature.containersImagePrefix + bytes, source: "x")
            _ = try? SigningKey(
                pem:
                    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n\(bytes.base64EncodedString())\n-----END ENCRYPTED PRIVATE KEY-----\n",
                password: "p")
            _ = try? VerificationKey(pem: text)
            _ = RekorBundle.verify(text, keys: [key.verificationKey])
            _ = SimpleSigningPayload(decoding: bytes)
            let envelope = CosignSignature(
                source: "x", mediaType: DSSEEnvelope.mediaType, payload: bytes, annotations: [:])
            #expect(
                !AttestationVerifier(keys: [key.verificationKey], predicateType: nil).verify(
                    envelope, manifestDigest: digest
                ).verified)
            let simple = CosignSignature(
                source: "x", mediaType: SimpleSigningPayload.mediaType, payload: bytes,
                annotations: [CosignSignature.signatureAnnotation: bytes.base64EncodedString()])
            #expect(
                !(await SignatureVerifier(policy: VerificationPolicy(keys: [key.verificationKey])).verify(
                    simple, manifestDigest: digest)).verified)
        }
    }
}

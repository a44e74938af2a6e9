import Crypto
import Foundation
import OCI
import TestSupport
import Testing

@testable import Sign

/// Signing, attesting and verifying against a real `berth registry serve` on loopback.
@Suite(.serialized) struct RegistrySigningTests {
    static func withServer(_ body: (RegistryServer, RegistryAccess) async throws -> Void) async throws {
        guard let berth = berthExecutable else { return }
        let server = try await RegistryServer(berth: berth)
        defer { server.stop() }
        try await body(server, RegistryAccess(tlsVerify: false))
    }

    @Test func clientPushesPullsListsAndChecksDigests() async throws {
        try await Self.withServer { server, access in
            let client = RegistryClient(host: server.host, tlsVerify: false)
            let digest = try await pushRandomImage(client, repository: "wso2/am", tag: "4.3.0")
            let fetched = try await client.manifest(repository: "wso2/am", reference: "4.3.0")
            #expect(fetched.digest == digest)
            #expect(fetched.mediaType == MediaType.ociManifest)
            let head = try await client.manifestDescriptor(repository: "wso2/am", reference: "4.3.0")
            #expect(head?.digest == digest)
            #expect(try await client.manifestDescriptor(repository: "wso2/am", reference: "missing") == nil)
            #expect(try await client.tags(repository: "wso2/am") == ["4.3.0"])

            let data = Data("blob content".utf8)
            let descriptor = try await client.uploadBlob(repository: "wso2/am", data: data)
            #expect(try await client.blob(repository: "wso2/am", digest: descriptor.digest) == data)
            let directory = try TemporaryDirectory()
            defer { directory.cleanup() }
            let size = try await client.downloadBlob(
                repository: "wso2/am", digest: descriptor.digest, to: directory.path + "/blob")
            #expect(size == Int64(data.count))
            #expect(FileManager.default.contents(atPath: directory.path + "/blob") == data)
            // A blob fetched under a digest its bytes do not have is refused.
            await #expect(throws: OCIError.self) {
                try await client.blob(repository: "wso2/am", digest: Digest.of(Data("other".utf8)))
            }
            // Mounting from another repository.
            let mounted = try await client.uploadBlob(repository: "wso2/is", data: data, mountFrom: "wso2/am")
            #expect(try await client.hasBlob(repository: "wso2/is", digest: mounted.digest))
            _ = access
        }
    }

    @Test func clientFollowsTheTokenFlowWithCredentials() async throws {
        guard let berth = berthExecutable else { return }
        let server = try await RegistryServer(
            berth: berth,
            configure: [["registry", "user", "add", "alice", "--admin"]])
        defer { server.stop() }
        let anonymous = RegistryClient(host: server.host, tlsVerify: false)
        await #expect(throws: OCIError.self) { try await anonymous.tags(repository: "wso2/am") }
        let alice = RegistryClient(
            host: server.host, credentials: RegistryCredentials(username: "alice", password: "long-enough-password"),
            tlsVerify: false)
        let digest = try await pushRandomImage(alice, repository: "wso2/am", tag: "1")
        #expect(try await alice.manifest(repository: "wso2/am", reference: digest.description).digest == digest)
        let wrong = RegistryClient(
            host: server.host, credentials: RegistryCredentials(username: "alice", password: "wrong-password"),
            tlsVerify: false)
        await #expect(throws: OCIError.self) { try await wrong.manifest(repository: "wso2/am", reference: "1") }
    }

    @Test func signThenVerifyAndTamper() async throws {
        try await Self.withServer { server, access in
            let client = RegistryClient(host: server.host, tlsVerify: false)
            let digest = try await pushRandomImage(client, repository: "wso2/am", tag: "4.3.0")
            let reference = try ImageReference(parsing: "\(server.host)/wso2/am:4.3.0")
            let key = SigningKey.generate()
            let result = try await ImageSigner.sign(
                reference, key: key, annotations: ["build": "42"], access: access, referrer: true)
            #expect(result.digest == digest.description)
            #expect(result.tag == "\(digest.tagForm).sig")

            let policy = VerificationPolicy(keys: [key.verificationKey], repository: reference.name)
            let loaded = try await SignatureStore.load(.registry(reference), access: access)
            #expect(loaded.digest == digest)
            #expect(loaded.signatures.count == 2, "the .sig tag and the referrer")
            let verdict = await SignatureVerifier(policy: policy).verify(loaded.signatures, manifestDigest: digest)
            #expect(verdict.verified, "\(verdict.summary)")
            #expect(verdict.signatures.allSatisfy { $0.verified })

            // The .sig manifest is laid out as cosign lays it out.
            let sig = try await client.manifest(repository: "wso2/am", reference: "\(digest.tagForm).sig")
            let object = try #require(try JSONSerialization.jsonObject(with: sig.data) as? [String: Any])
            #expect(object["mediaType"] as? String == MediaType.ociManifest)
            let config = try #require(object["config"] as? [String: Any])
            #expect(config["mediaType"] as? String == "application/vnd.oci.image.config.v1+json")
            let layers = try #require(object["layers"] as? [[String: Any]])
            #expect(layers.count == 1)
            #expect(layers[0]["mediaType"] as? String == "application/vnd.dev.cosign.simplesigning.v1+json")
            let annotations = try #require(layers[0]["annotations"] as? [String: String])
            #expect(annotations.keys.sorted() == ["dev.cosignproject.cosign/signature"])
            let payload = try await client.blob(
                repository: "wso2/am", digest: try Digest(parsing: layers[0]["digest"] as? String ?? ""))
            let decoded = try #require(SimpleSigningPayload(decoding: payload))
            #expect(decoded.manifestDigest == digest.description)
            #expect(decoded.dockerReference == reference.name)
            #expect(decoded.optional == ["build": "42"])

            // Signing again with a second key appends; the same signature is not duplicated.
            let second = SigningKey.generate()
            _ = try await ImageSigner.sign(reference, key: second, access: access)
            let twice = try await client.manifest(repository: "wso2/am", reference: "\(digest.tagForm).sig")
            let twiceLayers =
                (try JSONSerialization.jsonObject(with: twice.data) as? [String: Any])?["layers"] as? [Any]
            #expect(twiceLayers?.count == 2)

            // Wrong key.
            let stranger = VerificationPolicy(keys: [SigningKey.generate().verificationKey])
            let refused = await SignatureVerifier(policy: stranger).verify(loaded.signatures, manifestDigest: digest)
            #expect(!refused.verified)
            #expect(refused.signatures.allSatisfy { $0.reason.contains("does not verify") })

            // Another digest (the tag moved to a different image): no signature for it.
            let moved = try await pushRandomImage(client, repository: "wso2/am", tag: "4.3.0")
            let after = try await SignatureStore.load(.registry(reference), access: access)
            #expect(after.digest == moved)
            #expect(after.signatures.isEmpty)
            // The old signatures presented for the new digest: payload digest mismatch.
            let replayed = await SignatureVerifier(policy: policy).verify(loaded.signatures, manifestDigest: moved)
            #expect(!replayed.verified)
            #expect(replayed.signatures.allSatisfy { $0.reason.contains("payload digest mismatch") })

            // Flipped payload byte.
            var flipped = loaded.signatures[0]
            flipped.payload[flipped.payload.startIndex + 10] ^= 0x01
            #expect(!(await SignatureVerifier(policy: policy).verify(flipped, manifestDigest: digest)).verified)

            // Wrong repository in the payload.
            let otherRepository = VerificationPolicy(keys: [key.verificationKey], repository: "\(server.host)/wso2/is")
            let wrongRepository = await SignatureVerifier(policy: otherRepository).verify(
                loaded.signatures, manifestDigest: digest)
            #expect(!wrongRepository.verified)
            #expect(wrongRepository.signatures.allSatisfy { $0.reason.contains("names repository") })
        }
    }

    @Test func attestThenVerifyAndTamper() async throws {
        try await Self.withServer { server, access in
            let client = RegistryClient(host: server.host, tlsVerify: false)
            let digest = try await pushRandomImage(client, repository: "wso2/am", tag: "1")
            let reference = try ImageReference(parsing: "\(server.host)/wso2/am:1")
            let key = SigningKey.generate()
            let sbom = Data(#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[]}"#.utf8)
            let type = try PredicateType.uri(for: "cyclonedx")
            let result = try await ImageSigner.attest(
                reference, predicate: sbom, predicateType: type, key: key, access: access)
            #expect(result.tag == "\(digest.tagForm).att")
            let referred = try await ImageSigner.attest(
                reference, predicate: sbom, predicateType: type, key: key, access: access, tagConvention: false,
                referrer: true)
            let attestationReferrers = try await client.referrers(
                repository: "wso2/am", digest: digest, artifactType: AttachmentKind.attestation.artifactType)
            #expect(attestationReferrers.map(\.digest.description) == [referred.referrer])
            let both = try await SignatureStore.load(.registry(reference), kind: .attestation, access: access)
            #expect(both.signatures.count == 2, "the .att layer and the referrer")
            let loaded = SignedImage(
                digest: both.digest, reference: both.reference, signatures: Array(both.signatures.prefix(1)))
            #expect(loaded.signatures.count == 1)
            #expect(loaded.signatures[0].mediaType == "application/vnd.dsse.envelope.v1+json")
            #expect(loaded.signatures[0].annotations["predicateType"] == "https://cyclonedx.org/bom")
            let verifier = AttestationVerifier(keys: [key.verificationKey], predicateType: type)
            let verdict = verifier.verify(loaded.signatures, manifestDigest: digest)
            #expect(verdict.verified, "\(verdict.summary)")

            let wrongType = AttestationVerifier(keys: [key.verificationKey], predicateType: "https://spdx.dev/Document")
            #expect(!wrongType.verify(loaded.signatures, manifestDigest: digest).verified)
            let wrongKey = AttestationVerifier(keys: [SigningKey.generate().verificationKey], predicateType: type)
            #expect(!wrongKey.verify(loaded.signatures, manifestDigest: digest).verified)
            let otherDigest = Digest.of(Data("another manifest".utf8))
            let mismatch = verifier.verify(loaded.signatures[0], manifestDigest: otherDigest)
            #expect(mismatch.reason.contains("subject digest mismatch"))

            var truncated = loaded.signatures[0]
            truncated.payload = truncated.payload.prefix(truncated.payload.count / 2)
            #expect(verifier.verify(truncated, manifestDigest: digest).reason.contains("not a DSSE envelope"))

            // An envelope whose payload type is not in-toto, correctly signed, is still refused.
            let statement = try InTotoStatement.encode(
                subjectName: reference.name, digest: digest, predicateType: type, predicate: sbom)
            var wrongPayloadType = loaded.signatures[0]
            wrongPayloadType.payload = try DSSEEnvelope.sign(payload: statement, payloadType: "text/plain", key: key)
            #expect(verifier.verify(wrongPayloadType, manifestDigest: digest).reason.contains("wrong payload type"))

            // A flipped byte in the statement breaks the DSSE signature.
            let envelope = try #require(
                try JSONSerialization.jsonObject(with: loaded.signatures[0].payload) as? [String: Any])
            var inner = try #require(Data(base64Encoded: envelope["payload"] as? String ?? ""))
            inner[inner.startIndex + 5] ^= 0x01
            var modified = envelope
            modified["payload"] = inner.base64EncodedString()
            var tampered = loaded.signatures[0]
            tampered.payload = try JSONSerialization.data(withJSONObject: modified)
            #expect(verifier.verify(tampered, manifestDigest: digest).reason.contains("no DSSE signature verifies"))
        }
    }

    /// CNCF distribution 2.8 has no referrers API: the referrer is found through the tag schema the
    /// client maintains, and the tag-convention signature works as everywhere.
    @Test(Tool.enabled("docker-registry")) func signAndVerifyOnCNCFDistribution() async throws {
        guard let executable = Tool.require("docker-registry") else { return }
        let server = try await DistributionServer(executable: executable)
        defer { server.stop() }
        let access = RegistryAccess(tlsVerify: false)
        let client = RegistryClient(host: server.host, tlsVerify: false)
        let digest = try await pushRandomImage(client, repository: "wso2/am", tag: "1")
        let reference = try ImageReference(parsing: "\(server.host)/wso2/am:1")
        let key = SigningKey.generate()
        let referrerOnly = try await ImageSigner.sign(
            reference, key: key, access: access, tagConvention: false, referrer: true)
        #expect(referrerOnly.tag == nil)
        let referrers = try await client.referrers(repository: "wso2/am", digest: digest)
        #expect(referrers.map(\.digest.description) == [referrerOnly.referrer])
        let loaded = try await SignatureStore.load(.registry(reference), access: access)
        #expect(loaded.signatures.count == 1)
        let policy = VerificationPolicy(keys: [key.verificationKey])
        #expect(await SignatureVerifier(policy: policy).verify(loaded.signatures, manifestDigest: digest).verified)

        _ = try await ImageSigner.sign(reference, key: key, access: access)
        let both = try await SignatureStore.load(.registry(reference), access: access)
        #expect(both.signatures.count == 2)
        #expect(
            try await client.tags(repository: "wso2/am").sorted() == ["1", digest.tagForm, "\(digest.tagForm).sig"])
    }
}

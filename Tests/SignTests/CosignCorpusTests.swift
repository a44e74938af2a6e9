import Foundation
import OCI
import TestSupport
import Testing

@testable import Sign

/// The interoperability oracle: signatures cosign wrote (containers/image's fixtures, `dir:` form).
/// Exactly the valid ones verify; each invalid one is refused with its reason.
@Suite(Corpus.enabled("cosign")) struct CosignCorpusTests {
    /// Copies a fixture folder to a temporary `dir:` layout. Links the corpus stores as small text
    /// files holding their relative target (how git checks out symbolic links without symlink
    /// support) are followed when their target exists; dangling ones stay as they are.
    static func materialise(_ corpus: String, _ name: String) throws -> TemporaryDirectory {
        let target = try TemporaryDirectory()
        let source = corpus + "/" + name
        for file in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(
                atPath: resolve(corpus: corpus, path: source + "/" + file), toPath: target.path + "/" + file)
        }
        return target
    }

    static func resolve(corpus: String, path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path), data.count < 200,
            let text = String(data: data, encoding: .utf8), text.hasPrefix("../"), !text.contains("\n")
        else { return path }
        let resolved = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(text)
            .standardizedFileURL.path
        return FileManager.default.fileExists(atPath: resolved) ? resolve(corpus: corpus, path: resolved) : path
    }

    static func key(_ corpus: String, _ name: String) throws -> VerificationKey {
        try VerificationKey(
            pem: String(contentsOfFile: resolve(corpus: corpus, path: corpus + "/" + name), encoding: .utf8))
    }

    /// The Rekor key: the corpus's own when it holds a PEM, else the public-good instance's key kept
    /// in Fixtures (its SHA-256 is the log ID the bundles name, checked below).
    static func rekorKey(_ corpus: String) throws -> VerificationKey {
        let inCorpus = resolve(corpus: corpus, path: corpus + "/rekor.pub")
        if let text = try? String(contentsOfFile: inCorpus, encoding: .utf8), text.contains("BEGIN PUBLIC KEY") {
            return try VerificationKey(pem: text)
        }
        return try VerificationKey(
            pem: String(contentsOfFile: Paths.fixtures + "/rekor-public-good.pub", encoding: .utf8))
    }

    func verdict(_ fixture: String, _ policy: VerificationPolicy) async throws -> ImageVerdict? {
        guard let corpus = Paths.cosignCorpus() else { return nil }
        let directory = try Self.materialise(corpus, fixture)
        defer { directory.cleanup() }
        let image = try await SignatureStore.load(.directory(directory.path))
        return await SignatureVerifier(policy: policy).verify(image.signatures, manifestDigest: image.digest)
    }

    @Test(arguments: ["dir-img-cosign-valid", "dir-img-cosign-valid-2", "dir-img-cosign-valid-with-tag"])
    func keySignaturesVerify(fixture: String) async throws {
        guard let corpus = Paths.cosignCorpus() else { return }
        let policy = VerificationPolicy(keys: [try Self.key(corpus, "cosign.pub")])
        let result = try #require(try await verdict(fixture, policy))
        #expect(result.verified, "\(result.summary)")
        #expect(result.signatures.allSatisfy { $0.verified }, "\(result.summary)")
    }

    @Test func keySignatureWithRekorBundleVerifies() async throws {
        guard let corpus = Paths.cosignCorpus() else { return }
        let keyOnly = try #require(
            try await verdict(
                "dir-img-cosign-key-rekor-valid", VerificationPolicy(keys: [try Self.key(corpus, "cosign2.pub")])))
        #expect(keyOnly.verified, "\(keyOnly.summary)")
        let rekor = try Self.rekorKey(corpus)
        let withRekor = try #require(
            try await verdict(
                "dir-img-cosign-key-rekor-valid",
                VerificationPolicy(keys: [try Self.key(corpus, "cosign2.pub")], rekorKeys: [rekor])))
        #expect(withRekor.verified, "\(withRekor.summary)")
        #expect(withRekor.signatures.first?.integratedTime == 1_674_251_859)
        // The same signature refuses a Rekor key that did not log it, and the key of another signer.
        let otherLog = try VerificationKey(pem: SigningKey.generate().publicKeyPEM)
        let wrongLog = try #require(
            try await verdict(
                "dir-img-cosign-key-rekor-valid",
                VerificationPolicy(keys: [try Self.key(corpus, "cosign2.pub")], rekorKeys: [otherLog])))
        #expect(!wrongLog.verified)
        #expect(wrongLog.signatures.first?.reason.contains("not by the given Rekor key") == true)
        let wrongKey = try #require(
            try await verdict(
                "dir-img-cosign-key-rekor-valid",
                VerificationPolicy(keys: [try Self.key(corpus, "cosign.pub")], rekorKeys: [rekor])))
        #expect(!wrongKey.verified)
    }

    @Test func fulcioCertificateWithRekorVerifiesAtTheLoggedTime() async throws {
        guard let corpus = Paths.cosignCorpus() else { return }
        let roots = try String(contentsOfFile: corpus + "/fulcio_v1.crt.pem", encoding: .utf8)
        let identity = try CertificateIdentity(
            identity: "mitr@redhat.com", issuer: "https://github.com/login/oauth", caPEMs: [roots])
        let rekor = try Self.rekorKey(corpus)
        let good = try #require(
            try await verdict(
                "dir-img-cosign-fulcio-rekor-valid", VerificationPolicy(certificate: identity, rekorKeys: [rekor])))
        #expect(good.verified, "\(good.summary)")
        #expect(good.signatures.first?.signer == "certificate of mitr@redhat.com")

        // Without the Rekor time the ten-minute certificate has long expired.
        let noRekor = try #require(
            try await verdict("dir-img-cosign-fulcio-rekor-valid", VerificationPolicy(certificate: identity)))
        #expect(!noRekor.verified)
        #expect(noRekor.signatures.first?.reason.hasPrefix("expired certificate") == true)

        var otherIdentity = identity
        otherIdentity.identity = "someone@example.com"
        let wrongIdentity = try #require(
            try await verdict(
                "dir-img-cosign-fulcio-rekor-valid", VerificationPolicy(certificate: otherIdentity, rekorKeys: [rekor]))
        )
        #expect(!wrongIdentity.verified)
        #expect(wrongIdentity.signatures.first?.reason.contains("identity is mitr@redhat.com") == true)

        var otherIssuer = identity
        otherIssuer.issuer = "https://accounts.google.com"
        let wrongIssuer = try #require(
            try await verdict(
                "dir-img-cosign-fulcio-rekor-valid", VerificationPolicy(certificate: otherIssuer, rekorKeys: [rekor])))
        #expect(!wrongIssuer.verified)
        #expect(wrongIssuer.signatures.first?.reason.contains("OIDC issuer") == true)
    }

    @Test func pkiCertificateVerifies() async throws {
        guard let corpus = Paths.cosignCorpus() else { return }
        let pems = try ["pki_root_crts.pem", "pki_intermediate_crts.pem"].map {
            try String(contentsOfFile: corpus + "/" + $0, encoding: .utf8)
        }
        for name in ["qiwan@redhat.com", "myhost.example.com"] {
            let identity = try CertificateIdentity(identity: name, issuer: nil, caPEMs: pems)
            let result = try #require(
                try await verdict("dir-img-cosign-pki-valid", VerificationPolicy(certificate: identity)))
            #expect(result.verified, "\(result.summary)")
        }
        let fulcioRoots = try String(contentsOfFile: corpus + "/fulcio_v1.crt.pem", encoding: .utf8)
        let untrusted = try CertificateIdentity(identity: "qiwan@redhat.com", issuer: nil, caPEMs: [fulcioRoots])
        let refused = try #require(
            try await verdict("dir-img-cosign-pki-valid", VerificationPolicy(certificate: untrusted)))
        #expect(!refused.verified)
        #expect(refused.signatures.first?.reason.contains("does not chain") == true)
    }

    @Test(arguments: [
        ("dir-img-cosign-modified-manifest", "payload digest mismatch"),
        ("dir-img-cosign-manifest-digest-error", "payload digest mismatch"),
        ("dir-img-cosign-other-attachment", "not a cosign signature: media type 'text/plain'"),
    ])
    func invalidImagesAreRefusedWithTheirReason(fixture: String, reason: String) async throws {
        guard let corpus = Paths.cosignCorpus() else { return }
        let result = try #require(
            try await verdict(fixture, VerificationPolicy(keys: [try Self.key(corpus, "cosign.pub")])))
        #expect(!result.verified)
        #expect(result.signatures.count == 1)
        #expect(result.signatures.allSatisfy { $0.reason.contains(reason) }, "\(result.summary)")
    }

    @Test func missingManifestCannotBeVerified() async throws {
        guard let corpus = Paths.cosignCorpus() else { return }
        let directory = try Self.materialise(corpus, "dir-img-cosign-no-manifest")
        defer { directory.cleanup() }
        await #expect(throws: SignError.self) { try await SignatureStore.load(.directory(directory.path)) }
    }

    /// containers/image accepts an image when one signature verifies; the unknown key's signature is
    /// refused on its own.
    @Test func mixedImageHasOneRefusedSignature() async throws {
        guard let corpus = Paths.cosignCorpus() else { return }
        let result = try #require(
            try await verdict("dir-img-cosign-mixed", VerificationPolicy(keys: [try Self.key(corpus, "cosign.pub")])))
        #expect(result.signatures.map(\.verified) == [false, true])
        #expect(result.signatures[0].reason.contains("does not verify against the given key"))
        #expect(result.verified)
    }

    @Test func unknownKeySignatureAndWrongKeyAndRepositoryAreRefused() async throws {
        guard let corpus = Paths.cosignCorpus() else { return }
        let data = try Data(contentsOf: URL(fileURLWithPath: corpus + "/unknown-cosign-key.signature"))
        let unknown = try CosignSignature(containersImageFile: data, source: "unknown-cosign-key.signature")
        let manifest = try Data(contentsOf: URL(fileURLWithPath: corpus + "/dir-img-cosign-valid/manifest.json"))
        let verifier = SignatureVerifier(policy: VerificationPolicy(keys: [try Self.key(corpus, "cosign.pub")]))
        #expect(!(await verifier.verify(unknown, manifestDigest: Digest.of(manifest))).verified)

        let wrongKey = try #require(
            try await verdict("dir-img-cosign-valid", VerificationPolicy(keys: [try Self.key(corpus, "cosign2.pub")])))
        #expect(!wrongKey.verified)

        let key = try Self.key(corpus, "cosign.pub")
        let right = try #require(
            try await verdict(
                "dir-img-cosign-valid-2",
                VerificationPolicy(keys: [key], repository: "192.168.64.2:5000/cosign-signed-single-sample")))
        #expect(right.verified, "\(right.summary)")
        let wrongRepository = try #require(
            try await verdict("dir-img-cosign-valid-2", VerificationPolicy(keys: [key], repository: "this/does-not")))
        #expect(!wrongRepository.verified)
        #expect(wrongRepository.signatures.allSatisfy { $0.reason.contains("names repository") })
    }
}

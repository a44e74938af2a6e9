import Foundation
import OCI
import TestSupport
import Testing

@testable import Sign

/// `berth key generate`, `sign`, `verify`, `attest` and `verify-attestation` as the built executable,
/// with openssl, Python's cryptography and skopeo as independent peers.
@Suite(.serialized) struct CommandLineTests {
    @Test func generateSignVerifyAttestAndCheckWithPeers() async throws {
        guard let berth = berthExecutable else { return }
        let server = try await RegistryServer(berth: berth)
        defer { server.stop() }
        let work = try TemporaryDirectory()
        defer { work.cleanup() }
        let password = ["BERTH_PASSWORD": "a-long-key-password"]
        let client = RegistryClient(host: server.host, tlsVerify: false)
        let digest = try await pushRandomImage(client, repository: "wso2/am", tag: "4.3.0")
        let image = "docker://\(server.host)/wso2/am:4.3.0"

        let generate = try await run(berth, ["key", "generate", "--output", work.path + "/k"], environment: password)
        #expect(generate.status == 0, "\(generate.error)")
        let again = try await run(berth, ["key", "generate", "--output", work.path + "/k"], environment: password)
        #expect(again.status == 2, "existing keys are not overwritten")

        let unsigned = try await run(berth, ["verify", image, "--key", work.path + "/k.pub", "--tls-verify=false"])
        #expect(unsigned.status == 1)
        #expect(unsigned.output.contains("no signature found"))

        let sign = try await run(
            berth, ["sign", image, "--key", work.path + "/k.key", "--tls-verify=false", "--annotation", "ci=1"],
            environment: password)
        #expect(sign.status == 0, "\(sign.error)")
        #expect(sign.output.contains("@\(digest)"))

        let verify = try await run(
            berth, ["verify", image, "--key", work.path + "/k.pub", "--tls-verify=false", "--format", "json"])
        #expect(verify.status == 0, "\(verify.output)\(verify.error)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(verify.output.utf8)) as? [String: Any])
        #expect(report["verified"] as? Bool == true)
        #expect(report["digest"] as? String == digest.description)

        let annotated = try await run(
            berth, ["verify", image, "--key", work.path + "/k.pub", "--tls-verify=false", "--annotation", "ci=1"])
        #expect(annotated.status == 0, "\(annotated.output)")
        let otherAnnotation = try await run(
            berth, ["verify", image, "--key", work.path + "/k.pub", "--tls-verify=false", "--annotation", "ci=2"])
        #expect(otherAnnotation.status == 1)
        #expect(otherAnnotation.output.contains("annotation ci is '1', not '2'"))

        let other = try await run(berth, ["key", "generate", "--output", work.path + "/other"], environment: password)
        #expect(other.status == 0)
        let wrongKey = try await run(berth, ["verify", image, "--key", work.path + "/other.pub", "--tls-verify=false"])
        #expect(wrongKey.status == 1)
        #expect(wrongKey.output.contains("does not verify against the given key"))
        let missingKey = try await run(berth, ["verify", image, "--key", work.path + "/absent.pub"])
        #expect(missingKey.status == 2)
        #expect(missingKey.error.contains("absent.pub"))
        let wrongPassword = try await run(
            berth, ["sign", image, "--key", work.path + "/k.key", "--tls-verify=false"],
            environment: ["BERTH_PASSWORD": "not-it"])
        #expect(wrongPassword.status == 2)
        #expect(wrongPassword.error.contains("wrong password"))

        // A private PKI: a certificate of the key, signed by a root, stored with the signature and
        // verified by identity.
        if let openssl = Tool.require("openssl") {
            let pki = work.path + "/pki"
            try FileManager.default.createDirectory(atPath: pki, withIntermediateDirectories: true)
            try
                "subjectAltName=email:release@example.com\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n"
                .write(toFile: pki + "/leaf.ext", atomically: true, encoding: .utf8)
            let steps: [[String]] = [
                [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                    pki + "/root.key", "-out", pki + "/root.pem", "-subj", "/CN=Berth Test Root", "-days", "2",
                ],
                [
                    "req", "-new", "-key", work.path + "/k.key", "-passin", "env:BERTH_PASSWORD", "-subj",
                    "/CN=release", "-out", pki + "/leaf.csr",
                ],
                [
                    "x509", "-req", "-in", pki + "/leaf.csr", "-CA", pki + "/root.pem", "-CAkey", pki + "/root.key",
                    "-CAcreateserial", "-days", "1", "-extfile", pki + "/leaf.ext", "-out", pki + "/leaf.pem",
                ],
            ]
            for step in steps {
                let result = try await run(openssl, step, environment: password)
                #expect(result.status == 0, "\(step.prefix(2)): \(result.error)")
            }
            let pkiImage = "docker://\(server.host)/wso2/is:7"
            try await pushRandomImage(client, repository: "wso2/is", tag: "7")
            let certified = try await run(
                berth,
                [
                    "sign", pkiImage, "--key", work.path + "/k.key", "--certificate", pki + "/leaf.pem",
                    "--certificate-chain", pki + "/root.pem", "--tls-verify=false",
                ], environment: password)
            #expect(certified.status == 0, "\(certified.error)")
            let byIdentity = try await run(
                berth,
                [
                    "verify", pkiImage, "--certificate-identity", "release@example.com", "--certificate-chain",
                    pki + "/root.pem", "--tls-verify=false",
                ])
            #expect(byIdentity.status == 0, "\(byIdentity.output)\(byIdentity.error)")
            let otherIdentity = try await run(
                berth,
                [
                    "verify", pkiImage, "--certificate-identity", "someone@example.com", "--certificate-chain",
                    pki + "/root.pem", "--tls-verify=false",
                ])
            #expect(otherIdentity.status == 1)
            #expect(otherIdentity.output.contains("identity is release@example.com"))
            let notItsKey = try await run(
                berth,
                [
                    "sign", pkiImage, "--key", work.path + "/other.key", "--certificate", pki + "/leaf.pem",
                    "--tls-verify=false",
                ], environment: password)
            #expect(notItsKey.status == 2)
            #expect(notItsKey.error.contains("not for the signing key"))
        }

        // Independent checks from cosign's documented format: signature over the payload bytes, payload
        // naming the manifest digest.
        let sig = try await client.manifest(repository: "wso2/am", reference: "\(digest.tagForm).sig")
        let layer = try #require(
            ((try JSONSerialization.jsonObject(with: sig.data) as? [String: Any])?["layers"] as? [[String: Any]])?.first
        )
        let payload = try await client.blob(
            repository: "wso2/am", digest: try Digest(parsing: layer["digest"] as? String ?? ""))
        let signature = (layer["annotations"] as? [String: String])?["dev.cosignproject.cosign/signature"] ?? ""
        try payload.write(to: URL(fileURLWithPath: work.path + "/payload.json"))
        try Data(base64Encoded: signature)?.write(to: URL(fileURLWithPath: work.path + "/sig.der"))
        if let openssl = Tool.require("openssl") {
            let checked = try await run(
                openssl,
                [
                    "dgst", "-sha256", "-verify", work.path + "/k.pub", "-signature", work.path + "/sig.der",
                    work.path + "/payload.json",
                ])
            #expect(checked.output.contains("Verified OK"), "\(checked.error)")
        }
        if let python = Tool.require("python3") {
            let script = """
                import base64, json, sys
                from cryptography.hazmat.primitives import hashes, serialization
                from cryptography.hazmat.primitives.asymmetric import ec
                key = serialization.load_pem_public_key(open(sys.argv[1], "rb").read())
                payload = open(sys.argv[2], "rb").read()
                key.verify(base64.b64decode(sys.argv[3]), payload, ec.ECDSA(hashes.SHA256()))
                doc = json.loads(payload)
                assert doc["critical"]["type"] == "cosign container image signature"
                assert doc["critical"]["image"]["docker-manifest-digest"] == sys.argv[4]
                print("format ok")
                """
            let checked = try await run(
                python,
                ["-c", script, work.path + "/k.pub", work.path + "/payload.json", signature, digest.description])
            #expect(checked.output.contains("format ok"), "\(checked.error)")
        }

        // skopeo copies the image with its cosign signature to dir:, which verifies offline.
        if let skopeo = Tool.require("skopeo") {
            let registries = work.path + "/registries.d"
            try FileManager.default.createDirectory(atPath: registries, withIntermediateDirectories: true)
            try "docker:\n  \(server.host):\n    use-sigstore-attachments: true\n".write(
                toFile: registries + "/berth.yaml", atomically: true, encoding: .utf8)
            let copied = try await run(
                skopeo,
                [
                    "copy", "--registries.d", registries, "--src-tls-verify=false", image,
                    "dir:" + work.path + "/copy",
                ])
            #expect(copied.status == 0, "\(copied.error)")
            #expect(FileManager.default.fileExists(atPath: work.path + "/copy/signature-1"))
            let offline = try await run(berth, ["verify", "dir:" + work.path + "/copy", "--key", work.path + "/k.pub"])
            #expect(offline.status == 0, "\(offline.output)\(offline.error)")
            let offlineWrong = try await run(
                berth, ["verify", "dir:" + work.path + "/copy", "--key", work.path + "/other.pub"])
            #expect(offlineWrong.status == 1)

            // An OCI layout holding the image and its signature manifest under cosign's tag.
            let layout = "oci:" + work.path + "/layout"
            let copiedImage = try await run(
                skopeo, ["copy", "--preserve-digests", "--src-tls-verify=false", image, layout + ":4.3.0"])
            #expect(copiedImage.status == 0, "\(copiedImage.error)")
            let sigTag = "\(digest.tagForm).sig"
            let copiedSignature = try await run(
                skopeo,
                [
                    "copy", "--preserve-digests", "--src-tls-verify=false", "docker://\(server.host)/wso2/am:\(sigTag)",
                    layout + ":" + sigTag,
                ])
            #expect(copiedSignature.status == 0, "\(copiedSignature.error)")
            let fromLayout = try await run(berth, ["verify", layout + ":4.3.0", "--key", work.path + "/k.pub"])
            #expect(fromLayout.status == 0, "\(fromLayout.output)\(fromLayout.error)")
            let layoutWrong = try await run(berth, ["verify", layout + ":4.3.0", "--key", work.path + "/other.pub"])
            #expect(layoutWrong.status == 1)
        }

        // The deployment check: every image the manifests run must be pinned and signed.
        let unsignedDigest = try await pushRandomImage(client, repository: "wso2/am", tag: "unsigned")
        let manifests = work.path + "/deploy"
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        func deployment(_ image: String) -> String {
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: am}
            spec:
              selector: {matchLabels: {app: am}}
              template:
                metadata: {labels: {app: am}}
                spec:
                  containers:
                    - {name: am, image: "\(image)"}
            """
        }
        let pinned = "\(server.host)/wso2/am@\(digest)"
        try deployment(pinned).write(toFile: manifests + "/am.yaml", atomically: true, encoding: .utf8)
        let deployOK = try await run(
            berth, ["verify", "--manifests", manifests, "--key", work.path + "/k.pub", "--tls-verify=false"])
        #expect(deployOK.status == 0, "\(deployOK.output)\(deployOK.error)")
        #expect(deployOK.output.contains("used by Deployment/am container am"))
        try deployment("\(server.host)/wso2/am@\(unsignedDigest)").write(
            toFile: manifests + "/am.yaml", atomically: true, encoding: .utf8)
        let swapped = try await run(
            berth, ["verify", "--manifests", manifests, "--key", work.path + "/k.pub", "--tls-verify=false"])
        #expect(swapped.status == 1)
        #expect(swapped.output.contains("no signature of \(unsignedDigest)"))
        try deployment("\(server.host)/wso2/am:4.3.0").write(
            toFile: manifests + "/am.yaml", atomically: true, encoding: .utf8)
        let byTag = try await run(
            berth, ["verify", "--manifests", manifests, "--key", work.path + "/k.pub", "--tls-verify=false"])
        #expect(byTag.status == 1)
        #expect(byTag.output.contains("not referenced by digest"))

        // Attestations.
        try Data(#"{"bomFormat":"CycloneDX","specVersion":"1.6"}"#.utf8).write(
            to: URL(fileURLWithPath: work.path + "/sbom.json"))
        let attest = try await run(
            berth,
            [
                "attest", image, "--predicate", work.path + "/sbom.json", "--type", "cyclonedx", "--key",
                work.path + "/k.key", "--tls-verify=false",
            ], environment: password)
        #expect(attest.status == 0, "\(attest.error)")
        let attested = try await run(
            berth,
            ["verify-attestation", image, "--type", "cyclonedx", "--key", work.path + "/k.pub", "--tls-verify=false"])
        #expect(attested.status == 0, "\(attested.output)\(attested.error)")
        let otherType = try await run(
            berth, ["verify-attestation", image, "--type", "spdx", "--key", work.path + "/k.pub", "--tls-verify=false"])
        #expect(otherType.status == 1)

        // The attestation checked from the DSSE and in-toto specifications alone.
        if let python = Tool.require("python3") {
            let att = try await client.manifest(repository: "wso2/am", reference: "\(digest.tagForm).att")
            let attLayer = try #require(
                ((try JSONSerialization.jsonObject(with: att.data) as? [String: Any])?["layers"] as? [[String: Any]])?
                    .first)
            #expect(attLayer["mediaType"] as? String == "application/vnd.dsse.envelope.v1+json")
            #expect((attLayer["annotations"] as? [String: String])?["predicateType"] == "https://cyclonedx.org/bom")
            let envelope = try await client.blob(
                repository: "wso2/am", digest: try Digest(parsing: attLayer["digest"] as? String ?? ""))
            try envelope.write(to: URL(fileURLWithPath: work.path + "/envelope.json"))
            let script = """
                import base64, json, sys
                from cryptography.hazmat.primitives import hashes, serialization
                from cryptography.hazmat.primitives.asymmetric import ec
                key = serialization.load_pem_public_key(open(sys.argv[1], "rb").read())
                env = json.load(open(sys.argv[2]))
                body = base64.b64decode(env["payload"])
                kind = env["payloadType"].encode()
                pae = b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(body), body)
                key.verify(base64.b64decode(env["signatures"][0]["sig"]), pae, ec.ECDSA(hashes.SHA256()))
                statement = json.loads(body)
                assert env["payloadType"] == "application/vnd.in-toto+json"
                assert statement["predicateType"] == "https://cyclonedx.org/bom"
                assert statement["subject"][0]["digest"]["sha256"] == sys.argv[3]
                print("dsse ok")
                """
            let checked = try await run(
                python, ["-c", script, work.path + "/k.pub", work.path + "/envelope.json", digest.encoded])
            #expect(checked.output.contains("dsse ok"), "\(checked.error)")
        }
    }
}

/// The registry's gate and `berth sign` together, with skopeo as the pulling client.
@Suite(.serialized) struct SignatureGateLoopTests {
    @Test(Tool.enabled("skopeo")) func unsignedPullsAreRefusedWithTheReasonUntilSigned() async throws {
        guard let berth = berthExecutable, let skopeo = Tool.require("skopeo") else { return }
        let work = try TemporaryDirectory()
        defer { work.cleanup() }
        let key = SigningKey.generate()
        try key.publicKeyPEM.write(toFile: work.path + "/project.pub", atomically: true, encoding: .utf8)
        try key.encryptedPEM(password: "gate-loop-password").write(
            toFile: work.path + "/project.key", atomically: true, encoding: .utf8)
        let server = try await RegistryServer(
            berth: berth,
            configure: [
                ["registry", "project", "create", "wso2"],
                [
                    "registry", "project", "policy", "wso2", "--require-signature", "true", "--signature-key",
                    work.path + "/project.pub",
                ],
            ])
        defer { server.stop() }
        let client = RegistryClient(host: server.host, tlsVerify: false)
        try await pushRandomImage(client, repository: "wso2/am", tag: "4.3.0")
        let image = "docker://\(server.host)/wso2/am:4.3.0"
        let inspect = ["inspect", "--tls-verify=false", "--raw", image]

        let refused = try await run(skopeo, inspect)
        #expect(refused.status != 0)
        #expect(refused.error.contains("no signature"), "skopeo prints the gate's reason: \(refused.error)")

        let sign = try await run(
            berth, ["sign", image, "--key", work.path + "/project.key", "--tls-verify=false"],
            environment: ["BERTH_PASSWORD": "gate-loop-password"])
        #expect(sign.status == 0, "\(sign.error)")
        let allowed = try await run(skopeo, inspect)
        #expect(allowed.status == 0, "\(allowed.error)")

        // The tag moved to another image: its signatures do not carry over.
        try await pushRandomImage(client, repository: "wso2/am", tag: "4.3.0")
        let moved = try await run(skopeo, inspect)
        #expect(moved.status != 0)
        #expect(moved.error.contains("no signature"), "\(moved.error)")

        // Signed by a key the project does not trust: refused, and the reason says so.
        let stranger = SigningKey.generate()
        try stranger.encryptedPEM(password: "gate-loop-password").write(
            toFile: work.path + "/stranger.key", atomically: true, encoding: .utf8)
        let strangerSign = try await run(
            berth, ["sign", image, "--key", work.path + "/stranger.key", "--tls-verify=false"],
            environment: ["BERTH_PASSWORD": "gate-loop-password"])
        #expect(strangerSign.status == 0, "\(strangerSign.error)")
        let wrongKey = try await run(skopeo, inspect)
        #expect(wrongKey.status != 0)
        #expect(wrongKey.error.contains("does not verify against the given key"), "\(wrongKey.error)")

        // Signed by the project key again; then the project also requires a CycloneDX attestation.
        let resign = try await run(
            berth, ["sign", image, "--key", work.path + "/project.key", "--tls-verify=false"],
            environment: ["BERTH_PASSWORD": "gate-loop-password"])
        #expect(resign.status == 0, "\(resign.error)")
        #expect(try await run(skopeo, inspect).status == 0)
        let policy = try await run(
            berth,
            ["registry", "project", "policy", "wso2", "--require-attestation", "cyclonedx", "--root", server.root.path])
        #expect(policy.status == 0, "\(policy.error)")
        let noAttestation = try await run(skopeo, inspect)
        #expect(noAttestation.status != 0)
        #expect(noAttestation.error.contains("missing attestation"), "\(noAttestation.error)")
        try Data(#"{"bomFormat":"CycloneDX","specVersion":"1.6"}"#.utf8).write(
            to: URL(fileURLWithPath: work.path + "/sbom.json"))
        let attest = try await run(
            berth,
            [
                "attest", image, "--predicate", work.path + "/sbom.json", "--type", "cyclonedx", "--key",
                work.path + "/project.key", "--tls-verify=false",
            ], environment: ["BERTH_PASSWORD": "gate-loop-password"])
        #expect(attest.status == 0, "\(attest.error)")
        let attested = try await run(skopeo, inspect)
        #expect(attested.status == 0, "\(attested.error)")
    }

    @Test(Tool.enabled("skopeo", "openssl")) func identityPolicyAcceptsCertificateSignatures() async throws {
        guard let berth = berthExecutable, let skopeo = Tool.require("skopeo"), let openssl = Tool.require("openssl")
        else { return }
        let work = try TemporaryDirectory()
        defer { work.cleanup() }
        let password = ["BERTH_PASSWORD": "identity-password"]
        let key = SigningKey.generate()
        try key.encryptedPEM(password: "identity-password").write(
            toFile: work.path + "/k.key", atomically: true, encoding: .utf8)
        try "subjectAltName=email:release@example.com\nextendedKeyUsage=codeSigning\n".write(
            toFile: work.path + "/leaf.ext", atomically: true, encoding: .utf8)
        for step in [
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                work.path + "/root.key", "-out", work.path + "/root.pem", "-subj", "/CN=Gate Root", "-days", "2",
            ],
            [
                "req", "-new", "-key", work.path + "/k.key", "-passin", "env:BERTH_PASSWORD", "-subj", "/CN=release",
                "-out", work.path + "/leaf.csr",
            ],
            [
                "x509", "-req", "-in", work.path + "/leaf.csr", "-CA", work.path + "/root.pem", "-CAkey",
                work.path + "/root.key", "-CAcreateserial", "-days", "1", "-extfile", work.path + "/leaf.ext",
                "-out", work.path + "/leaf.pem",
            ],
        ] {
            let result = try await run(openssl, step, environment: password)
            #expect(result.status == 0, "\(result.error)")
        }
        let server = try await RegistryServer(
            berth: berth,
            configure: [
                ["registry", "project", "create", "wso2"],
                [
                    "registry", "project", "policy", "wso2", "--require-signature", "true", "--signature-identity",
                    "release@example.com", "--signature-ca", work.path + "/root.pem",
                ],
            ])
        defer { server.stop() }
        let client = RegistryClient(host: server.host, tlsVerify: false)
        try await pushRandomImage(client, repository: "wso2/am", tag: "1")
        let image = "docker://\(server.host)/wso2/am:1"
        let inspect = ["inspect", "--tls-verify=false", "--raw", image]
        #expect(try await run(skopeo, inspect).error.contains("no signature"))

        // A signature by the key alone does not satisfy an identity policy.
        let keyOnly = try await run(
            berth, ["sign", image, "--key", work.path + "/k.key", "--tls-verify=false"], environment: password)
        #expect(keyOnly.status == 0, "\(keyOnly.error)")
        let refused = try await run(skopeo, inspect)
        #expect(refused.status != 0)
        #expect(refused.error.contains("no certificate annotation"), "\(refused.error)")

        let certified = try await run(
            berth,
            [
                "sign", image, "--key", work.path + "/k.key", "--certificate", work.path + "/leaf.pem",
                "--tls-verify=false",
            ],
            environment: password)
        #expect(certified.status == 0, "\(certified.error)")
        let allowed = try await run(skopeo, inspect)
        #expect(allowed.status == 0, "\(allowed.error)")
    }
}

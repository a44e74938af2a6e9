import Foundation
import Testing

@testable import OCI

@Suite struct DigestTests {
    @Test func parsesAndPrintsSHA256() throws {
        let text = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        let digest = try Digest(parsing: text)
        #expect(digest.algorithm == .sha256)
        #expect(digest.description == text)
        #expect(Digest.of(Data()) == digest)
    }

    @Test func computesSHA512() {
        let digest = Digest.of(Data("abc".utf8), algorithm: .sha512)
        #expect(
            digest.description
                == "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        )
    }

    @Test(arguments: [
        "sha256:../../etc/passwd", "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        "sha256:abc", "sha256", ":abc", "md5:d41d8cd98f00b204e9800998ecf8427e", "sha256:/e3b0", "",
        "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ])
    func rejectsMalformedDigests(_ text: String) {
        #expect(throws: OCIError.self) { try Digest(parsing: text) }
    }

    @Test func incrementalHashingEqualsOneShot() {
        var hasher = Digester(algorithm: .sha256)
        let data = Data((0..<10_000).map { UInt8($0 % 251) })
        hasher.update(data.prefix(3333))
        hasher.update(data.dropFirst(3333))
        #expect(hasher.finalize() == Digest.of(data))
        #expect(hasher.count == 10_000)
    }
}

@Suite struct NameTests {
    @Test(arguments: ["a", "library/alpine", "a.b/c_d/e__f/g-h/i---j", "0/1/2", "wso2/wso2am"])
    func acceptsValidNames(_ name: String) {
        #expect(RepositoryName.isValid(name))
    }

    @Test(arguments: [
        "", "A", "../etc", "a/../b", "a//b", "/a", "a/", "a..b", "a___b", "-a", "a-", "a/.b", "a%2Fb",
        String(repeating: "a", count: 256),
    ])
    func rejectsInvalidNames(_ name: String) {
        #expect(!RepositoryName.isValid(name))
    }

    @Test func tagsFollowTheGrammar() {
        #expect(Tag.isValid("v1.2.3-rc_1"))
        #expect(Tag.isValid("_x"))
        #expect(!Tag.isValid(".hidden"))
        #expect(!Tag.isValid("-x"))
        #expect(!Tag.isValid("a/b"))
        #expect(!Tag.isValid(String(repeating: "a", count: 129)))
        #expect(Tag.isValid(String(repeating: "a", count: 128)))
    }
}

@Suite struct ManifestParserTests {
    let config = "sha256:" + String(repeating: "a", count: 64)
    let layer = "sha256:" + String(repeating: "b", count: 64)

    @Test func parsesImageManifestWithSubject() throws {
        let json = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"application/vnd.example+json","digest":"\(config)","size":2},
             "layers":[{"mediaType":"application/octet-stream","digest":"\(layer)","size":3}],
             "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(layer)","size":9},
             "annotations":{"k":"v"}}
            """
        let summary = try ManifestParser.parse(
            Data(json.utf8), contentType: "application/vnd.oci.image.manifest.v1+json")
        #expect(summary.artifactType == "application/vnd.example+json")
        #expect(summary.requiredBlobs.map(\.digest.description) == [config, layer])
        #expect(summary.subject?.digest.description == layer)
        #expect(summary.annotations == ["k": "v"])
    }

    @Test func rejectsMismatchedMediaType() {
        let json = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#
        #expect(throws: OCIError.self) {
            try ManifestParser.parse(Data(json.utf8), contentType: "application/vnd.oci.image.manifest.v1+json")
        }
    }

    @Test(arguments: [
        "not json", "{}", #"{"schemaVersion":1,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#,
        #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}"#,
        #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"digest":"sha256:../x","size":1}]}"#,
    ])
    func rejectsInvalidManifests(_ json: String) {
        #expect(throws: OCIError.self) { try ManifestParser.parse(Data(json.utf8), contentType: nil) }
    }

    @Test func acceptsDockerManifestListByContentType() throws {
        let json = #"{"schemaVersion":2,"manifests":[]}"#
        let summary = try ManifestParser.parse(
            Data(json.utf8), contentType: "application/vnd.docker.distribution.manifest.list.v2+json; charset=utf-8")
        #expect(summary.mediaType == MediaType.dockerManifestList)
    }
}

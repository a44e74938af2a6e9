import Foundation
import HTTPTypes
import HummingbirdTesting
import OCI
import Testing

@testable import Registry

/// Walks the distribution spec's endpoint table (end-1 to end-14) by workflow category.
@Suite struct ConformanceTests {
    // MARK: Pull (end-1, end-2, end-3)

    @Test func pullWorkflow() async throws {
        try await withRegistry { client, _ in
            let api = API(client: client)
            let base = try await api.request(.get, "/v2/")
            #expect(base.status == .ok)
            #expect(base.header("Docker-Distribution-API-Version") == "registry/2.0")

            let layer = randomData(10_000)
            let image = try await api.pushImage("team/app", reference: "v1", layers: [layer])
            let layerDigest = Digest.of(layer)

            let get = try await api.request(.get, "/v2/team/app/blobs/\(layerDigest)")
            #expect(get.status == .ok)
            #expect(get.data == layer)
            #expect(get.header("Docker-Content-Digest") == layerDigest.description)

            let head = try await api.request(.head, "/v2/team/app/blobs/\(layerDigest)")
            #expect(head.status == .ok)
            #expect(head.header("Content-Length") == "10000")
            #expect(head.header("Docker-Content-Digest") == layerDigest.description)
            #expect(head.body.readableBytes == 0)

            let range = try await api.request(
                .get, "/v2/team/app/blobs/\(layerDigest)", headers: ["Range": "bytes=100-199"])
            #expect(range.status == .partialContent)
            #expect(range.data == layer[100..<200])
            #expect(range.header("Content-Range") == "bytes 100-199/10000")
            let suffix = try await api.request(
                .get, "/v2/team/app/blobs/\(layerDigest)", headers: ["Range": "bytes=-10"])
            #expect(suffix.data == layer.suffix(10))
            let unsatisfiable = try await api.request(
                .get, "/v2/team/app/blobs/\(layerDigest)", headers: ["Range": "bytes=20000-"])
            #expect(unsatisfiable.status == .rangeNotSatisfiable)
            #expect(unsatisfiable.header("Content-Range") == "bytes */10000")

            for reference in ["v1", image.digest.description] {
                let manifest = try await api.request(
                    .get, "/v2/team/app/manifests/\(reference)", headers: ["Accept": MediaType.ociManifest])
                #expect(manifest.status == .ok)
                #expect(manifest.data == image.data, "stored byte-exact")
                #expect(manifest.header("Content-Type") == MediaType.ociManifest)
                #expect(manifest.header("Docker-Content-Digest") == image.digest.description)
                let head = try await api.request(.head, "/v2/team/app/manifests/\(reference)")
                #expect(head.status == .ok)
                #expect(head.header("Content-Length") == String(image.data.count))
                #expect(head.header("Docker-Content-Digest") == image.digest.description)
            }

            let unknownBlob = try await api.request(.get, "/v2/team/app/blobs/\(Digest.of(Data("nope".utf8)))")
            #expect(unknownBlob.status == .notFound)
            #expect(unknownBlob.errorCode == "BLOB_UNKNOWN")
            let unknownManifest = try await api.request(.get, "/v2/team/app/manifests/nope")
            #expect(unknownManifest.status == .notFound)
            #expect(unknownManifest.errorCode == "MANIFEST_UNKNOWN")
            let badDigest = try await api.request(.get, "/v2/team/app/blobs/sha256:xyz")
            #expect(badDigest.status == .badRequest)
            #expect(badDigest.errorCode == "DIGEST_INVALID")
            // A blob in another repository is not visible here.
            let otherRepository = try await api.request(.get, "/v2/other/blobs/\(layerDigest)")
            #expect(otherRepository.status == .notFound)
            #expect(otherRepository.errorCode == "BLOB_UNKNOWN")
        }
    }

    // MARK: Push (end-4a, end-4b, end-4c, end-5, end-6, end-7, end-7b, end-11, end-13, end-14)

    @Test func monolithicAndSinglePostUploads() async throws {
        try await withRegistry { client, _ in
            let api = API(client: client)
            let data = randomData(4096)
            let digest = Digest.of(data)
            let single = try await api.request(
                .post, "/v2/p/r/blobs/uploads/?digest=\(digest)", headers: ["Content-Type": "application/octet-stream"],
                body: data)
            #expect(single.status == .created)
            #expect(single.header("Location") == "/v2/p/r/blobs/\(digest)")
            #expect(single.header("Docker-Content-Digest") == digest.description)
            let fetched = try await api.request(.get, "/v2/p/r/blobs/\(digest)")
            #expect(fetched.data == data)

            let empty = Digest.of(Data())
            let emptyPush = try await api.request(.post, "/v2/p/r/blobs/uploads/?digest=\(empty)")
            #expect(emptyPush.status == .created)
            let emptyHead = try await api.request(.head, "/v2/p/r/blobs/\(empty)")
            #expect(emptyHead.status == .ok)
            #expect(emptyHead.header("Content-Length") == "0")

            let wrong = try await api.request(
                .post, "/v2/p/r/blobs/uploads/?digest=\(Digest.of(Data("x".utf8)))", body: data)
            #expect(wrong.status == .badRequest)
            #expect(wrong.errorCode == "DIGEST_INVALID")

            let sha512 = try await api.pushBlob("p/r", randomData(777), algorithm: .sha512)
            #expect(sha512.algorithm == .sha512)
            let head512 = try await api.request(.head, "/v2/p/r/blobs/\(sha512)")
            #expect(head512.status == .ok)
            #expect(head512.header("Docker-Content-Digest") == sha512.description)

            let algorithm = try await api.request(.post, "/v2/p/r/blobs/uploads/?digest-algorithm=sha512")
            #expect(algorithm.status == .accepted)
            let badAlgorithm = try await api.request(.post, "/v2/p/r/blobs/uploads/?digest-algorithm=md5")
            #expect(badAlgorithm.status == .badRequest)

            let missingDigest = try await api.request(.post, "/v2/p/r/blobs/uploads/")
            let location = try #require(missingDigest.header("Location"))
            let noDigest = try await api.request(.put, location, body: data)
            #expect(noDigest.status == .badRequest)
            #expect(noDigest.errorCode == "DIGEST_INVALID")
        }
    }

    @Test func chunkedUploadWithOutOfOrderChunk() async throws {
        try await withRegistry { client, _ in
            let api = API(client: client)
            let data = randomData(30_000)
            let digest = Digest.of(data)
            let start = try await api.request(.post, "/v2/p/chunked/blobs/uploads/", headers: ["Content-Length": "0"])
            #expect(start.status == .accepted)
            var location = try #require(start.header("Location"))
            let id = try #require(start.header("Docker-Upload-UUID"))

            let first = try await api.request(
                .patch, location, headers: ["Content-Range": "0-9999", "Content-Type": "application/octet-stream"],
                body: data[0..<10_000])
            #expect(first.status == .accepted)
            #expect(first.header("Range") == "0-9999")
            location = try #require(first.header("Location"))

            let outOfOrder = try await api.request(
                .patch, location, headers: ["Content-Range": "20000-29999"], body: data[20_000..<30_000])
            #expect(outOfOrder.status == .rangeNotSatisfiable)
            #expect(outOfOrder.errorCode == "BLOB_UPLOAD_INVALID")

            let status = try await api.request(.get, "/v2/p/chunked/blobs/uploads/\(id)")
            #expect(status.status == .noContent)
            #expect(status.header("Range") == "0-9999")

            let streamed = try await api.request(.patch, location, body: data[10_000..<20_000])
            #expect(streamed.status == .accepted)
            #expect(streamed.header("Range") == "0-19999")

            let finish = try await api.request(
                .put, "\(location)?digest=\(digest)", headers: ["Content-Range": "20000-29999"],
                body: data[20_000..<30_000])
            #expect(finish.status == .created)
            #expect(finish.header("Docker-Content-Digest") == digest.description)
            let fetched = try await api.request(.get, "/v2/p/chunked/blobs/\(digest)")
            #expect(fetched.data == data)

            let gone = try await api.request(.get, "/v2/p/chunked/blobs/uploads/\(id)")
            #expect(gone.status == .notFound)
            #expect(gone.errorCode == "BLOB_UPLOAD_UNKNOWN")
        }
    }

    @Test func cancelAndUnknownUploads() async throws {
        try await withRegistry { client, _ in
            let api = API(client: client)
            let start = try await api.request(.post, "/v2/p/c/blobs/uploads/")
            let location = try #require(start.header("Location"))
            let cancel = try await api.request(.delete, location)
            #expect(cancel.status == .noContent)
            let after = try await api.request(.get, location)
            #expect(after.status == .notFound)
            #expect(after.errorCode == "BLOB_UPLOAD_UNKNOWN")
            for bad in ["../../../etc", "not-a-uuid", UUID().uuidString.lowercased()] {
                let response = try await api.request(.patch, "/v2/p/c/blobs/uploads/\(bad)", body: Data("x".utf8))
                #expect(response.status == .notFound || response.status == .badRequest)
                #expect(
                    ["BLOB_UPLOAD_UNKNOWN", "NAME_INVALID", "UNSUPPORTED"].contains(response.errorCode ?? ""),
                    "\(bad): \(response.text)")
            }
            // A session belongs to its repository.
            let other = try await api.request(.post, "/v2/p/c/blobs/uploads/")
            let id = try #require(other.header("Docker-Upload-UUID"))
            let wrongRepository = try await api.request(.get, "/v2/p/d/blobs/uploads/\(id)")
            #expect(wrongRepository.status == .notFound)
        }
    }

    @Test func crossRepositoryMount() async throws {
        try await withRegistry { client, _ in
            let api = API(client: client)
            let data = randomData(2048)
            let digest = try await api.pushBlob("p/source", data)
            let mount = try await api.request(.post, "/v2/p/target/blobs/uploads/?mount=\(digest)&from=p/source")
            #expect(mount.status == .created)
            #expect(mount.header("Location") == "/v2/p/target/blobs/\(digest)")
            #expect(mount.header("Docker-Content-Digest") == digest.description)
            let fetched = try await api.request(.get, "/v2/p/target/blobs/\(digest)")
            #expect(fetched.data == data)
            let unknown = try await api.request(
                .post, "/v2/p/target/blobs/uploads/?mount=\(Digest.of(Data("none".utf8)))&from=p/source")
            #expect(unknown.status == .accepted, "falls back to an upload session")
            #expect(unknown.header("Location") != nil)
        }
    }

    @Test func manifestValidation() async throws {
        try await withRegistry(configure: { $0.maxManifestBytes = 64 * 1024 }) { client, _ in
            let api = API(client: client)
            let missing = Digest.of(Data("missing".utf8))
            let manifest = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(missing)","size":7},"layers":[]}
                """
            let unknownBlob = try await api.request(
                .put, "/v2/p/m/manifests/v1", headers: ["Content-Type": MediaType.ociManifest],
                body: Data(manifest.utf8))
            #expect(unknownBlob.status == .badRequest)
            #expect(unknownBlob.errorCode == "MANIFEST_BLOB_UNKNOWN")

            let invalid = try await api.request(
                .put, "/v2/p/m/manifests/v1", headers: ["Content-Type": MediaType.ociManifest], body: Data("{".utf8))
            #expect(invalid.errorCode == "MANIFEST_INVALID")

            let big = Data(repeating: 0x20, count: 64 * 1024 + 1)
            let tooLarge = try await api.request(
                .put, "/v2/p/m/manifests/v1", headers: ["Content-Type": MediaType.ociManifest], body: big)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.errorCode == "SIZE_INVALID")

            let badTag = try await api.request(
                .put, "/v2/p/m/manifests/.bad", headers: ["Content-Type": MediaType.ociManifest],
                body: Data(manifest.utf8))
            #expect(badTag.status == .badRequest)

            // A subject that does not exist is accepted, and OCI-Subject is returned.
            let absent = Digest.of(Data("absent subject".utf8))
            let layer = randomData(100)
            try await api.pushBlob("p/m", layer)
            let config = Data("{}".utf8)
            let configDigest = try await api.pushBlob("p/m", config)
            let referrer = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.example.sbom",
                 "config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\(configDigest)","size":2},
                 "layers":[{"mediaType":"text/plain","digest":"\(Digest.of(layer))","size":100}],
                 "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(absent)","size":10}}
                """
            let referrerData = Data(referrer.utf8)
            let referrerDigest = Digest.of(referrerData)
            let put = try await api.request(
                .put, "/v2/p/m/manifests/\(referrerDigest)?tag=a&tag=b",
                headers: ["Content-Type": MediaType.ociManifest], body: referrerData)
            #expect(put.status == .created)
            #expect(put.header("OCI-Subject") == absent.description)
            #expect(put.header("Location") == "/v2/p/m/manifests/\(referrerDigest)")
            let tags = try await api.request(.get, "/v2/p/m/tags/list")
            #expect(tags.text == #"{"name":"p/m","tags":["a","b"]}"#)

            let mismatch = try await api.request(
                .put, "/v2/p/m/manifests/\(Digest.of(Data("other".utf8)))",
                headers: ["Content-Type": MediaType.ociManifest], body: referrerData)
            #expect(mismatch.status == .badRequest)
            #expect(mismatch.errorCode == "DIGEST_INVALID")

            // Index: children must exist.
            let index =
                #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(missing)","size":7}]}"#
            let badIndex = try await api.request(
                .put, "/v2/p/m/manifests/idx", headers: ["Content-Type": MediaType.ociIndex], body: Data(index.utf8))
            #expect(badIndex.errorCode == "MANIFEST_BLOB_UNKNOWN")
            let goodIndex =
                #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(referrerDigest)","size":\#(referrerData.count)}]}"#
            let okIndex = try await api.request(
                .put, "/v2/p/m/manifests/idx", headers: ["Content-Type": MediaType.ociIndex], body: Data(goodIndex.utf8)
            )
            #expect(okIndex.status == .created)
        }
    }

    @Test func dockerSchema2ManifestAndList() async throws {
        try await withRegistry { client, _ in
            let api = API(client: client)
            let layer = randomData(500)
            let layerDigest = try await api.pushBlob("d/img", layer)
            let config = Data(#"{"os":"linux"}"#.utf8)
            let configDigest = try await api.pushBlob("d/img", config)
            let manifest = """
                {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
                 "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":\(config.count),"digest":"\(configDigest)"},
                 "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":500,"digest":"\(layerDigest)"}]}
                """
            let data = Data(manifest.utf8)
            let put = try await api.request(
                .put, "/v2/d/img/manifests/latest", headers: ["Content-Type": MediaType.dockerManifest], body: data)
            #expect(put.status == .created)
            let list = """
                {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",
                 "manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":\(data.count),"digest":"\(Digest.of(data))","platform":{"architecture":"amd64","os":"linux"}}]}
                """
            let putList = try await api.request(
                .put, "/v2/d/img/manifests/multi", headers: ["Content-Type": MediaType.dockerManifestList],
                body: Data(list.utf8))
            #expect(putList.status == .created)
            let get = try await api.request(.get, "/v2/d/img/manifests/multi")
            #expect(get.header("Content-Type") == MediaType.dockerManifestList)
            #expect(get.data == Data(list.utf8))
        }
    }

    // MARK: Content discovery (end-8a, end-8b, end-12a, end-12b, catalog)

    @Test func tagListingAndCatalogPagination() async throws {
        try await withRegistry { client, _ in
            let api = API(client: client)
            let image = try await api.pushImage("x/tags", reference: "v9", layers: [randomData(10)])
            for tag in ["b", "a", "B", "v1", "v2", "v3"] {
                let put = try await api.request(
                    .put, "/v2/x/tags/manifests/\(tag)", headers: ["Content-Type": MediaType.ociManifest],
                    body: image.data)
                #expect(put.status == .created)
            }
            let all = try await api.request(.get, "/v2/x/tags/tags/list")
            #expect(all.text == #"{"name":"x/tags","tags":["B","a","b","v1","v2","v3","v9"]}"#)
            let page = try await api.request(.get, "/v2/x/tags/tags/list?n=2")
            #expect(page.text == #"{"name":"x/tags","tags":["B","a"]}"#)
            #expect(page.header("Link") == #"</v2/x/tags/tags/list?last=a&n=2>; rel="next""#)
            let next = try await api.request(.get, "/v2/x/tags/tags/list?n=2&last=a")
            #expect(next.text == #"{"name":"x/tags","tags":["b","v1"]}"#)
            let end = try await api.request(.get, "/v2/x/tags/tags/list?n=10&last=v3")
            #expect(end.text == #"{"name":"x/tags","tags":["v9"]}"#)
            #expect(end.header("Link") == nil)
            let zero = try await api.request(.get, "/v2/x/tags/tags/list?n=0")
            #expect(zero.text == #"{"name":"x/tags","tags":[]}"#)
            #expect(zero.header("Link") == nil)
            let bad = try await api.request(.get, "/v2/x/tags/tags/list?n=-1")
            #expect(bad.status == .badRequest)
            let unknown = try await api.request(.get, "/v2/x/none/tags/list")
            #expect(unknown.status == .notFound)
            #expect(unknown.errorCode == "NAME_UNKNOWN")

            try await api.pushBlob("a/one", Data("1".utf8))
            try await api.pushBlob("z/two", Data("2".utf8))
            let catalog = try await api.request(.get, "/v2/_catalog")
            #expect(catalog.text == #"{"repositories":["a/one","x/tags","z/two"]}"#)
            let catalogPage = try await api.request(.get, "/v2/_catalog?n=1")
            #expect(catalogPage.text == #"{"repositories":["a/one"]}"#)
            #expect(catalogPage.header("Link") == #"</v2/_catalog?last=a%2Fone&n=1>; rel="next""#)
        }
    }

    @Test func referrersWithArtifactTypeFilter() async throws {
        try await withRegistry { client, _ in
            let api = API(client: client)
            let subject = try await api.pushImage("r/app", reference: "v1", layers: [randomData(50)])
            let sbom = try await api.pushImage(
                "r/app", reference: "sbom", layers: [randomData(20)], subject: (subject.digest, subject.data.count),
                artifactType: "application/spdx+json", annotations: ["org.example": "yes"])
            let signature = try await api.pushImage(
                "r/app", reference: "sig", layers: [randomData(20)], subject: (subject.digest, subject.data.count),
                artifactType: "application/vnd.cncf.notary.signature")
            let all = try await api.request(.get, "/v2/r/app/referrers/\(subject.digest)")
            #expect(all.status == .ok)
            #expect(all.header("Content-Type") == MediaType.ociIndex)
            let index = try JSONSerialization.jsonObject(with: all.data) as? [String: Any]
            let manifests = try #require(index?["manifests"] as? [[String: Any]])
            #expect(
                Set(manifests.compactMap { $0["digest"] as? String }) == [
                    sbom.digest.description, signature.digest.description,
                ])
            let sbomEntry = manifests.first { $0["digest"] as? String == sbom.digest.description }
            #expect(sbomEntry?["artifactType"] as? String == "application/spdx+json")
            #expect((sbomEntry?["annotations"] as? [String: String])?["org.example"] == "yes")
            #expect(sbomEntry?["size"] as? Int == sbom.data.count)

            let filtered = try await api.request(
                .get, "/v2/r/app/referrers/\(subject.digest)?artifactType=application/spdx%2Bjson")
            #expect(filtered.header("OCI-Filters-Applied") == "artifactType")
            let filteredIndex = try JSONSerialization.jsonObject(with: filtered.data) as? [String: Any]
            #expect((filteredIndex?["manifests"] as? [[String: Any]])?.count == 1)

            let none = try await api.request(.get, "/v2/r/app/referrers/\(Digest.of(Data("zzz".utf8)))")
            #expect(none.status == .ok)
            #expect(
                none.text
                    == #"{"manifests":[],"mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2}"#)
            let invalid = try await api.request(.get, "/v2/r/app/referrers/sha256:nothex")
            #expect(invalid.status == .badRequest)
            #expect(invalid.errorCode == "DIGEST_INVALID")

            // Deleting a referrer removes it from the list.
            let delete = try await api.request(.delete, "/v2/r/app/manifests/\(sbom.digest)")
            #expect(delete.status == .accepted)
            let after = try await api.request(.get, "/v2/r/app/referrers/\(subject.digest)")
            let afterIndex = try JSONSerialization.jsonObject(with: after.data) as? [String: Any]
            #expect((afterIndex?["manifests"] as? [[String: Any]])?.count == 1)
        }
    }

    // MARK: Content management (end-9, end-10)

    @Test func deletes() async throws {
        try await withRegistry { client, _ in
            let api = API(client: client)
            let layer = randomData(64)
            let image = try await api.pushImage("del/app", reference: "v1", layers: [layer])
            try await api.request(
                .put, "/v2/del/app/manifests/v2", headers: ["Content-Type": MediaType.ociManifest], body: image.data)

            let deleteTag = try await api.request(.delete, "/v2/del/app/manifests/v2")
            #expect(deleteTag.status == .accepted)
            #expect(try await api.request(.get, "/v2/del/app/manifests/v2").status == .notFound)
            #expect(try await api.request(.get, "/v2/del/app/manifests/v1").status == .ok)

            let deleteManifest = try await api.request(.delete, "/v2/del/app/manifests/\(image.digest)")
            #expect(deleteManifest.status == .accepted)
            let gone = try await api.request(.get, "/v2/del/app/manifests/\(image.digest)")
            #expect(gone.errorCode == "MANIFEST_UNKNOWN")
            #expect(
                try await api.request(.get, "/v2/del/app/manifests/v1").status == .notFound,
                "tags of a deleted manifest go with it")
            let again = try await api.request(.delete, "/v2/del/app/manifests/\(image.digest)")
            #expect(again.status == .notFound)

            let deleteBlob = try await api.request(.delete, "/v2/del/app/blobs/\(Digest.of(layer))")
            #expect(deleteBlob.status == .accepted)
            let blobGone = try await api.request(.get, "/v2/del/app/blobs/\(Digest.of(layer))")
            #expect(blobGone.errorCode == "BLOB_UNKNOWN")
            let blobAgain = try await api.request(.delete, "/v2/del/app/blobs/\(Digest.of(layer))")
            #expect(blobAgain.status == .notFound)
        }
    }

    @Test func deletesCanBeDisabled() async throws {
        try await withRegistry(configure: { $0.deleteEnabled = false }) { client, _ in
            let api = API(client: client)
            let image = try await api.pushImage("nodel/app", reference: "v1", layers: [randomData(8)])
            let response = try await api.request(.delete, "/v2/nodel/app/manifests/\(image.digest)")
            #expect(response.status == .methodNotAllowed)
            #expect(response.errorCode == "UNSUPPORTED")
        }
    }

    @Test func unknownEndpointsAndMethodsGiveErrorBodies() async throws {
        try await withRegistry { client, _ in
            let api = API(client: client)
            let unknown = try await api.request(.get, "/v2/a/b/whatever/x")
            #expect(unknown.status == .notFound)
            #expect(unknown.errorCode == "UNSUPPORTED")
            let method = try await api.request(.post, "/v2/a/manifests/v1")
            #expect(method.status == .methodNotAllowed)
            #expect(method.errorCode == "UNSUPPORTED")
            let traversal = try await api.request(
                .get, "/v2/a/%2E%2E/%2E%2E/blobs/sha256:\(String(repeating: "0", count: 64))")
            #expect(traversal.status == .badRequest)
            #expect(traversal.errorCode == "NAME_INVALID")
        }
    }
}

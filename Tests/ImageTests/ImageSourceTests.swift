import Testing

@testable import Image

@Suite struct ImageSourceTests {
    @Test(arguments: [
        ("oci:/tmp/layout", ImageSource.ociLayout(path: "/tmp/layout", reference: nil)),
        ("oci:/tmp/layout:v1", ImageSource.ociLayout(path: "/tmp/layout", reference: "v1")),
        ("oci:relative/dir:latest", ImageSource.ociLayout(path: "relative/dir", reference: "latest")),
        ("oci-archive:/tmp/a.tar", ImageSource.ociArchive(path: "/tmp/a.tar")),
        ("docker-archive:/tmp/d.tar", ImageSource.dockerArchive(path: "/tmp/d.tar")),
        ("docker-archive:/tmp/d.tar:repo/name:tag", ImageSource.dockerArchive(path: "/tmp/d.tar:repo/name")),
        ("dir:/srv/rootfs", ImageSource.directory(path: "/srv/rootfs")),
        ("docker://localhost:5000/wso2/am:4.2.0", ImageSource.registry(reference: "localhost:5000/wso2/am:4.2.0")),
        ("wso2/wso2am:4.2.0", ImageSource.registry(reference: "wso2/wso2am:4.2.0")),
    ])
    func parses(text: String, expected: ImageSource) throws {
        #expect(try ImageSource(parsing: text) == expected)
    }

    @Test(arguments: ["", "oci:", "dir:", "http://example.com/x", "/just/a/path", "docker://"])
    func refusesMalformedReferences(text: String) {
        #expect(throws: ImageError.self) { try ImageSource(parsing: text) }
    }

    @Test func platformParsing() throws {
        #expect(try Platform(parsing: "linux/arm64/v8") == Platform(os: "linux", architecture: "arm64", variant: "v8"))
        #expect(throws: ImageError.self) { try Platform(parsing: "linux") }
    }

    @Test func registryIsReportedAsUnavailable() {
        #expect {
            try Image.open(.registry(reference: "example.com/a:b"))
        } throws: { error in
            (error as? ImageError)?.description.contains("registry") == true
        }
    }
}

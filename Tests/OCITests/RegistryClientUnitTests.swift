import Foundation
import Testing

@testable import OCI

@Suite struct ImageReferenceTests {
    @Test(arguments: [
        ("alpine", "docker.io", "library/alpine", "latest" as String?, nil as String?),
        ("wso2/wso2am:4.3.0", "docker.io", "wso2/wso2am", "4.3.0", nil),
        ("127.0.0.1:5000/wso2/am:1", "127.0.0.1:5000", "wso2/am", "1", nil),
        ("docker://localhost/a/b", "localhost", "a/b", "latest", nil),
        (
            "registry.example/app@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "registry.example", "app", nil,
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ),
    ])
    func parses(text: String, host: String, repository: String, tag: String?, digest: String?) throws {
        let reference = try ImageReference(parsing: text)
        #expect(reference.host == host)
        #expect(reference.repository == repository)
        #expect(reference.tag == tag)
        #expect(reference.digest?.description == digest)
    }

    @Test func dockerHubUsesItsAPIHost() throws {
        #expect(try ImageReference(parsing: "alpine").apiHost == "registry-1.docker.io")
        #expect(try ImageReference(parsing: "quay.io/a/b").apiHost == "quay.io")
    }

    @Test(arguments: ["", "UPPER/case", "host:5000/repo:bad tag", "a@sha256:12"])
    func refusesMalformed(text: String) {
        #expect(throws: OCIError.self) { try ImageReference(parsing: text) }
    }
}

@Suite struct CredentialsTests {
    @Test func readsAuthsByHostAndDockerHubAliases() throws {
        let file = """
            {"auths":{"127.0.0.1:5000":{"auth":"\(Data("alice:pa:ss".utf8).base64EncodedString())"},
            "https://index.docker.io/v1/":{"username":"bob","password":"secret"}}}
            """
        let local = try RegistryCredentials.lookup(host: "127.0.0.1:5000", in: Data(file.utf8), file: "f")
        #expect(local == RegistryCredentials(username: "alice", password: "pa:ss"))
        let hub = try RegistryCredentials.lookup(host: "docker.io", in: Data(file.utf8), file: "f")
        #expect(hub == RegistryCredentials(username: "bob", password: "secret"))
        #expect(try RegistryCredentials.lookup(host: "quay.io", in: Data(file.utf8), file: "f") == nil)
    }

    @Test func consultsRegistryAuthFileFirstAndRefusesBrokenFiles() throws {
        let directory = NSTemporaryDirectory() + "berth-creds-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = directory + "/auth.json"
        try Data(#"{"auths":{"r.example":{"auth":"\#(Data("u:p".utf8).base64EncodedString())"}}}"#.utf8).write(
            to: URL(fileURLWithPath: first))
        let found = try RegistryCredentials.lookup(
            host: "r.example", environment: ["REGISTRY_AUTH_FILE": first, "HOME": directory])
        #expect(found?.username == "u")
        try Data("not json".utf8).write(to: URL(fileURLWithPath: first))
        #expect(throws: OCIError.self) {
            try RegistryCredentials.lookup(host: "r.example", environment: ["REGISTRY_AUTH_FILE": first])
        }
        #expect(try RegistryCredentials.lookup(host: "r.example", environment: ["HOME": directory + "/none"]) == nil)
    }

    @Test func parsesCredsFlag() throws {
        #expect(try RegistryCredentials(parsing: "a:b:c").password == "b:c")
        #expect(throws: OCIError.self) { try RegistryCredentials(parsing: "nocolon") }
    }
}

@Suite struct AuthenticationChallengeTests {
    @Test func parsesBearerWithQuotedCommas() throws {
        let challenge = try #require(
            AuthenticationChallenge(
                header:
                    #"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#
            ))
        #expect(challenge.scheme == "bearer")
        #expect(challenge.parameters["realm"] == "https://auth.example/token")
        #expect(challenge.parameters["service"] == "registry.example")
        #expect(challenge.parameters["scope"] == "repository:a/b:pull,push")
    }

    @Test func parsesBasic() throws {
        let challenge = try #require(AuthenticationChallenge(header: #"Basic realm="berth""#))
        #expect(challenge.scheme == "basic")
        #expect(challenge.parameters["realm"] == "berth")
    }

    @Test func followsNextLink() {
        #expect(
            RegistryClient.nextLink(#"</v2/a/tags/list?last=x&n=2>; rel="next""#) == "/v2/a/tags/list?last=x&n=2")
        #expect(RegistryClient.nextLink(#"</x>; rel="prev""#) == nil)
    }
}

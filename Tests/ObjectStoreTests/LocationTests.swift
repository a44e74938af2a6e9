import Foundation
import ObjectStore
import Testing

@Suite("object store location and credentials")
struct LocationTests {
    @Test("s3:// URL with endpoint, region, path-style and a prefix")
    func fullLocation() throws {
        let location = try ObjectStoreLocation(
            parsing: "s3://blobs/registry/prod?endpoint=http://127.0.0.1:8333&region=eu-west-1&path-style=true",
            environment: [:])
        #expect(location.bucket == "blobs")
        #expect(location.prefix == "registry/prod")
        #expect(location.scheme == "http")
        #expect(location.host == "127.0.0.1")
        #expect(location.port == 8333)
        #expect(location.region == "eu-west-1")
        #expect(location.pathStyle)
        #expect(location.requestHost == "127.0.0.1:8333")
        #expect(location.storedKey("a/b") == "registry/prod/a/b")
        #expect(location.requestPath(storedKey: "registry/prod/a/b") == "/blobs/registry/prod/a/b")
        #expect(location.requestPath(storedKey: nil) == "/blobs")
    }

    @Test("AWS by default: virtual-host-style, region from the environment, default ports dropped")
    func awsDefaults() throws {
        let location = try ObjectStoreLocation(parsing: "s3://my-bucket", environment: ["AWS_REGION": "ap-south-1"])
        #expect(location.host == "s3.ap-south-1.amazonaws.com")
        #expect(location.scheme == "https")
        #expect(!location.pathStyle)
        #expect(location.requestHost == "my-bucket.s3.ap-south-1.amazonaws.com")
        #expect(location.requestPath(storedKey: "k") == "/k")
        #expect(location.prefix.isEmpty)
        let fallback = try ObjectStoreLocation(
            parsing: "s3://my-bucket/", environment: ["AWS_DEFAULT_REGION": "sa-east-1"])
        #expect(fallback.region == "sa-east-1")
        #expect(try ObjectStoreLocation(parsing: "s3://my-bucket", environment: [:]).region == "us-east-1")
        let https = try ObjectStoreLocation(parsing: "s3://b12?endpoint=https://store.example:443", environment: [:])
        #expect(https.requestHost == "b12.store.example")
    }

    @Test(
        "malformed locations are refused with the reason",
        arguments: [
            ("http://bucket", "s3://"), ("s3://", "bucket"), ("s3://ab", "bucket"), ("s3://Upper", "bucket"),
            ("s3://bucket?path-style=yes", "path-style"), ("s3://bucket?colour=blue", "unknown parameter"),
            ("s3://bucket?endpoint=ftp://x", "endpoint"), ("s3://bucket?endpoint=http://h/path", "endpoint"),
            ("s3://bucket?region=", "region"),
        ])
    func malformed(text: String, reason: String) {
        do {
            _ = try ObjectStoreLocation(parsing: text, environment: [:])
            Issue.record("\(text) was accepted")
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
        }
    }

    @Test("credentials from the environment, with a session token")
    func environmentCredentials() throws {
        let credentials = try AWSCredentials.lookup(
            environment: ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "tok"],
            homeDirectory: "/nonexistent")
        #expect(credentials == AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret", sessionToken: "tok"))
        #expect(throws: ObjectStoreError.self) {
            try AWSCredentials.lookup(environment: ["AWS_ACCESS_KEY_ID": "AKID"], homeDirectory: "/nonexistent")
        }
    }

    @Test("credentials from the shared file: default profile, AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE")
    func fileCredentials() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("berth-home-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        try FileManager.default.createDirectory(
            at: home.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        let text = """
            # comment
            [default]
            aws_access_key_id = DEFAULTKEY
            aws_secret_access_key=default/secret+key

            [profile ci]
            ; another comment
            AWS_ACCESS_KEY_ID = CIKEY
            aws_secret_access_key = ci-secret
            aws_session_token = ci-token
            [broken]
            aws_access_key_id = ONLYKEY
            """
        try Data(text.utf8).write(to: home.appendingPathComponent(".aws/credentials"))
        #expect(
            try AWSCredentials.lookup(environment: [:], homeDirectory: home.path)
                == AWSCredentials(accessKeyID: "DEFAULTKEY", secretAccessKey: "default/secret+key"))
        #expect(
            try AWSCredentials.lookup(environment: ["AWS_PROFILE": "ci"], homeDirectory: home.path)
                == AWSCredentials(accessKeyID: "CIKEY", secretAccessKey: "ci-secret", sessionToken: "ci-token"))
        #expect(throws: ObjectStoreError.self) {
            try AWSCredentials.lookup(environment: ["AWS_PROFILE": "broken"], homeDirectory: home.path)
        }
        #expect(throws: ObjectStoreError.self) {
            try AWSCredentials.lookup(environment: ["AWS_PROFILE": "absent"], homeDirectory: home.path)
        }
        let other = home.appendingPathComponent("elsewhere")
        try Data("[default]\naws_access_key_id=E\naws_secret_access_key=S\n".utf8).write(to: other)
        #expect(
            try AWSCredentials.lookup(environment: ["AWS_SHARED_CREDENTIALS_FILE": other.path], homeDirectory: "/x")
                == AWSCredentials(accessKeyID: "E", secretAccessKey: "S"))
        // Environment variables win over the file.
        #expect(
            try AWSCredentials.lookup(
                environment: ["AWS_ACCESS_KEY_ID": "ENV", "AWS_SECRET_ACCESS_KEY": "S2"], homeDirectory: home.path
            ).accessKeyID == "ENV")
        #expect(throws: ObjectStoreError.self) {
            try AWSCredentials.lookup(environment: [:], homeDirectory: "/nonexistent")
        }
    }

    @Test("retry delays grow, stay capped, and vary")
    func retryDelays() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        let first = (0..<50).map { _ in policy.delay(after: 1) }
        let late = (0..<50).map { _ in policy.delay(after: 9) }
        #expect(first.allSatisfy { $0 >= .milliseconds(50) && $0 <= .milliseconds(100) })
        #expect(late.allSatisfy { $0 >= .milliseconds(500) && $0 <= .seconds(1) })
        #expect(Set(late).count > 1)
    }
}

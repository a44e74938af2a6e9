import Foundation
import OCI
import TestSupport
import Testing

@testable import Registry

/// Every error path of the API, driven by curl over a real socket: status and OCI error code.
@Suite struct CurlErrorPathTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var arguments: [String]
        var path: String
        var status: Int
        var code: String
        var description: String { name }
    }

    static let zero = "sha256:" + String(repeating: "0", count: 64)
    static let cases: [Case] = [
        Case(name: "unknown blob", arguments: [], path: "/v2/e/app/blobs/\(zero)", status: 404, code: "BLOB_UNKNOWN"),
        Case(
            name: "malformed digest", arguments: [], path: "/v2/e/app/blobs/sha256:123", status: 400,
            code: "DIGEST_INVALID"),
        Case(
            name: "unsupported algorithm", arguments: [], path: "/v2/e/app/blobs/md5:d41d8cd98f00b204e9800998ecf8427e",
            status: 400, code: "DIGEST_INVALID"),
        Case(
            name: "unknown manifest", arguments: [], path: "/v2/e/app/manifests/nope", status: 404,
            code: "MANIFEST_UNKNOWN"),
        // A reference that is neither a tag nor a digest names nothing: 404, as distribution answers
        // and the OCI conformance suite's "GET nonexistent manifest" sends.
        Case(
            name: "invalid manifest name", arguments: [], path: "/v2/e/app/manifests/.INVALID_MANIFEST_NAME",
            status: 404, code: "MANIFEST_UNKNOWN"),
        Case(
            name: "invalid manifest name head", arguments: ["-I"],
            path: "/v2/e/app/manifests/.INVALID_MANIFEST_NAME", status: 404, code: ""),
        Case(
            name: "malformed manifest digest", arguments: [], path: "/v2/e/app/manifests/sha256:123", status: 404,
            code: "MANIFEST_UNKNOWN"),
        Case(
            name: "invalid tag put",
            arguments: [
                "-X", "PUT", "-H", "Content-Type: application/vnd.oci.image.manifest.v1+json", "--data-binary", "{}",
            ], path: "/v2/e/app/manifests/.INVALID_MANIFEST_NAME", status: 400, code: "MANIFEST_INVALID"),
        Case(
            name: "invalid manifest",
            arguments: [
                "-X", "PUT", "-H", "Content-Type: application/vnd.oci.image.manifest.v1+json", "--data-binary", "{nope",
            ], path: "/v2/e/app/manifests/v1", status: 400, code: "MANIFEST_INVALID"),
        Case(
            name: "unknown media type",
            arguments: ["-X", "PUT", "-H", "Content-Type: text/plain", "--data-binary", #"{"schemaVersion":2}"#],
            path: "/v2/e/app/manifests/v1", status: 400, code: "MANIFEST_INVALID"),
        Case(
            name: "manifest blob unknown",
            arguments: [
                "-X", "PUT", "-H", "Content-Type: application/vnd.oci.image.manifest.v1+json", "--data-binary",
                #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a/b","digest":"\#(zero)","size":1},"layers":[]}"#,
            ],
            path: "/v2/e/app/manifests/v1", status: 400, code: "MANIFEST_BLOB_UNKNOWN"),
        Case(
            name: "oversized manifest",
            arguments: [
                "-X", "PUT", "-H", "Content-Type: application/vnd.oci.image.manifest.v1+json", "--data-binary", "@BIG",
            ], path: "/v2/e/app/manifests/v1", status: 413, code: "SIZE_INVALID"),
        Case(name: "invalid name", arguments: [], path: "/v2/E/app/tags/list", status: 400, code: "NAME_INVALID"),
        Case(
            name: "path traversal", arguments: ["--path-as-is"], path: "/v2/e/../../etc/manifests/v1", status: 400,
            code: "NAME_INVALID"),
        Case(
            name: "encoded traversal", arguments: [], path: "/v2/e/%2e%2e/x/manifests/v1", status: 400,
            code: "NAME_INVALID"),
        Case(
            name: "unknown repository", arguments: [], path: "/v2/e/none/tags/list", status: 404, code: "NAME_UNKNOWN"),
        Case(
            name: "unknown upload", arguments: [], path: "/v2/e/app/blobs/uploads/6f1c2a7e-0000-4000-8000-000000000000",
            status: 404, code: "BLOB_UPLOAD_UNKNOWN"),
        Case(
            name: "traversal upload id", arguments: ["--path-as-is"], path: "/v2/e/app/blobs/uploads/..%2F..%2Fstate",
            status: 404, code: "BLOB_UPLOAD_UNKNOWN"),
        Case(
            name: "put without digest", arguments: ["-X", "PUT", "--data-binary", "x"], path: "UPLOAD", status: 400,
            code: "DIGEST_INVALID"),
        Case(
            name: "wrong digest", arguments: ["-X", "PUT", "--data-binary", "x"], path: "UPLOAD?digest=\(zero)",
            status: 400, code: "DIGEST_INVALID"),
        Case(
            name: "out-of-order chunk",
            arguments: ["-X", "PATCH", "-H", "Content-Range: 5-9", "--data-binary", "12345"], path: "UPLOAD",
            status: 416, code: "BLOB_UPLOAD_INVALID"),
        Case(
            name: "malformed Content-Range",
            arguments: ["-X", "PATCH", "-H", "Content-Range: a-b", "--data-binary", "12345"], path: "UPLOAD",
            status: 416, code: "BLOB_UPLOAD_INVALID"),
        Case(
            name: "bad digest algorithm", arguments: ["-X", "POST"],
            path: "/v2/e/app/blobs/uploads/?digest-algorithm=md5", status: 400, code: "DIGEST_INVALID"),
        Case(
            name: "referrers bad digest", arguments: [], path: "/v2/e/app/referrers/sha256:zz", status: 400,
            code: "DIGEST_INVALID"),
        Case(name: "bad page size", arguments: [], path: "/v2/_catalog?n=abc", status: 400, code: "UNSUPPORTED"),
        Case(
            name: "method not allowed", arguments: ["-X", "PATCH"], path: "/v2/e/app/manifests/v1", status: 405,
            code: "UNSUPPORTED"),
        Case(name: "unknown endpoint", arguments: [], path: "/v2/e/app/nothing/here", status: 404, code: "UNSUPPORTED"),
        Case(
            name: "unsatisfiable range", arguments: ["-H", "Range: bytes=999-"], path: "BLOB", status: 416,
            code: "BLOB_UNKNOWN"),
        Case(
            name: "unknown blob delete", arguments: ["-X", "DELETE"], path: "/v2/e/app/blobs/\(zero)", status: 404,
            code: "BLOB_UNKNOWN"),
        Case(
            name: "unknown manifest delete", arguments: ["-X", "DELETE"], path: "/v2/e/app/manifests/\(zero)",
            status: 404, code: "MANIFEST_UNKNOWN"),
    ]

    @Test(Tool.enabled("curl"), arguments: cases)
    func errorPath(_ testCase: Case) async throws {
        guard let curl = requireTool("curl") else { return }
        let big = TemporaryRoot()
        defer { big.cleanup() }
        try Data(repeating: 0x20, count: 5 * 1024 * 1024).write(to: URL(fileURLWithPath: big.path))
        try await withRegistry(live: true) { client, _ in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let api = API(client: client)
            let blob = try await api.pushBlob("e/app", Data("hello".utf8))
            var path = testCase.path
            if path.hasPrefix("UPLOAD") {
                let start = try await api.request(.post, "/v2/e/app/blobs/uploads/")
                path = try #require(start.header("Location")) + path.dropFirst("UPLOAD".count)
            } else if path == "BLOB" {
                path = "/v2/e/app/blobs/\(blob)"
            }
            let arguments = testCase.arguments.map { $0 == "@BIG" ? "@\(big.path)" : $0 }
            let result = try await run(
                curl, ["-s", "-o", "-", "-w", "\n%{http_code}"] + arguments + [base + path], timeout: 30)
            let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
            let status = Int(lines.last ?? "") ?? 0
            let body = lines.dropLast().joined(separator: "\n")
            #expect(status == testCase.status, "\(testCase.name): \(body)")
            let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            let code = (object?["errors"] as? [[String: Any]])?.first?["code"] as? String
            if testCase.arguments.contains("-I") {
                // A HEAD answer has no body; its status line is the answer.
                #expect(body.contains("HTTP/1.1 \(testCase.status)"), "\(testCase.name): \(body)")
            } else {
                #expect(code == testCase.code, "\(testCase.name): \(body)")
            }
        }
    }
}

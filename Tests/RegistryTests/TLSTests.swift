import Foundation
import OCI
import TestSupport
import Testing

@testable import Registry

@Suite struct TLSTests {
    @Test(Tool.enabled("openssl", "curl")) func servesTheAPIOverTLS() async throws {
        guard let openssl = requireTool("openssl"), let curl = requireTool("curl") else { return }
        let work = TemporaryRoot()
        defer { work.cleanup() }
        try FileManager.default.createDirectory(atPath: work.path, withIntermediateDirectories: true)
        let certificate = work.path + "/tls.crt"
        let key = work.path + "/tls.key"
        let made = try await run(
            openssl,
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
            ])
        try #require(made.status == 0, "\(made.error)")
        guard let executable = ServerProcess.required else { return }
        let server = try await ServerProcess(
            executable: executable, root: work.path + "/root",
            extraArguments: ["--tls-cert", certificate, "--tls-key", key])
        defer { server.kill9() }
        let port = server.port
        let secure = try await run(
            curl,
            ["-s", "--cacert", certificate, "-o", "/dev/null", "-w", "%{http_code}", "https://127.0.0.1:\(port)/v2/"],
            timeout: 20)
        #expect(secure.output == "200", "\(secure.error)")
        let untrusted = try await run(
            curl, ["-s", "-o", "/dev/null", "-w", "%{http_code}", "https://127.0.0.1:\(port)/v2/"], timeout: 20)
        #expect(untrusted.output == "000", "an unknown certificate is not trusted")
        let plain = try await run(
            curl, ["-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/v2/"],
            timeout: 20)
        #expect(plain.output != "200", "plain HTTP is not served on a TLS port")
        // A blob over TLS takes the buffered path (no file regions through TLS): pushed, then read
        // back whole by several clients at once, and by range, with no internal header leaking.
        let blob = randomData(3 * 1024 * 1024 + 5)
        let blobFile = work.path + "/blob"
        try blob.write(to: URL(fileURLWithPath: blobFile))
        let digest = Digest.of(blob)
        let base = "https://127.0.0.1:\(port)/v2/tls/app/blobs"
        let pushed = try await run(
            curl,
            [
                "-s", "--cacert", certificate, "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                "-H", "Content-Type: application/octet-stream", "--data-binary", "@" + blobFile,
                "\(base)/uploads/?digest=\(digest)",
            ], timeout: 20)
        #expect(pushed.output == "201", "\(pushed.error)")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<4 {
                group.addTask {
                    let out = work.path + "/pulled-\(index)"
                    let pulled = try await run(
                        curl, ["-s", "-D", "-", "--cacert", certificate, "-o", out, "\(base)/\(digest)"], timeout: 20)
                    #expect(pulled.output.hasPrefix("HTTP/1.1 200"))
                    #expect(!pulled.output.lowercased().contains(Sendfile.headerName.lowercased()))
                    #expect(FileManager.default.contents(atPath: out) == blob)
                }
            }
            try await group.waitForAll()
        }
        let rangeFile = work.path + "/range"
        let range = try await run(
            curl,
            [
                "-s", "--cacert", certificate, "-w", "%{http_code}", "-o", rangeFile, "-H",
                "Range: bytes=1048576-1048585", "\(base)/\(digest)",
            ], timeout: 20)
        #expect(range.output == "206")
        #expect(FileManager.default.contents(atPath: rangeFile) == blob[1_048_576...1_048_585])
        #expect(try await server.terminate() == 0)
    }
}

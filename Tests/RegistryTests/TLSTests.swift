import Foundation
import Testing

@testable import Registry

@Suite struct TLSTests {
    @Test func servesTheAPIOverTLS() async throws {
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
        guard let executable = ServerProcess.executable else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("the berth executable was not built next to the tests")
            }
            return
        }
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
        #expect(try await server.terminate() == 0)
    }
}

import BerthCore
import Foundation
import Testing

@testable import Audit

/// The engine client against a local fake for the fault cases, and for the protocol details a real
/// engine uses (chunked bodies, keep-alive).
@Suite struct EngineClientTests {
    static func fixtureText(_ name: String) throws -> String {
        String(decoding: try AuditTestPaths.fixture(name), as: UTF8.self)
    }

    /// A fake Podman-compatible engine serving the fixtures.
    static func engine() throws -> FakeEngine {
        let version = #"{"Components": [{"Name": "Podman Engine", "Version": "4.3.1"}]}"#
        let info = try fixtureText("podman-api-info.json")
        let bad = try fixtureText("podman-api-bad.json")
        let list = #"[{"Id": "3f4ae3fbf82f"}]"#
        let image = #"{"Id": "sha256:550a", "RepoTags": ["localhost/audit-test:1"], "Config": {"User": ""}}"#
        let history = #"[{"CreatedBy": "/bin/sh -c #(nop) ADD file:0660 in /"}]"#
        return try FakeEngine { path in
            switch path {
            case "/version": .raw(FakeEngine.response(200, version))
            case "/info": .raw(FakeEngine.chunked(info))
            case "/containers/json?all=1": .raw(FakeEngine.response(200, list))
            case "/containers/3f4ae3fbf82f/json": .raw(FakeEngine.chunked(bad, size: 100))
            case let path where path.hasPrefix("/images/") && path.hasSuffix("/history"):
                .raw(FakeEngine.response(200, history))
            case let path where path.hasPrefix("/images/"): .rawThenClose(FakeEngine.response(200, image))
            default: .raw(FakeEngine.response(404, #"{"message": "no such object"}"#))
            }
        }
    }

    @Test func readsContainersImagesAndInfoOverTheSocket() throws {
        let fake = try Self.engine()
        defer { fake.stop() }
        let reader = EngineReader(endpoint: EngineEndpoint(.unix(path: fake.path)), timeout: 5)
        let input = try reader.read(names: [], all: true)
        #expect(input.daemon?.engine == .podman)
        #expect(input.containers.map(\.name) == ["bad"])
        #expect(input.containers.first?.engine == .podman)
        #expect(input.containers.first?.source == "unix://\(fake.path)")
        #expect(input.images.map(\.name) == ["localhost/audit-test:1"])
        #expect(input.images.first?.history?.count == 1)
        #expect(fake.seen.allSatisfy { !$0.contains("start") && !$0.contains("exec") })
        let file = try ContainerInspect.decodeAll(
            try AuditTestPaths.fixture("podman-inspect-bad.json"), file: "bad.json")
        let overSocket = Auditor().run(AuditInput(containers: input.containers)).findings.map(\.message)
        let fromFile = Auditor().run(AuditInput(containers: file)).findings.map(\.message)
        #expect(overSocket == fromFile)
    }

    @Test func unknownContainerIsAClearError() throws {
        let fake = try Self.engine()
        defer { fake.stop() }
        let reader = EngineReader(endpoint: EngineEndpoint(.unix(path: fake.path)), timeout: 5)
        #expect {
            try reader.read(names: ["nope"], all: false)
        } throws: { error in
            "\(error)".contains("GET /containers/nope/json answered 404: no such object")
        }
    }

    static func failure(_ answer: @escaping @Sendable (String) -> FakeEngine.Answer, timeout: Double = 5) throws -> (
        String, TimeInterval
    ) {
        let fake = try FakeEngine(respond: answer)
        defer { fake.stop() }
        let start = Date()
        do {
            _ = try EngineReader(endpoint: EngineEndpoint(.unix(path: fake.path)), timeout: timeout, maxBytes: 1 << 20)
                .read(names: [], all: false)
            return ("no error", Date().timeIntervalSince(start))
        } catch {
            return ("\(error)", Date().timeIntervalSince(start))
        }
    }

    @Test func serverErrorIsReported() throws {
        let (message, _) = try Self.failure { _ in .raw(FakeEngine.response(500, #"{"message": "database is locked"}"#))
        }
        #expect(message.hasSuffix("answered 500: database is locked"), "\(message)")
    }

    @Test func connectionClosedMidResponse() throws {
        let (message, elapsed) = try Self.failure { _ in
            .rawThenClose(Array("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"Compo".utf8))
        }
        #expect(message.contains("connection closed after 7 of 1000 body bytes"), "\(message)")
        #expect(elapsed < 3)
    }

    @Test func closedInChunkedBody() throws {
        let (message, _) = try Self.failure { _ in
            .rawThenClose(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"Co".utf8))
        }
        #expect(message.contains("connection closed in a chunked body"), "\(message)")
    }

    @Test func silentEngineTimesOut() throws {
        let (message, elapsed) = try Self.failure({ _ in .silence }, timeout: 0.5)
        #expect(message.contains("no answer within"), "\(message)")
        #expect(elapsed < 3)
    }

    @Test func oversizedResponseIsRefused() throws {
        let (message, _) = try Self.failure { _ in
            .raw(Array("HTTP/1.1 200 OK\r\nContent-Length: 50000000\r\n\r\n".utf8))
        }
        #expect(message.contains("larger than"), "\(message)")
    }

    @Test func notHTTP() throws {
        let (message, _) = try Self.failure { _ in .rawThenClose(Array("SSH-2.0-OpenSSH\r\n\r\n".utf8)) }
        #expect(message.contains("not an HTTP response"), "\(message)")
    }

    @Test func malformedJSONFromTheEngine() throws {
        let (message, _) = try Self.failure { _ in .raw(FakeEngine.response(200, "{\"Components\": [")) }
        #expect(message.contains(": field $: not valid JSON"), "\(message)")
    }

    @Test func missingSocket() throws {
        #expect {
            try EngineReader(endpoint: EngineEndpoint(.unix(path: "/nonexistent/x.sock"))).read(names: [], all: false)
        } throws: { error in
            "\(error)".hasPrefix("engine at unix:///nonexistent/x.sock: cannot connect")
        }
    }
}

import Foundation
import OCI
import Testing

@testable import Registry

/// The `berth registry` commands, run as the built executable.
@Suite struct CommandLineTests {
    @Test func serveRefusesOpenAccessOffLoopbackAndAdminCommandsWork() async throws {
        guard let berth = ServerProcess.required else { return }
        let root = TemporaryRoot()
        defer { root.cleanup() }
        let open = try await run(berth, ["registry", "serve", "--root", root.path, "--addr", "0.0.0.0:0"], timeout: 30)
        #expect(open.status != 0)
        #expect(open.error.contains("refusing to serve without authentication"))

        let weak = try await run(berth, ["registry", "user", "add", "alice", "--root", root.path], input: "short\n")
        #expect(weak.status != 0, "passwords under 8 bytes are refused")
        let add = try await run(
            berth, ["registry", "user", "add", "alice", "--admin", "--root", root.path], input: "long-enough-password\n"
        )
        #expect(add.status == 0, "\(add.error)")
        let list = try await run(berth, ["registry", "user", "list", "--root", root.path])
        #expect(list.output == "alice (admin)\n")
        let state = try #require(FileManager.default.contents(atPath: root.path + "/state/security.json"))
        #expect(String(decoding: state, as: UTF8.self).contains("$2b$10$"), "bcrypt, cost 10")
        #expect(!String(decoding: state, as: UTF8.self).contains("long-enough-password"))

        #expect(try await run(berth, ["registry", "project", "create", "wso2", "--root", root.path]).status == 0)
        #expect(
            try await run(berth, ["registry", "project", "member", "wso2", "alice", "maintainer", "--root", root.path])
                .status == 0)
        #expect(
            try await run(berth, ["registry", "project", "member", "wso2", "nobody", "guest", "--root", root.path])
                .status != 0)
        let robot = try await run(
            berth, ["registry", "robot", "add", "wso2", "ci", "--role", "developer", "--root", root.path])
        #expect(robot.output.hasPrefix("robot$wso2+ci "))

        // gc is a dry run by default; scrub reports corruption with exit status 1.
        let storage = try RegistryStorage(root: root.path)
        let data = Data("orphan".utf8)
        let digest = OCI.Digest.of(data)
        try await storage.storeContent(data, digest: digest)
        var old = [timeval(tv_sec: time(nil) - 7200, tv_usec: 0), timeval(tv_sec: time(nil) - 7200, tv_usec: 0)]
        _ = utimes(storage.root + "/" + storage.blobPath(digest), &old)
        let dry = try await run(berth, ["registry", "gc", "--root", root.path])
        #expect(dry.output.contains("would remove \(digest)"))
        #expect(try await storage.blobSize(digest) != nil)
        #expect(try await run(berth, ["registry", "scrub", "--root", root.path]).status == 0)
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: storage.root + "/" + storage.blobPath(digest)))
        let scrub = try await run(berth, ["registry", "scrub", "--root", root.path])
        #expect(scrub.status == 1)
        #expect(scrub.output.contains("affected \(digest)"))
        _ = utimes(storage.root + "/" + storage.blobPath(digest), &old)
        let delete = try await run(berth, ["registry", "gc", "--delete", "--root", root.path])
        #expect(delete.output.contains("removed \(digest)"))
        #expect(try await storage.blobSize(digest) == nil)
    }
}

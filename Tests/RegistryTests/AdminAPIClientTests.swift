import Foundation
import TestSupport
import Testing

@testable import Registry

/// The admin API from outside: `berth registry ... --url` and curl against a live `berth registry serve`.
@Suite struct AdminAPIClientTests {
    @Test func commandLineAdministersARunningRegistryThroughTheAPI() async throws {
        guard let berth = ServerProcess.required else { return }
        let root = TemporaryRoot()
        defer { root.cleanup() }
        try FileManager.default.createDirectory(atPath: root.path, withIntermediateDirectories: true)
        try await prepareUsers(root.path)
        let server = try await ServerProcess(executable: berth, root: root.path)
        let url = "http://127.0.0.1:\(server.port)"
        let asRoot = ["--url", url, "--username", "root"]
        let password = ["BERTH_REGISTRY_PASSWORD": "password-root"]

        let user = try await run(
            berth, ["registry", "user", "add", "bob", "--admin"] + asRoot, input: "bob-password\n",
            environment: password)
        #expect(user.status == 0, "\(user.error)")
        #expect(user.output == "user bob saved\n")
        // The caller's password on standard input, then the new user's.
        let second = try await run(
            berth, ["registry", "user", "add", "dave", "--url", url, "--username", "bob", "--password-stdin"],
            input: "bob-password\ndave-password\n")
        #expect(second.status == 0, "\(second.error)")
        let list = try await run(berth, ["registry", "user", "list"] + asRoot, environment: password)
        #expect(list.output.contains("bob (admin)\n") && list.output.contains("dave\n"), "\(list.output)")

        let project = try await run(berth, ["registry", "project", "create", "team"] + asRoot, environment: password)
        #expect(project.status == 0, "\(project.error)")
        let member = try await run(
            berth, ["registry", "project", "member", "team", "dave", "maintainer"] + asRoot, environment: password)
        #expect(member.status == 0, "\(member.error)")
        let robot = try await run(
            berth, ["registry", "robot", "add", "team", "ci", "--role", "developer"] + asRoot, environment: password)
        #expect(robot.status == 0, "\(robot.error)")
        #expect(robot.output.hasPrefix("robot$team+ci "))
        let policy = try await run(
            berth,
            [
                "registry", "project", "policy", "team", "--immutable-tag", "v*", "--quota", "5000000",
                "--block-severity", "high", "--unscanned", "block",
                "--allow-vulnerability", "CVE-2099-1001:2999-12-31:fixed in the next release", "--public", "true",
            ] + asRoot, environment: password)
        #expect(policy.status == 0, "\(policy.error)")

        // The server wrote what the commands asked for.
        let state = (try await SecurityStore(root: root.path).current())
        #expect(state.users["bob"]?.admin == true)
        #expect(state.users["dave"]?.admin == false)
        let team = try #require(state.projects["team"])
        #expect(team.members["dave"] == .maintainer)
        #expect(team.public)
        #expect(team.immutableTags == ["v*"])
        #expect(team.quotaBytes == 5_000_000)
        #expect(
            team.vulnerabilities
                == VulnerabilityPolicySettings(
                    blockSeverity: "high", unscanned: "block",
                    allowlist: [.init(id: "CVE-2099-1001", reason: "fixed in the next release", expires: "2999-12-31")])
        )
        let secret = String(robot.output.split(separator: " ").last ?? "").trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(state.robots["robot$team+ci"]?.role == .developer)
        #expect(!secret.isEmpty)
        // Changing one policy keeps the others.
        let again = try await run(
            berth, ["registry", "project", "policy", "team", "--quota", "0"] + asRoot, environment: password)
        #expect(again.status == 0, "\(again.error)")
        let after = try #require((try await SecurityStore(root: root.path).current()).projects["team"])
        #expect(after.quotaBytes == nil)
        #expect(after.immutableTags == ["v*"])
        #expect(after.vulnerabilities?.blockSeverity == "high")
        let show = try await run(berth, ["registry", "project", "show", "team"] + asRoot, environment: password)
        #expect(show.output.contains(#""blockSeverity":"high""#), "\(show.output)")

        // Refusals are the command's failures, with the server's message.
        let denied = try await run(
            berth, ["registry", "project", "create", "mine", "--url", url, "--username", "dave"],
            environment: ["BERTH_REGISTRY_PASSWORD": "dave-password"])
        #expect(denied.status != 0)
        #expect(denied.error.contains("403 DENIED"), "\(denied.error)")
        let wrong = try await run(
            berth, ["registry", "user", "list", "--url", url, "--username", "root"],
            environment: ["BERTH_REGISTRY_PASSWORD": "wrong-password"])
        #expect(wrong.status != 0)
        #expect(wrong.error.contains("401 UNAUTHORIZED"), "\(wrong.error)")
        let noPassword = try await run(
            berth, ["registry", "user", "list", "--url", url, "--username", "root"],
            environment: ["BERTH_REGISTRY_PASSWORD": ""])
        #expect(noPassword.status != 0)
        // This server does not scan: the request is refused with the server's reason.
        let scan = try await run(berth, ["registry", "scan", "team/app"] + asRoot, environment: password)
        #expect(scan.status != 0)
        #expect(scan.error.contains("scanning is not configured"), "\(scan.error)")
        let removed = try await run(
            berth, ["registry", "project", "member", "team", "dave", "none"] + asRoot, environment: password)
        #expect(removed.status == 0, "\(removed.error)")
        #expect((try await SecurityStore(root: root.path).current()).projects["team"]?.members["dave"] == nil)
        #expect(try await server.terminate() == 0)
        // Without --url the same flags change the storage root directly.
        let local = try await run(
            berth, ["registry", "project", "policy", "team", "--block-severity", "none", "--root", root.path])
        #expect(local.status == 0, "\(local.error)")
        #expect((try await SecurityStore(root: root.path).current()).projects["team"]?.vulnerabilities == nil)
        #expect((try await SecurityStore(root: root.path).current()).projects["team"]?.immutableTags == ["v*"])
    }

    @Test(Tool.enabled("curl"))
    func curlPerformsAdminOperations() async throws {
        guard let berth = ServerProcess.required, let curl = requireTool("curl") else { return }
        let root = TemporaryRoot()
        defer { root.cleanup() }
        try FileManager.default.createDirectory(atPath: root.path, withIntermediateDirectories: true)
        try await prepareUsers(root.path)
        let server = try await ServerProcess(executable: berth, root: root.path)
        let base = "http://127.0.0.1:\(server.port)/api/v1"
        func curlJSON(_ arguments: [String]) async throws -> (status: Int, body: String, headers: String) {
            let result = try await run(
                curl, ["-sS", "-D", "-", "-w", "\n%{http_code}", "-H", "Content-Type: application/json"] + arguments)
            #expect(result.status == 0, "\(result.error)")
            var lines = result.output.components(separatedBy: "\n")
            let status = Int(lines.removeLast()) ?? 0
            let text = lines.joined(separator: "\n")
            let split = text.components(separatedBy: "\r\n\r\n")
            return (status, split.dropFirst().joined(separator: "\r\n\r\n"), split.first ?? "")
        }
        let rootUser = ["-u", "root:password-root"]
        let document = try await curlJSON(["\(base)/openapi.json"])
        #expect(document.status == 200)
        #expect(document.body.contains(#""openapi":"3.1.0""#) || document.body.contains(#""openapi" : "3.1.0""#))
        let anonymous = try await curlJSON(["\(base)/users"])
        #expect(anonymous.status == 401)
        #expect(anonymous.headers.lowercased().contains("www-authenticate: basic realm="))
        #expect(anonymous.body.contains(#""code":"UNAUTHORIZED""#))
        let created = try await curlJSON(
            rootUser + ["-X", "POST", "-d", #"{"name":"web","public":false}"#, "\(base)/projects"])
        #expect(created.status == 201, "\(created.body)")
        let member = try await curlJSON(
            rootUser + ["-X", "PUT", "-d", #"{"role":"developer"}"#, "\(base)/projects/web/members/developer"])
        #expect(member.status == 200, "\(member.body)")
        let members = try await curlJSON(["-u", "developer:password-developer", "\(base)/projects/web/members"])
        #expect(members.status == 200)
        #expect(members.body == #"[{"role":"developer","user":"developer"}]"#)
        let forbidden = try await curlJSON(
            ["-u", "developer:password-developer", "-X", "DELETE", "\(base)/projects/web/members/developer"])
        #expect(forbidden.status == 403)
        #expect(forbidden.body.contains(#""code":"DENIED""#))
        let robot = try await curlJSON(
            rootUser + ["-X", "POST", "-d", #"{"name":"ci"}"#, "\(base)/projects/web/robots"])
        #expect(robot.status == 201)
        let secret = try #require(
            (try JSONSerialization.jsonObject(with: Data(robot.body.utf8)) as? [String: Any])?["secret"] as? String)
        // The robot signs in with its secret and reads its project.
        let asRobot = try await curlJSON(["-u", "robot$web+ci:\(secret)", "\(base)/projects/web"])
        #expect(asRobot.status == 200, "\(asRobot.body)")
        #expect(asRobot.body.contains(#""role":"developer""#))
        let logs = try await curlJSON(rootUser + ["\(base)/projects/web/logs?action=api&page_size=1"])
        #expect(logs.status == 200)
        // Three changes and the refused removal.
        #expect(logs.body.contains(#""total":4"#), "\(logs.body)")
        #expect(logs.body.contains(#""next":"/api/v1/projects/web/logs?"#), "\(logs.body)")
        #expect(try await server.terminate() == 0)
    }
}

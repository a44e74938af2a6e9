import Foundation
import TestSupport
import Testing

/// `berth audit` end to end: saved files, exit codes, formats, and a real Podman engine serving the
/// Docker-compatible API (created containers; they cannot start in every sandbox, and need not).
@Suite(.serialized) struct AuditCommandTests {
    static let fixtures = Repository.fixtures("AuditTests")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("berth-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// (rule, message) of every finding in a JSON report.
    static func findings(_ json: String) throws -> [String] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let findings = try #require(object["findings"] as? [[String: Any]])
        return findings.map { "\($0["rule"] ?? "") \($0["severity"] ?? "") \($0["message"] ?? "")" }
    }

    @Test func savedInspectExitCodesAndFormats() throws {
        let files = ["podman-inspect-bad.json", "podman-inspect-hardened.json"].map(Self.fixture)
        let text = try ParseCommandTests.run(["audit", "--inspect"] + files)
        #expect(text.status == 1, "\(text.stderr)")
        #expect(
            text.stdout.contains(
                "error [audit-container-privileged least-privilege] container 'bad' (image localhost/audit-test:1, podman): runs privileged [HostConfig.Privileged; CIS 5.5]"
            ))
        #expect(text.stderr.contains("manual, not checked: CIS 2.1"))
        let none = try ParseCommandTests.run(["audit", "--fail-on", "none", "--inspect"] + files)
        #expect(none.status == 0)
        let hardened = try ParseCommandTests.run(
            ["audit", "--fail-on", "error", "--inspect", Self.fixture("podman-inspect-hardened.json")])
        #expect(hardened.status == 0, "the hardened container has only a warning (no health check)")
        let sarif = try ParseCommandTests.run(["audit", "--format", "sarif", "--inspect"] + files)
        let log = try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any]
        #expect(log?["version"] as? String == "2.1.0")
        let verdicts = try ParseCommandTests.run(["audit", "--verdicts", "--inspect"] + files)
        #expect(verdicts.stdout.contains("5.5   audit-container-privileged"))
        #expect(verdicts.stdout.contains("manual"))
        #expect(verdicts.stdout.contains("undecidable"))
    }

    @Test func couldNotRunExitsTwo() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let broken = root.appendingPathComponent("broken.json")
        try Data("[{\"Id\": \"a\", \"HostConfig\": {\"CapAdd\": 5}}]".utf8).write(to: broken)
        let malformed = try ParseCommandTests.run(["audit", "--inspect", broken.path])
        #expect(malformed.status == 2)
        #expect(malformed.stderr.contains("broken.json: field [0].HostConfig.CapAdd: expected a list of strings"))
        let missing = try ParseCommandTests.run(["audit", "--inspect", root.appendingPathComponent("nope.json").path])
        #expect(missing.status == 2 && missing.stderr.contains("nope.json"))
        let socket = try ParseCommandTests.run([
            "audit", "--host", "unix://" + root.appendingPathComponent("x.sock").path,
        ])
        #expect(socket.status == 2 && socket.stderr.contains("cannot connect"))
        let usage = try ParseCommandTests.run(["audit", "--host", "ssh://box"])
        #expect(usage.status == 2)
        let mixed = try ParseCommandTests.run(["audit", "--all", "--inspect", broken.path])
        #expect(mixed.status == 2)
    }

    @Test func listsRules() throws {
        let list = try ParseCommandTests.run(["audit", "--list-rules"])
        #expect(list.status == 0 && list.stdout.contains("audit-container-docker-socket"))
        let rules = try ParseCommandTests.run(["rules", "audit-container-privileged"])
        #expect(rules.status == 0 && rules.stdout.contains("engine, practice least-privilege"))
    }

    /// Runs `podman` with storage of its own under `root`.
    static func podman(_ root: URL, _ arguments: [String]) throws -> ParseCommandTests.Run {
        let result = try ChildProcess.runSync(
            "podman",
            [
                "--root", root.appendingPathComponent("storage").path, "--runroot",
                root.appendingPathComponent("run").path, "--storage-driver", "vfs", "--events-backend", "file",
            ] + arguments)
        return ParseCommandTests.Run(status: result.status, stdout: result.output, stderr: result.error)
    }

    @Test func liveSocketAgreesWithSavedInspect() throws {
        // A missing tool skips locally and fails under CI (.ci/install-audit-deps.sh installs both).
        guard Tool.require("podman") != nil, let busybox = Tool.require("busybox") else { return }
        // Podman refuses a run root longer than 50 characters: keep the directory short.
        let root = URL(fileURLWithPath: "/tmp/ba-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        // A one-binary root filesystem, imported as an image.
        let rootfs = root.appendingPathComponent("rootfs/bin")
        try FileManager.default.createDirectory(at: rootfs, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: busybox, toPath: rootfs.appendingPathComponent("busybox").path)
        try FileManager.default.createSymbolicLink(
            atPath: rootfs.appendingPathComponent("sh").path, withDestinationPath: "busybox")
        let tarball = root.appendingPathComponent("rootfs.tar").path
        let tar = try ChildProcess.runSync(
            "tar", ["-C", root.appendingPathComponent("rootfs").path, "-cf", tarball, "."])
        #expect(tar.status == 0)
        let image = "localhost/berth-audit:1"
        let imported = try Self.podman(root, ["import", tarball, image])
        try #require(imported.status == 0, "podman import: \(imported.stderr)")
        let hardened = try Self.podman(
            root,
            [
                "create", "--name", "hardened", "--user", "10001", "--read-only", "--cap-drop", "ALL", "--security-opt",
                "no-new-privileges", "--pids-limit", "100", "--memory", "512m", "--cpus", "1", "--health-cmd", "true",
                image, "/bin/sh",
            ])
        try #require(hardened.status == 0, "podman create: \(hardened.stderr)")
        let socketFile = root.appendingPathComponent("engine.sock")
        try Data().write(to: socketFile)
        let bad = try Self.podman(
            root,
            [
                "create", "--name", "bad", "--privileged", "--pid=host", "--network=host", "-v", "/:/host", image,
                "/bin/sh",
            ])
        try #require(bad.status == 0, "podman create: \(bad.stderr)")
        // The other automatable 5.x checks, on a container that is not privileged and has its own network.
        let bad2 = try Self.podman(
            root,
            [
                "create", "--name", "bad2", "-v", socketFile.path + ":/var/run/docker.sock", "--uts=host",
                "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined", "--security-opt",
                "apparmor=unconfined", "--security-opt", "label=disable", "--restart", "always", "--device",
                "/dev/null:/dev/xnull", "--ulimit", "nofile=1024:2048", "--cgroup-parent", "/custom", "-p", "80:8080",
                image, "/bin/sh",
            ])
        try #require(bad2.status == 0, "podman create: \(bad2.stderr)")
        let saved = try Self.podman(root, ["inspect", "hardened", "bad", "bad2"])
        try #require(saved.status == 0)
        let savedFile = root.appendingPathComponent("inspect.json")
        try Data(saved.stdout.utf8).write(to: savedFile)
        let info = try Self.podman(root, ["info", "--format", "json"])
        try #require(info.status == 0)
        let infoFile = root.appendingPathComponent("info.json")
        try Data(info.stdout.utf8).write(to: infoFile)

        // The engine API, stopped when the test ends whatever happens.
        let apiSocket = root.appendingPathComponent("api.sock").path
        let service = Process()
        service.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        service.arguments = [
            "podman", "--root", root.appendingPathComponent("storage").path, "--runroot",
            root.appendingPathComponent("run").path, "--storage-driver", "vfs", "--events-backend", "file",
            "system", "service", "--time=0", "unix://" + apiSocket,
        ]
        service.standardOutput = FileHandle.nullDevice
        service.standardError = FileHandle.nullDevice
        try service.run()
        defer {
            service.terminate()
            service.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: apiSocket), Date() < deadline { usleep(50_000) }
        try #require(FileManager.default.fileExists(atPath: apiSocket), "podman system service did not start")

        let live = try ParseCommandTests.run(["audit", "--format", "json", "--host", "unix://" + apiSocket, "--all"])
        #expect(live.status == 1, "\(live.stderr)")
        let file = try ParseCommandTests.run(["audit", "--format", "json", "--inspect", savedFile.path])
        #expect(file.status == 1, "\(file.stderr)")
        let liveContainers = try Self.findings(live.stdout).filter { $0.contains("container '") }.sorted()
        let fileContainers = try Self.findings(file.stdout).sorted()
        #expect(!fileContainers.isEmpty)
        #expect(liveContainers == fileContainers)

        // Every container check's verdict (pass, fail, n/a, undecidable) is the same from both sources
        // once the saved engine info is given too.
        let liveVerdicts = try ParseCommandTests.run(["audit", "--verdicts", "--host", "unix://" + apiSocket, "--all"])
        let fileVerdicts = try ParseCommandTests.run([
            "audit", "--verdicts", "--inspect", savedFile.path, "--engine-info", infoFile.path,
        ])
        func containerRows(_ text: String) -> [String] {
            text.split(separator: "\n").filter { $0.contains("container '") }.map(String.init).sorted()
        }
        #expect(containerRows(liveVerdicts.stdout).count == 3 * 26)
        #expect(containerRows(liveVerdicts.stdout) == containerRows(fileVerdicts.stdout))

        let hardenedFindings = fileContainers.filter { $0.contains("container 'hardened'") }
        #expect(hardenedFindings.isEmpty, "\(hardenedFindings)")
        let badRules = Set(
            fileContainers.filter { $0.contains("container 'bad") }.map { String($0.split(separator: " ")[0]) })
        for rule in [
            "audit-container-privileged", "audit-container-host-pid", "audit-container-host-network",
            "audit-container-sensitive-mount", "audit-container-docker-socket", "audit-container-host-uts",
            "audit-container-capabilities", "audit-container-seccomp", "audit-container-restart-policy",
            "audit-container-devices", "audit-container-ulimits", "audit-container-cgroup-parent",
            "audit-container-privileged-port", "audit-container-bind-address", "audit-container-memory",
            "audit-container-cpu", "audit-container-writable-rootfs", "audit-container-new-privileges",
            "audit-container-health", "audit-container-user", "audit-container-apparmor", "audit-container-selinux",
        ] {
            #expect(badRules.contains(rule), "\(rule) did not fire on the bad containers")
        }
        // Over the socket the engine and its images are audited too.
        #expect(live.stdout.contains("audit-image-user"))
    }
}

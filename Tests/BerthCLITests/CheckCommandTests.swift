import Foundation
import Testing

/// `berth check` end to end: discovery, exit codes, formats, configuration errors.
@Suite struct CheckCommandTests {
    static func makeTree(_ files: [String: String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-check-\(UUID().uuidString)")
        for (path, content) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url, atomically: true, encoding: .utf8)
        }
        return root
    }

    static let clean = """
        FROM alpine:3.20
        LABEL org.opencontainers.image.source=https://example.com/app org.opencontainers.image.version=1.0.0
        USER 802
        HEALTHCHECK CMD wget -qO- http://localhost:8080/health || exit 1
        ENTRYPOINT ["/app"]

        """

    @Test func cleanFileExitsZeroAndFindingsExitOne() throws {
        let root = try Self.makeTree(["good/Dockerfile": Self.clean, "bad/Dockerfile": "FROM ubuntu\nEXPOSE 22\n"])
        defer { try? FileManager.default.removeItem(at: root) }
        let good = try ParseCommandTests.run(["check", root.appendingPathComponent("good").path])
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.contains("0 errors, 0 warnings, 0 info in 1 file"))
        let bad = try ParseCommandTests.run(["check", root.path])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("bad/Dockerfile:1:1: error [dockerfile-user-missing non-root-user]"))
        let noFail = try ParseCommandTests.run(["check", "--no-fail", root.path])
        #expect(noFail.status == 0)
        let onlyErrors = try ParseCommandTests.run(["check", "--fail-on", "none", root.path])
        #expect(onlyErrors.status == 0)
    }

    @Test func oneJobGivesTheSameReportAsAllCores() throws {
        var files: [String: String] = [:]
        for index in 0..<24 {
            files["f\(index)/Dockerfile"] = index.isMultiple(of: 3) ? Self.clean : "FROM ubuntu\nEXPOSE \(index + 20)\n"
        }
        let root = try Self.makeTree(files)
        defer { try? FileManager.default.removeItem(at: root) }
        let parallel = try ParseCommandTests.run(["check", "--format", "json", root.path])
        let serial = try ParseCommandTests.run(["check", "--format", "json", "--jobs", "1", root.path])
        #expect(parallel.status == 1 && serial.status == 1, "\(serial.stderr)")
        #expect(parallel.stdout == serial.stdout)
        #expect(parallel.stdout.contains("f23/Dockerfile"))
        let refused = try ParseCommandTests.run(["check", "--jobs", "0", root.path])
        #expect(refused.status != 0 && refused.stderr.contains("--jobs must be at least 1"))
    }

    @Test func skippedTemplatesAreNamedOnStandardError() throws {
        let root = try Self.makeTree([
            "a/Dockerfile": Self.clean, "a/Dockerfile.template": "FROM debian:{{ .suite }}\nRUN {{ .install }}\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try ParseCommandTests.run(["check", root.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("Dockerfile.template: skipped: a Dockerfile template"), "\(result.stderr)")
    }

    @Test func discoveryFindsDockerfileNamesAndHonoursGitignore() throws {
        let root = try Self.makeTree([
            "a/Dockerfile": Self.clean, "b/Containerfile": Self.clean, "c/api.Dockerfile": Self.clean,
            "d/Dockerfile.prod": Self.clean, "vendor/Dockerfile": "FROM ubuntu\n", "e/README.md": "not a Dockerfile",
            ".gitignore": "vendor/\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try ParseCommandTests.run(["check", "--format", "json", root.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect((document?["summary"] as? [String: Any])?["files"] as? Int == 4)
    }

    @Test func badInputExitsTwoButOtherFilesAreChecked() throws {
        let root = try Self.makeTree([
            "ok/Dockerfile": "FROM ubuntu:24.04\n", "broken/Dockerfile": "FROM a\nRUN <<EOF\nopen\n",
            "empty/Dockerfile": "",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try ParseCommandTests.run(["check", root.path])
        #expect(result.status == 2)
        #expect(result.stdout.contains("broken/Dockerfile:2: unterminated heredoc"))
        #expect(result.stdout.contains("empty/Dockerfile:1: empty file"))
        #expect(result.stdout.contains("ok/Dockerfile:1:1: error [dockerfile-user-missing"))
        let missing = try ParseCommandTests.run(["check", root.appendingPathComponent("nope").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no such file or directory"))
        let noDockerfiles = try Self.makeTree(["x/readme.txt": "hi"])
        defer { try? FileManager.default.removeItem(at: noDockerfiles) }
        let none = try ParseCommandTests.run(["check", noDockerfiles.path])
        #expect(none.status == 2)
        #expect(none.stderr.contains("no Dockerfiles found"))
    }

    @Test func malformedConfigurationExitsTwoWithFileAndLine() throws {
        let root = try Self.makeTree([
            "app/Dockerfile": Self.clean, "app/.berth.yaml": "rules:\n  dockerfile-user-root: off\nfailsOn: error\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try ParseCommandTests.run(["check", root.path])
        #expect(result.status == 2)
        #expect(result.stdout.contains(".berth.yaml:3: configuration error: unknown key 'failsOn'"))
    }

    @Test func nearestConfigurationApplies() throws {
        let root = try Self.makeTree([
            "svc/Dockerfile": "FROM alpine:3.20\nUSER 802\nEXPOSE 8080\n",
            "svc/.berth.yaml": "rules:\n  dockerfile-healthcheck-missing: off\n  dockerfile-oci-labels-missing: off\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try ParseCommandTests.run(["check", root.path])
        #expect(result.status == 0, "\(result.stdout)")
    }

    @Test func standardInputAndSarifOutputFile() throws {
        let directory = try Self.makeTree([:])
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("berth.sarif").path
        let result = try ParseCommandTests.run(
            ["check", "--format", "sarif", "--output", output, "-"], stdin: "FROM ubuntu:latest\n")
        #expect(result.status == 1)
        let sarif = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output)))
        let results = ((sarif as? [String: Any])?["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]
        #expect(results?.contains { $0["ruleId"] as? String == "dockerfile-image-latest" } == true)
    }

    @Test func rulesListsAndExplains() throws {
        let list = try ParseCommandTests.run(["rules"])
        #expect(list.status == 0)
        #expect(list.stdout.split(separator: "\n").count >= 20)
        let one = try ParseCommandTests.run(["rules", "dockerfile-download-unverified"])
        #expect(one.stdout.contains("practice verified-download"))
        let byHadolint = try ParseCommandTests.run(["rules", "DL3002"])
        #expect(byHadolint.stdout.hasPrefix("dockerfile-user-root"))
        let unknown = try ParseCommandTests.run(["rules", "nope"])
        #expect(unknown.status == 2)
    }
}

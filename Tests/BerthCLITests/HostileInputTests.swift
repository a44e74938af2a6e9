import Foundation
import TestSupport
import Testing

/// Broken and hostile input through the built executable: each case exits 2 with one located line,
/// never crashes, hangs or reads without bound. `scripts/hostile-inputs.sh` runs the same probes
/// (and more) with time and memory measured.
@Suite struct HostileInputTests {
    struct Tree {
        let root: URL
        init(_ files: [String: String]) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-hostile-\(UUID().uuidString)")
            for (path, text) in files {
                let url = root.appendingPathComponent(path)
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url)
            }
        }
        func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
        func remove() {
            _ = try? ChildProcess.runSync("chmod", ["-R", "u+rwx", root.path])
            try? FileManager.default.removeItem(at: root)
        }
    }

    static func berth(_ arguments: [String], in tree: Tree? = nil, path: String? = nil, input: String? = nil) throws
        -> ProcessResult
    {
        try BerthExecutable.run(
            arguments, input: input, timeout: 60, environment: path.map { ["PATH": $0] }, directory: tree?.root.path)
    }

    static let deep = "rules: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "\n"

    /// 40 lines of `ARG A{i}=${A{i-1}}${A{i-1}}` would be 2^40 characters: the value is refused past
    /// the bound, the rules stay silent on it, and the run ends at once.
    @Test func exponentialArgumentChainIsBounded() throws {
        var lines = ["FROM alpine:3.20", "ARG A0=xxxxxxxxxxxxxxxx"]
        for index in 1...40 { lines.append("ARG A\(index)=${A\(index - 1)}${A\(index - 1)}") }
        lines += ["USER 802", "RUN echo $A40"]
        let tree = try Tree(["Dockerfile": lines.joined(separator: "\n") + "\n"])
        defer { tree.remove() }
        let result = try Self.berth(["check", "--format", "json", "Dockerfile"], in: tree)
        #expect(result.status == 1, "\(result.error)")
        #expect(!result.output.contains("dockerfile-user-root"))
    }

    /// Deeply nested YAML in every YAML file Berth reads is a located error, not a crash.
    @Test func deepNestingInEveryConfigurationFileIsAnError() throws {
        let tree = try Tree([".berth.yaml": Self.deep, "Dockerfile": "FROM alpine:3.20\n", "deep.yaml": Self.deep])
        defer { tree.remove() }
        let check = try Self.berth(["check", "Dockerfile"], in: tree)
        #expect(check.status == 2)
        #expect(check.output.contains(".berth.yaml:1: configuration error: nesting too deep"), "\(check.output)")
        let render = try Self.berth(["render", "--spec", "deep.yaml", "--out", "out"], in: tree)
        #expect(render.status == 2)
        #expect(render.error.contains("deep.yaml:1:1: nesting too deep"), "\(render.error)")
        let registry = try Self.berth(["registry", "scrub", "--config", "deep.yaml", "--root", "r"], in: tree)
        #expect(registry.status == 2)
        #expect(registry.error == "berth: deep.yaml:1:1: nesting too deep (more than 64 levels)\n", "\(registry.error)")
    }

    /// registry.yaml: unknown keys and wrong types at their line, not `DecodingError` text.
    @Test func registryConfigurationErrorsAreLocated() throws {
        let tree = try Tree([
            "unknown.yaml": "address: 127.0.0.1:0\nadress: typo\n", "typed.yaml": "idleTimeoutSeconds: soon\n",
        ])
        defer { tree.remove() }
        let unknown = try Self.berth(["registry", "scrub", "--config", "unknown.yaml", "--root", "r"], in: tree)
        #expect(unknown.status == 2)
        #expect(unknown.error.hasPrefix("berth: unknown.yaml:2:1: unknown key 'adress'"), "\(unknown.error)")
        let typed = try Self.berth(["registry", "scrub", "--config", "typed.yaml", "--root", "r"], in: tree)
        #expect(typed.status == 2)
        #expect(
            typed.error == "berth: typed.yaml:1:21: idleTimeoutSeconds: expected a whole number\n", "\(typed.error)")
    }

    /// What cannot be read or judged is exit 2 naming the path and the reason; the rest is checked.
    @Test func objectsWithoutAKindAreErrors() throws {
        let tree = try Tree([
            "nokind.yaml": "apiVersion: v1\nmetadata: {name: a}\n",
            "kind42.yaml": "apiVersion: v1\nkind: 42\nmetadata: {name: a}\n",
            "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n",
        ])
        defer { tree.remove() }
        let noKind = try Self.berth(["check", "nokind.yaml"], in: tree)
        #expect(noKind.status == 2)
        #expect(noKind.output.contains("nokind.yaml:1: an object with apiVersion but no kind"), "\(noKind.output)")
        let number = try Self.berth(["check", "kind42.yaml"], in: tree)
        #expect(number.status == 2)
        #expect(number.output.contains("kind42.yaml:2: '42' is not a Kubernetes kind"), "\(number.output)")
    }

    /// An unreadable subdirectory is an error of the run (the readable files are still checked).
    @Test(Tool.enabled("setpriv")) func unreadableSubdirectoryIsAnError() throws {
        let tree = try Tree(["ok/Dockerfile": "FROM alpine:3.20\n", "locked/Dockerfile": "FROM alpine:3.20\n"])
        defer { tree.remove() }
        _ = try ChildProcess.runSync("chmod", ["000", tree.path("locked")])
        _ = try ChildProcess.runSync("chmod", ["-R", "o+rX", tree.path("ok")])
        _ = try ChildProcess.runSync("chmod", ["o+rx", tree.root.path])
        let binary = try #require(BerthExecutable.path)
        // As an unprivileged user: root reads everything.
        let result = try ChildProcess.runSync(
            "setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", binary, "check", "--fail-on", "none", tree.root.path])
        #expect(result.status == 2, "\(result.output)\(result.error)")
        #expect(result.output.contains("locked: cannot list the directory: permission denied"), "\(result.output)")
        #expect(result.output.contains("in 2 files"), "the readable file is still checked: \(result.output)")
    }

    /// A renderer that never returns, or never stops printing, is stopped with its process group.
    @Test func hangingOrEndlessRenderersAreStopped() throws {
        let tree = try Tree([
            "bin/helm": "#!/bin/sh\nexec yes 'apiVersion: v1'\n", "bin/kubectl": "#!/bin/sh\nsleep 600\n",
            "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n",
            "chart/templates/c.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
            "overlay/kustomization.yaml": "resources: []\n",
        ])
        defer { tree.remove() }
        _ = try ChildProcess.runSync("chmod", ["+x", tree.path("bin/helm"), tree.path("bin/kubectl")])
        let path = tree.path("bin") + ":/usr/bin:/bin"
        let endless = try Self.berth(["check", "chart"], in: tree, path: path)
        #expect(endless.status == 2)
        #expect(endless.output.contains("printed more than 16 MiB and was stopped"), "\(endless.output)")
        let hanging = try Self.berth(["check", "--render-timeout", "1", "overlay"], in: tree, path: path)
        #expect(hanging.status == 2)
        #expect(hanging.output.contains("did not finish within 1 seconds and was stopped"), "\(hanging.output)")
    }

    /// Messages that say what happened: a device that never ends, a symlink loop, a NUL on its line,
    /// a report that cannot be written.
    @Test func messagesNameThePathAndTheReason() throws {
        let tree = try Tree([
            "nul.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  k: \"a\u{0}b\"\n",
            "Dockerfile": "FROM alpine:3.20\n",
        ])
        defer { tree.remove() }
        try FileManager.default.createSymbolicLink(atPath: tree.path("loop1"), withDestinationPath: "loop2")
        try FileManager.default.createSymbolicLink(atPath: tree.path("loop2"), withDestinationPath: "loop1")
        let zero = try Self.berth(["parse", "/dev/zero"], in: tree)
        #expect(zero.status == 2)
        #expect(zero.error.contains("/dev/zero: more than 8 MiB"), "\(zero.error)")
        let loop = try Self.berth(["parse", "loop1"], in: tree)
        #expect(loop.status == 2)
        #expect(loop.error.contains("loop1: too many levels of symbolic links"), "\(loop.error)")
        let nul = try Self.berth(["check", "nul.yaml"], in: tree)
        #expect(nul.status == 2)
        #expect(nul.output.contains("nul.yaml:5: a NUL byte"), "\(nul.output)")
        let output = try Self.berth(["check", "--output", tree.root.path, "Dockerfile"], in: tree)
        #expect(output.status == 2)
        #expect(output.error.hasPrefix("berth: cannot write the report to '\(tree.root.path)'"), "\(output.error)")
        #expect(output.error.split(separator: "\n").count == 1)
    }

    /// `--output` to something that is not a regular file writes into it: a rename over a FIFO (or
    /// `/dev/null`) would replace it with a file. A symbolic link stays a link to the new content.
    @Test(Tool.enabled("mkfifo")) func outputToADeviceOrLinkIsWrittenInPlace() throws {
        let tree = try Tree(["Dockerfile": "FROM ubuntu\n", "real/report.txt": "old\n"])
        defer { tree.remove() }
        let fifo = tree.path("pipe")
        #expect(try ChildProcess.runSync("mkfifo", [fifo]).status == 0)
        // A reader on the FIFO, as a shell's process substitution would be: its own process, started
        // before berth, so the writer's open does not wait on a thread pool.
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/cat")
        reader.arguments = [fifo]
        let pipe = Pipe()
        reader.standardOutput = pipe
        try reader.run()
        let toFifo = try Self.berth(["check", "--no-fail", "--output", fifo, "Dockerfile"], in: tree)
        #expect(toFifo.status == 0, "\(toFifo.error)")
        let read = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        reader.waitUntilExit()
        #expect(read.contains("dockerfile-user-missing"), "\(read)")
        var status = stat()
        #expect(lstat(fifo, &status) == 0 && (status.st_mode & S_IFMT) == S_IFIFO, "the FIFO is still a FIFO")

        try FileManager.default.createSymbolicLink(
            atPath: tree.path("link.txt"), withDestinationPath: "real/report.txt")
        let toLink = try Self.berth(["check", "--no-fail", "--output", "link.txt", "Dockerfile"], in: tree)
        #expect(toLink.status == 0, "\(toLink.error)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: tree.path("link.txt")) == "real/report.txt")
        #expect(try String(contentsOfFile: tree.path("real/report.txt"), encoding: .utf8).contains("dockerfile-user"))
    }

    /// The run's manifest budget is a flag: refused at 1 MiB, checked with 2.
    @Test func manifestBudgetIsConfigurable() throws {
        let document = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  k: v\n---\n"
        let text = String(repeating: document, count: (1 << 20) / document.utf8.count + 10)
        let tree = try Tree(["big.yaml": text])
        defer { tree.remove() }
        let small = try Self.berth(["check", "--manifest-budget", "1", "big.yaml"], in: tree)
        #expect(small.status == 2, "\(small.output)\(small.error)")
        #expect((small.output + small.error).contains("big.yaml"))
        let larger = try Self.berth(["check", "--manifest-budget", "2", "big.yaml"], in: tree)
        #expect(larger.status != 2, "\(larger.output)\(larger.error)")
        let refused = try Self.berth(["check", "--manifest-budget", "0", "big.yaml"], in: tree)
        #expect(refused.status == 2 && refused.error.contains("--manifest-budget"), "\(refused.error)")
    }

    /// Values Kubernetes would reject are refused when the spec is read.
    @Test func specValuesFollowKubernetesGrammars() throws {
        let good = try Self.berth(["init", "--output", "-"])
        _ = good
        let tree = try Tree([:])
        defer { tree.remove() }
        try FileManager.default.createDirectory(at: tree.root, withIntermediateDirectories: true)
        #expect(try Self.berth(["init", "--output", "good.yaml"], in: tree).status == 0)
        let text = try String(contentsOfFile: tree.path("good.yaml"), encoding: .utf8)
        let cases: [(String, String, String)] = [
            (
                "lots.yaml", text.replacingOccurrences(of: "size: 1Gi", with: "size: lots"),
                "must be a Kubernetes quantity"
            ),
            (
                "newline.yaml",
                text.replacingOccurrences(of: "portal: am.example.com", with: "portal: \"am.example.com\\nx: y\""),
                "must be one line"
            ),
            ("duplicate.yaml", text + "kind: Deployment\n", "duplicate key 'kind'"),
            ("empty.yaml", "", "the spec is empty"),
        ]
        for (name, content, message) in cases {
            try Data(content.utf8).write(to: tree.root.appendingPathComponent(name))
            let result = try Self.berth(["render", "--spec", name, "--out", "out-\(name)"], in: tree)
            #expect(result.status == 2, "\(name)")
            #expect(result.error.contains(message), "\(name): \(result.error)")
            #expect(!FileManager.default.fileExists(atPath: tree.path("out-\(name)")), "\(name): nothing written")
        }
    }
}

import Foundation
import TestSupport
import Testing

/// `berth check` on Kubernetes input, end to end through the built executable.
@Suite struct CheckKubernetesCommandTests {
    static let packageRoot = Repository.root

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], stdin: Data? = nil, path: String? = nil, directory: URL? = nil) throws -> Run
    {
        let binary = try #require(BerthExecutable.path, "the berth executable is built with the tests")
        let result = try ChildProcess.runSync(
            binary, arguments, input: stdin, environment: path.map { ["PATH": $0] }, directory: directory?.path)
        return Run(status: result.status, stdout: result.output, stderr: result.error)
    }

    static var fixtures: URL { packageRoot.appendingPathComponent("Tests/KubernetesTests/Fixtures") }

    static func temporary(_ files: [String: String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-k8s-\(UUID().uuidString)")
        for (name, text) in files {
            let url = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return root
    }

    @Test func directoryOfManifestsIsJudgedAsOneSet() throws {
        let defective = try Self.run(["check", "defective"], directory: Self.fixtures)
        #expect(defective.status == 1)
        #expect(
            defective.stdout.contains(
                "defective/gateway.yaml:117:3: error [kubernetes-dangling-reference service-interconnect]"))
        #expect(
            defective.stdout.contains(
                "defective/storage.yaml:13:3: error [kubernetes-shared-storage persistent-storage]"))
        #expect(defective.stdout.contains("3 errors, 1 warning, 0 info in 4 files"))
        let corrected = try Self.run(["check", "corrected"], directory: Self.fixtures)
        #expect(corrected.status == 0, "\(corrected.stdout)")
    }

    @Test func standardInputFromHelmTemplate() throws {
        let names = ["storage.yaml", "gateway.yaml", "control-plane.yaml", "network.yaml"]
        var stream = ""
        for name in names {
            let text = try String(
                contentsOf: Self.fixtures.appendingPathComponent("defective/" + name), encoding: .utf8)
            stream += "---\n# Source: apim/templates/\(name)\n" + text
        }
        let run = try Self.run(["check", "-", "--format", "json"], stdin: Data(stream.utf8))
        #expect(run.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(findings.count == 4)
        #expect(findings.allSatisfy { $0["file"] as? String == "-" })
        // storage.yaml is first in the stream: its accessModes line is line 13 + 2 header lines.
        #expect(findings.contains { $0["rule"] as? String == "kubernetes-shared-storage" && $0["line"] as? Int == 15 })
    }

    @Test func sarifCarriesTheFieldLine() throws {
        let run = try Self.run(["check", "defective", "--format", "sarif"], directory: Self.fixtures)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let runs = try #require(json["runs"] as? [[String: Any]])
        let results = try #require(runs.first?["results"] as? [[String: Any]])
        let lines = results.compactMap { result -> Int? in
            let location = (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
            return (location?["region"] as? [String: Any])?["startLine"] as? Int
        }
        #expect(lines.sorted() == [13, 14, 117, 133])
    }

    @Test func chartsAndValuesAreSkippedOrExplained() throws {
        let root = try Self.temporary([
            "chart/Chart.yaml": "apiVersion: v2\nname: apim\nversion: 4.5.0\n",
            "chart/values.yaml": "replicaCount: 2\n",
            "chart/templates/deployment.yaml":
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
            "values.yaml": "image: {tag: latest}\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let noHelm = try Self.run(["check", "chart"], path: "/nonexistent", directory: root)
        #expect(noHelm.status == 2)
        #expect(
            noHelm.stdout.contains("helm template chart | berth check -")
                || noHelm.stderr.contains("helm template chart | berth check -"))
        let values = try Self.run(["check", "values.yaml", "chart/Chart.yaml"], directory: root)
        #expect(values.status == 0)
        #expect(values.stderr.contains("note: skipped values.yaml: holds no Kubernetes object"))
        #expect(values.stderr.contains("note: skipped chart/Chart.yaml"))
    }

    @Test(arguments: [
        ("bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n", "bad.yaml:"),
        (
            "scalar.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: 80\n",
            "scalar.yaml:4: 'spec' must be a mapping, found a scalar"
        ),
        ("list.json", "[{\"kind\": \"Pod\"}]", "list.json:1: expected a Kubernetes object (a mapping)"),
    ])
    func badInputExitsTwoWithFileAndLine(_ name: String, _ text: String, _ expected: String) throws {
        let root = try Self.temporary([name: text, "ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"])
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try Self.run(["check", "."], directory: root)
        #expect(run.status == 2)
        #expect((run.stdout + run.stderr).contains(expected), "\(run.stdout)\(run.stderr)")
    }

    @Test func aliasBombOnStandardInputFailsFast() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...15 {
            text += "a\(level): &a\(level) [\(Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", "))]\n"
        }
        text += "apiVersion: v1\nkind: ConfigMap\n"
        let run = try Self.run(["check", "-"], stdin: Data(text.utf8))
        #expect(run.status == 2)
        #expect(run.stdout.contains("-:") && run.stdout.contains("too many nodes"), "\(run.stdout)")
    }

    /// Standard input is read with the limit, not to its end: a 50 MB stream stops at 16 MiB.
    @Test func fiftyMegabyteStreamFailsFast() throws {
        let document = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n---\n"
        let data = Data(String(repeating: document, count: (50 << 20) / document.utf8.count + 1).utf8)
        let run = try Self.run(["check", "-"], stdin: data)
        #expect(run.status == 2)
        #expect(run.stdout.contains("-: more than 16 MiB, the limit for this input"), "\(run.stdout.prefix(500))")
    }
}

extension CheckKubernetesCommandTests {

    static func kustomization() throws -> URL {
        var files: [String: String] = [
            "overlay/kustomization.yaml":
                "resources:\n  - storage.yaml\n  - gateway.yaml\n  - control-plane.yaml\n  - network.yaml\n"
        ]
        for name in ["storage.yaml", "gateway.yaml", "control-plane.yaml", "network.yaml"] {
            files["overlay/" + name] = try String(
                contentsOf: fixtures.appendingPathComponent("defective/" + name), encoding: .utf8)
        }
        return try temporary(files)
    }

    @Test func kustomizeDirectoryWithoutRendererIsExplained() throws {
        let root = try Self.kustomization()
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try Self.run(["check", "overlay"], path: "/nonexistent", directory: root)
        #expect(run.status == 2)
        #expect((run.stdout + run.stderr).contains("kubectl kustomize overlay | berth check -"))
    }

    @Test(Tool.enabled("kubectl")) func kustomizeDirectoryIsBuiltAndJudgedAsOneSet() throws {
        let root = try Self.kustomization()
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try Self.run(["check", "overlay", "--format", "json"], directory: root)
        #expect(run.status == 1, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        let rules = findings.compactMap { $0["rule"] as? String }.sorted()
        #expect(
            rules == [
                "kubernetes-autoscaling", "kubernetes-dangling-reference", "kubernetes-dangling-reference",
                "kubernetes-shared-storage",
            ])
        #expect(findings.allSatisfy { $0["file"] as? String == "overlay (kustomize)" })
    }
}

extension CheckKubernetesCommandTests {
    @Test func otherJSONAndYAMLInATreeAreSkippedNotFailed() throws {
        var files: [String: String] = [
            "app/tsconfig.json": "{\n  // comments are not JSON, nor YAML\n  \"compilerOptions\": {}\n}\n",
            ".github/workflows/ci.yml": "on: push\njobs: {}\n",
            "deploy/pod.yaml":
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - {name: a, image: 'a:1'}\n",
        ]
        for index in 0..<12 { files["data/\(index).json"] = "{\"n\": \(index)}\n" }
        let root = try Self.temporary(files)
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try Self.run(["check", ".", "--fail-on", "none"], directory: root)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("kubernetes-unmanaged-pod"))
        #expect(run.stderr.contains("note: skipped ./app/tsconfig.json"))
        #expect(run.stderr.contains("more files that hold no Kubernetes object"))
        // Named explicitly, a file that is not YAML is an error.
        let named = try Self.run(["check", "app/tsconfig.json"], directory: root)
        #expect(named.status == 2)
    }
}

/// Helm chart directories rendered by the real `helm template`, with values from the command line.
extension CheckKubernetesCommandTests {
    static var wso2Charts: URL {
        Corpus.require("wso2/helm-apim") ?? URL(fileURLWithPath: "/nonexistent")
    }

    @Test(Tool.enabled("helm")) func generatedChartDirectoryIsRenderedAndClean() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-chart-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let render = try Self.run(["render", "--out", root.path])
        try #require(render.status == 0, "\(render.stderr)")
        let check = try Self.run(["check", "chart"], directory: root)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("0 errors, 0 warnings, 0 info in 1 file"), "\(check.stdout)")
    }

    @Test(Tool.enabled("helm"), Corpus.enabled("wso2/helm-apim"))
    func wso2GatewayChartNeedsItsValuesAndThenShowsItsDefects() throws {
        let chart = Self.wso2Charts.appendingPathComponent("distributed/gateway").path
        try #require(FileManager.default.fileExists(atPath: chart + "/Chart.yaml"))
        // helm's own error is passed on: the chart refuses to render without an encryption key.
        let bare = try Self.run(["check", chart])
        #expect(bare.status == 2)
        #expect((bare.stdout + bare.stderr).contains("Encryption key is required"))
        let run = try Self.run([
            "check", chart, "--format", "json",
            "--helm-set", "wso2.apim.configurations.encryption.key=0123456789abcdef0123456789abcdef",
        ])
        #expect(run.status == 1, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        let messages = findings.compactMap { $0["message"] as? String }
        // The PodDisruptionBudget that selects no pod, as shipped in WSO2's charts.
        #expect(
            messages.contains { $0.hasPrefix("PodDisruptionBudget/") && $0.contains("which no pod in the set carries") }
        )
        // Its template, as a path under the chart directory: the file to fix.
        let pdb = findings.first { ($0["message"] as? String)?.hasPrefix("PodDisruptionBudget/") == true }
        #expect(pdb?["template"] as? String == chart + "/templates/gateway/wso2am-gateway-pdb.yaml")
        // The default deployment.toml names control-plane Services no chart renders under these names.
        #expect(messages.contains { $0.contains("names host 'wso2am-cp-service'") })
        // One finding per defect and place: no repeats from a quoted one-line deployment.toml.
        let keys = findings.map {
            "\($0["line"] ?? "")|\($0["column"] ?? "")|\($0["rule"] ?? "")|\($0["message"] ?? "")"
        }
        #expect(Set(keys).count == keys.count)
        // Empty image values render as '/', which is no image reference: not judged.
        #expect(!messages.contains { $0.contains("image '/'") })
    }

    @Test func helmValueOptionsAreValidated() throws {
        let noEquals = try Self.run(["check", ".", "--helm-set", "replicas"])
        #expect(noEquals.status == 2)
        #expect(noEquals.stderr.contains("key=value"))
        let missing = try Self.run(["check", ".", "--helm-values", "/nonexistent/values.yaml"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/values.yaml: cannot read file"))
    }
}

/// WSO2's pattern 3 (control plane, traffic manager, gateway) as its own values files deploy it:
/// three charts under their release names, rendered by Helm and checked as one set.
extension CheckKubernetesCommandTests {
    static func helmTemplate(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["helm", "template"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "helm template \(arguments.joined(separator: " ")) failed")
        return data
    }

    @Test(Tool.enabled("helm"), Corpus.enabled("wso2/helm-apim"))
    func wso2PatternThreeResolvesAcrossChartsAndKeepsItsDefects() throws {
        let resources = Self.wso2Charts.appendingPathComponent("resources/am-pattern-3-ACP_TM_GW").path
        let key = "wso2.apim.configurations.encryption.key=0123456789abcdef0123456789abcdef"
        var stream = Data()
        for (release, chart, values) in [
            ("apim-acp", "control-plane", "default_acp_values.yaml"),
            ("apim-tm", "traffic-manager", "default_tm_values.yaml"),
            ("apim-gw", "gateway", "default_gw_values.yaml"),
        ] {
            stream += try Self.helmTemplate([
                release, Self.wso2Charts.appendingPathComponent("distributed/" + chart).path, "-f",
                "\(resources)/\(values)", "--set", key,
            ])
            stream += Data("\n---\n".utf8)
        }
        let run = try Self.run(["check", "-", "--format", "json"], stdin: stream)
        #expect(run.status == 1, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        let messages = findings.compactMap { $0["message"] as? String }
        // Hosts of the other charts resolve once all three are in the set; the one the corpus README
        // lists as stale (the gateway Service the chart no longer renders) does not.
        let hosts = messages.filter { $0.contains("names host") }
        #expect(hosts.count == 2 && hosts.allSatisfy { $0.contains("'apim-gw-wso2am-gateway-service'") }, "\(hosts)")
        // Each chart's PodDisruptionBudget selects no pod.
        #expect(messages.filter { $0.hasPrefix("PodDisruptionBudget/") }.count == 3)
        // Portal settings.json holds labels, not secrets; deployment.toml does hold passwords.
        #expect(!messages.contains { $0.contains("'settings.json'") })
        #expect(messages.contains { $0.contains("'deployment.toml'") && $0.hasSuffix("sets password in plain text") })
        #expect(!messages.contains { $0.contains("image '/'") || $0.contains("targets port") })
    }
}

import BerthCore
import Foundation
import Tags
import TestSupport
import Testing

@testable import Render
@testable import Rules

@Suite struct RenderTests {
    static func spec(_ pattern: Pattern, os: RenderSpec.OS = .ubuntu) -> RenderSpec {
        var spec = RenderSpec()
        spec.pattern = pattern
        spec.os = os
        return spec
    }

    static let cases: [(Pattern, RenderSpec.OS)] = Pattern.allCases.flatMap { pattern in
        RenderSpec.OS.allCases.map { (pattern, $0) }
    }

    @Test(arguments: Pattern.allCases)
    func renderingIsDeterministic(_ pattern: Pattern) {
        let first = Renderer.render(Self.spec(pattern))
        let second = Renderer.render(Self.spec(pattern))
        #expect(first == second)
        #expect(first.map(\.path) == first.map(\.path).sorted())
    }

    @Test(arguments: Pattern.allCases)
    func initSpecRoundTrips(_ pattern: Pattern) throws {
        let spec = Self.spec(pattern)
        let text = SpecWriter.spec(spec)
        let parsed = try RenderSpec.parse(text, file: "berth.yaml")
        // The written spec spells out every default: it renders exactly what the defaults render.
        #expect(Renderer.render(parsed) == Renderer.render(spec), "\(text)")
    }

    /// Every generated Dockerfile is clean under berth check, with its entrypoint readable.
    @Test(arguments: Pattern.allCases, RenderSpec.OS.allCases)
    func generatedImagesAreCleanUnderBerthCheck(_ pattern: Pattern, _ os: RenderSpec.OS) {
        let files = Renderer.render(Self.spec(pattern, os: os))
        let byPath = Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.contents) })
        let dockerfiles = files.filter { $0.path.hasSuffix("/Dockerfile") }
        #expect(dockerfiles.count == Catalog.components(for: Self.spec(pattern)).count)
        for dockerfile in dockerfiles {
            let directory = String(dockerfile.path.dropLast("Dockerfile".count))
            let report = DockerfileChecker().check(
                bytes: Array(dockerfile.contents.utf8), file: dockerfile.path, configuration: CheckConfiguration(),
                readContextFile: { byPath[directory + $0] })
            #expect(report.error == nil)
            #expect(
                report.findings.isEmpty,
                "\(dockerfile.path): \(report.findings.map { "\($0.location.line) \($0.rule): \($0.message)" })")
            // The entrypoint was judged: it is read from the build context and execs the server.
            #expect(byPath[directory + "docker-entrypoint.sh"]?.contains("\nexec \"${WSO2_SERVER_HOME}/bin/") == true)
        }
    }

    /// hadolint reports no warning or error on any generated Dockerfile.
    @Test(Tool.enabled("hadolint"), arguments: Pattern.allCases)
    func generatedImagesAreCleanUnderHadolint(_ pattern: Pattern) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "berth-hadolint-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for os in RenderSpec.OS.allCases {
            for file in Renderer.render(Self.spec(pattern, os: os)) where file.path.hasSuffix("/Dockerfile") {
                let url = directory.appendingPathComponent(os.rawValue).appendingPathComponent(file.path)
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try file.contents.write(to: url, atomically: true, encoding: .utf8)
                paths.append(url.path)
            }
        }
        guard let hadolint = Tool.require("hadolint") else { return }
        let result = try ChildProcess.runSync(hadolint, ["--failure-threshold", "style", "-f", "json"] + paths)
        let findings = (try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]]) ?? []
        let serious = findings.filter { ["error", "warning"].contains($0["level"] as? String) }
        #expect(serious.isEmpty, "\(serious)")
        #expect(result.status == 0 || !findings.isEmpty)
    }

    @Test func badSpecReportsEveryErrorWithItsLine() {
        let text = """
            apiVersion: berth.dev/v1alpha1
            kind: Deployment
            metadata:
              name: Wso2
            spec:
              pattern: apim-everything
              colour: blue
              images:
                os: windows
                jdk: 11
              distribution:
                wso2am-acp: {url: https://example.com/acp.zip}
                wso2am-tm: {url: http://example.com/tm.zip, sha256: abc}
              components:
                gateway: {replicas: many, autoscaling: {minReplicas: 5, maxReplicas: 2}}
              database: {type: h2}
              ingress: {hosts: {portal: same.example.com, gateway: same.example.com}}

            """
        do {
            _ = try RenderSpec.parse(text, file: "berth.yaml")
            Issue.record("accepted a bad spec")
        } catch {
            let lines = error.items.map(\.line)
            let messages = error.items.map(\.message).joined(separator: "\n")
            #expect(error.items.count >= 11, "\(error.description)")
            for (line, fragment) in [
                (4, "DNS label"), (6, "is not a pattern"), (7, "unknown key 'colour'"),
                (9, "must be ubuntu, alpine or rocky"),
                (10, "LTS"), (12, "needs its sha256"), (13, "https://"), (13, "64 hex digits"), (15, "whole number"),
                (15, "minReplicas 5 is above maxReplicas 2"), (16, "H2 is not a production database"),
            ] {
                #expect(
                    error.items.contains { $0.line == line && $0.message.contains(fragment) },
                    "line \(line): \(fragment)\n\(messages)")
            }
            #expect(lines.allSatisfy { $0 >= 1 })
            #expect(error.description.hasPrefix("berth.yaml:"))
        }
    }

    @Test func keyManagerMustExistWherePatternNeedsIt() {
        let spec = { (pattern: String, identity: String) in
            "apiVersion: berth.dev/v1alpha1\nkind: Deployment\nmetadata: {name: wso2}\nspec:\n  pattern: \(pattern)\n"
                + "  components:\n    identity-server: \(identity)\n"
        }
        for (pattern, identity, fragment) in [
            ("apim-distributed", "{replicas: 2}", "pattern apim-distributed has no Identity Server"),
            ("apim-all-in-one", "{replicas: 2}", "pattern apim-all-in-one has no Identity Server"),
            ("apim-is-km", "{replicas: 0}", "apim-is-km needs its key manager running"),
        ] {
            do {
                _ = try RenderSpec.parse(spec(pattern, identity), file: "berth.yaml")
                Issue.record("accepted \(pattern) with identity-server \(identity)")
            } catch {
                #expect(error.items.count == 1, "\(error.description)")
                #expect(error.items.first?.line == 7)
                #expect(error.items.first?.message.contains(fragment) == true, "\(error.description)")
            }
        }
        #expect((try? RenderSpec.parse(spec("apim-is-km", "{replicas: 3}"), file: "berth.yaml")) != nil)
    }

    @Test func invalidYAMLIsOneLocatedError() {
        do {
            _ = try RenderSpec.parse("apiVersion: berth.dev/v1alpha1\nspec: [\n", file: "b.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.items.count == 1)
            #expect(error.items[0].message.hasPrefix("invalid YAML"))
        }
    }

    @Test func urlDistributionIsDownloadedAndVerified() throws {
        var spec = Self.spec(.apimDistributed)
        let sha = String(repeating: "ab", count: 32)
        spec.distribution["wso2am-tm"] = RenderSpec.Distribution(
            file: nil, url: "https://example.com/wso2am-tm-4.5.0.zip", sha256: sha)
        let dockerfile = try #require(Renderer.render(spec).first { $0.path == "images/traffic-manager/Dockerfile" })
        #expect(dockerfile.contents.contains("ARG WSO2_SERVER_DIST_SHA256=\(sha)"))
        #expect(dockerfile.contents.contains("sha256sum -c /tmp/dist.zip.sha256"))
        #expect(!dockerfile.contents.contains("--mount=type=bind"))
        let report = DockerfileChecker().check(
            bytes: Array(dockerfile.contents.utf8), file: "Dockerfile", configuration: CheckConfiguration())
        #expect(report.findings.isEmpty, "\(report.findings.map(\.message))")
    }
}

/// The rendered tree against the real tools: kubernetes-validate, Helm's lint, Go templates.
@Suite struct RenderedTreeTests {
    static let packageRoot = Repository.root

    static func write(_ pattern: Pattern) throws -> URL {
        var spec = RenderSpec()
        spec.pattern = pattern
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "berth-render-\(UUID().uuidString)")
        try OutputTree(directory: directory.path).write(
            Renderer.render(spec).map { ($0.path, $0.contents, $0.executable) })
        return directory
    }

    @Test(
        Tool.enabled("helm", "kubernetes-validate"), Tool.enabled(pythonModules: "go_template", "helm_sdkpy", "yaml"),
        arguments: Pattern.allCases)
    func manifestsValidateChartLintsAndMatchesManifests(_ pattern: Pattern) throws {
        let directory = try Self.write(pattern)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try ChildProcess.runSync(
            "python3", [Repository.url("scripts/verify-render.py").path, directory.path], timeout: 600)
        let text = result.output
        #expect(result.status == 0, "\(pattern.rawValue): \(text)\(result.error)")
        #expect(text.contains("\"kubernetesValidate\": []"))
    }

    @Test func rerenderingReplacesOnlyGeneratedFiles() throws {
        let directory = try Self.write(.apimISKM)
        defer { try? FileManager.default.removeItem(at: directory) }
        let userFile = directory.appendingPathComponent("images/gateway/wso2am-universal-gw-4.5.0.zip")
        try Data("zip".utf8).write(to: userFile)
        var spec = RenderSpec()
        spec.pattern = .apimDistributed
        let tree = OutputTree(directory: directory.path)
        let files = Renderer.render(spec).map { ($0.path, $0.contents, $0.executable) }
        #expect(try tree.conflicts(with: files).isEmpty)
        let (_, removed) = try tree.write(files)
        #expect(removed > 0, "identity-server files are gone")
        #expect(
            !FileManager.default.fileExists(
                atPath: directory.appendingPathComponent("images/identity-server/Dockerfile").path))
        #expect(FileManager.default.fileExists(atPath: userFile.path), "a file Berth did not generate stays")
        let second = try tree.write(files)
        #expect(second.written == 0 && second.removed == 0, "a second render changes nothing")
    }

    /// Service names in `<name>.<namespace>.svc` host names, found by a regular expression (independent
    /// of the generator's own code).
    static func serviceHosts(in text: String, namespace: String) -> Set<String> {
        guard
            let expression = try? NSRegularExpression(
                pattern: "([a-z0-9]([-a-z0-9]*[a-z0-9])?)\\.\(NSRegularExpression.escapedPattern(for: namespace))\\.svc"
            )
        else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return Set(
            expression.matches(in: text, range: range).compactMap { match in
                Range(match.range(at: 1), in: text).map { String(text[$0]) }
            })
    }

    @Test func configurationNamesOnlyRenderedServices() {
        for pattern in Pattern.allCases {
            var spec = RenderSpec()
            spec.pattern = pattern
            let files = Renderer.render(spec)
            let services = Set(
                files.filter { $0.path.hasPrefix("manifests/") && $0.path.hasSuffix("-service.yaml") }
                    .flatMap { file in
                        file.contents.split(separator: "\n").enumerated().compactMap { index, line -> String? in
                            line.hasPrefix("  name: ") ? String(line.dropFirst(8)) : nil
                        }
                    })
            for file in files where file.path.hasSuffix("-configmap.yaml") && file.path.hasPrefix("manifests/") {
                let referenced = Self.serviceHosts(in: file.contents, namespace: spec.namespace)
                #expect(
                    !referenced.isEmpty || pattern == .apimAllInOne || file.path.contains("identity"), "\(file.path)")
                #expect(
                    referenced.isSubset(of: services),
                    "\(pattern.rawValue) \(file.path): \(referenced.subtracting(services))")
            }
        }
    }
}

@Suite struct SpecSchemaTests {
    /// `berth init` output validates against docs/berth.schema.json for every pattern.
    @Test(Tool.enabled(pythonModules: "yaml", "jsonschema"), arguments: Pattern.allCases)
    func initOutputMatchesTheSchema(_ pattern: Pattern) throws {
        var spec = RenderSpec()
        spec.pattern = pattern
        let script = """
            import json, sys, yaml, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft7Validator(schema).validate(yaml.safe_load(sys.stdin.read()))
            print("valid")
            """
        let result = try ChildProcess.runSync(
            "python3", ["-c", script, Repository.url("docs/berth.schema.json").path],
            input: Data(SpecWriter.spec(spec).utf8))
        let text = result.output
        let problems = result.error
        #expect(text.contains("valid"), "\(problems)")
    }
}

@Suite struct RenderedCheckTests {
    /// The rendered manifests of every pattern are clean under berth check's Kubernetes rules.
    @Test(arguments: Pattern.allCases)
    func manifestsAreCleanUnderBerthCheck(_ pattern: Pattern) {
        var spec = RenderSpec()
        spec.pattern = pattern
        let inputs = Renderer.render(spec)
            .filter { $0.path.hasPrefix("manifests/") && $0.path != "manifests/kustomization.yaml" }
            .map { (file: $0.path, bytes: Array($0.contents.utf8)) }
        let report = KubernetesChecker().check(inputs: inputs, configuration: CheckConfiguration())
        #expect(report.objectCount > 10)
        let findings = report.reports.flatMap(\.findings)
        #expect(report.reports.allSatisfy { $0.error == nil })
        #expect(
            findings.isEmpty,
            "\(pattern.rawValue): \(findings.map { "\($0.location.file):\($0.location.line) \($0.rule): \($0.message)" })"
        )
    }
}

@Suite struct ObservabilityTests {
    static func spec(url: Bool) -> RenderSpec {
        var spec = RenderSpec()
        spec.prometheus = true
        spec.jmxExporter =
            url
            ? RenderSpec.Distribution(
                file: nil,
                url:
                    "https://repo1.maven.org/maven2/io/prometheus/jmx/jmx_prometheus_javaagent/1.0.1/jmx_prometheus_javaagent-1.0.1.jar",
                sha256: String(repeating: "0f", count: 32))
            : RenderSpec.Distribution(file: "jmx_prometheus_javaagent-1.0.1.jar", url: nil, sha256: nil)
        return spec
    }

    @Test(arguments: [false, true])
    func metricsAreServedScrapedAndAdmitted(_ url: Bool) throws {
        let files = Renderer.render(Self.spec(url: url))
        let byPath = Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.contents) })
        let dockerfile = try #require(byPath["images/gateway/Dockerfile"])
        #expect(dockerfile.contains("-javaagent:/home/wso2carbon/jmx/jmx_prometheus_javaagent.jar=9201:"))
        #expect(dockerfile.contains("EXPOSE 8243 9443 9763 9201"))
        #expect(url == dockerfile.contains("sha256sum -c /tmp/jmx.jar.sha256"))
        for file in files where file.path.hasSuffix("/Dockerfile") {
            let directory = String(file.path.dropLast("Dockerfile".count))
            let report = DockerfileChecker().check(
                bytes: Array(file.contents.utf8), file: file.path, configuration: CheckConfiguration(),
                readContextFile: { byPath[directory + $0] })
            #expect(report.findings.isEmpty, "\(file.path): \(report.findings.map(\.message))")
        }
        let deployment = try #require(byPath["manifests/gateway-deployment.yaml"])
        #expect(deployment.contains("prometheus.io/scrape: \"true\""))
        #expect(deployment.contains("containerPort: 9201"))
        let policies = try #require(byPath["manifests/networkpolicies.yaml"])
        #expect(policies.contains("port: 9201"))
        let inputs = files.filter { $0.path.hasPrefix("manifests/") && $0.path != "manifests/kustomization.yaml" }
            .map { (file: $0.path, bytes: Array($0.contents.utf8)) }
        let report = KubernetesChecker().check(inputs: inputs, configuration: CheckConfiguration())
        #expect(report.reports.flatMap(\.findings).isEmpty)
    }

    @Test func prometheusNeedsTheExporter() {
        #expect(throws: SpecErrors.self) {
            try RenderSpec.parse(
                "apiVersion: berth.dev/v1alpha1\nspec:\n  observability: {prometheus: true}\n", file: "berth.yaml")
        }
    }
}

@Suite struct ImageTagTests {
    @Test(arguments: RenderSpec.OS.allCases)
    func renderedImagesUseSchemeTags(_ os: RenderSpec.OS) throws {
        var spec = RenderSpec()
        spec.os = os
        for component in Catalog.components(for: spec) {
            let tag = try WSO2Tag.parse(Names.tag(spec, component))
            #expect(tag.productVersion == component.productVersion)
            #expect(tag.os == (os == .ubuntu ? nil : os.rawValue))
        }
    }
}

@Suite struct NetworkPolicyRenderTests {
    static func render(host: String, pattern: Pattern = .apimISKM) -> [GeneratedFile] {
        var spec = RenderSpec()
        spec.pattern = pattern
        spec.databaseHost = host
        return Renderer.render(spec)
    }

    static func policies(_ files: [GeneratedFile]) throws -> (manifest: String, chart: String) {
        let byPath = Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.contents) })
        return (
            try #require(byPath["manifests/networkpolicies.yaml"]),
            try #require(byPath["chart/templates/networkpolicies.yaml"])
        )
    }

    /// The database rule names what a NetworkPolicy can select: an address, a Service's namespace, or
    /// only the port for a host outside the cluster; every variant isolates every pod both ways.
    @Test(arguments: [
        ("10.0.4.7", "cidr: \"10.0.4.7/32\""),
        ("mysql.data.svc.cluster.local", "kubernetes.io/metadata.name: data"),
        ("mysql", "  - to:\n    - podSelector: {}\n    ports:\n    - protocol: TCP\n      port: 3306\n"),
        ("mysql.example.com", "  - ports:\n    - protocol: TCP\n      port: 3306\n"),
    ])
    func databaseEgressFollowsTheHost(_ host: String, _ expected: String) throws {
        let files = Self.render(host: host)
        let (manifest, chart) = try Self.policies(files)
        #expect(manifest.contains(expected), "\(manifest)")
        #expect(chart.contains("port: {{ .Values.database.port }}"))
        let inputs =
            files
            .filter { $0.path.hasPrefix("manifests/") && $0.path != "manifests/kustomization.yaml" }
            .map { (file: $0.path, bytes: Array($0.contents.utf8)) }
        let findings = KubernetesChecker().check(inputs: inputs, configuration: CheckConfiguration()).reports
            .flatMap(\.findings).filter { $0.rule == NetworkPolicyMissingRule.description.id }
        #expect(findings.isEmpty, "\(findings.map(\.message))")
    }

    /// Every pod is isolated both ways; gateways' open egress is written out and explained.
    @Test(arguments: Pattern.allCases)
    func everyPodIsIsolatedBothWaysAndGatewayEgressIsExplained(_ pattern: Pattern) throws {
        let (manifest, chart) = try Self.policies(Self.render(host: "mysql.example.com", pattern: pattern))
        #expect(manifest.contains("  policyTypes:\n  - Ingress\n  - Egress\n---"))
        #expect(manifest.contains("kubernetes.io/metadata.name: kube-system"))
        #expect(manifest.contains("- protocol: UDP\n      port: 53"))
        #expect(chart.contains("  # Gateways proxy API calls to backends on any address and port"))
        #expect(chart.contains("  egress:\n  - {}\n"))
    }
}

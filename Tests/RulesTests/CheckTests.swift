import BerthCore
import Check
import Foundation
import Reporters
import TestSupport
import Testing

@testable import Rules

@Suite struct CheckTests {
    static let knownRules = Set(BuiltInRules.descriptions.map(\.id))

    static func check(_ text: String, configuration: CheckConfiguration = CheckConfiguration(), inline: Bool = true)
        -> FileReport
    {
        DockerfileChecker(honourInlineIgnores: inline).check(
            bytes: Array(text.utf8), file: "Dockerfile", configuration: configuration)
    }

    /// WSO2's own Dockerfiles: the known defects are reported, what they do right is not.
    @Test(Corpus.enabled("wso2/docker-apim"))
    func wso2DockerfilesShowTheirKnownDefectsAndNothingElse() throws {
        guard let root = Corpus.require("wso2/docker-apim") else { return }
        let files = try FileDiscovery().files(in: [root.path])
        #expect(files.count == 12)
        var rulesSeen: [String: Int] = [:]
        for file in files {
            let report = DockerfileChecker().check(path: file, configuration: CheckConfiguration())
            #expect(report.error == nil)
            for finding in report.findings { rulesSeen[finding.rule, default: 0] += 1 }
            let rules = Set(report.findings.map(\.rule))
            if file.contains("universal-gw") { #expect(!rules.contains("dockerfile-port-not-required")) }
            // Every image: the product zip is not verified, no HEALTHCHECK, no OCI labels, a late purge.
            #expect(
                rules.isSuperset(of: [
                    "dockerfile-download-unverified", "dockerfile-healthcheck-missing", "dockerfile-oci-labels-missing",
                    "dockerfile-late-purge",
                ]), "\(file)")
            // What they do right: a numeric non-root USER, the JDK's sha256 check, https downloads.
            #expect(!rules.contains("dockerfile-user-missing") && !rules.contains("dockerfile-user-root"))
            #expect(!rules.contains("dockerfile-plain-http") && !rules.contains("dockerfile-verification-disabled"))
            let unverified = report.findings.filter { $0.rule == "dockerfile-download-unverified" }
            #expect(unverified.count == 1, "only the product zip, not the JDK: \(unverified.map(\.message))")
            #expect(unverified.allSatisfy { $0.message.contains("wso2am") })
        }
        // JMX ports 9999/11111: the six Dockerfiles whose EXPOSE lists them (never the gateway).
        #expect(rulesSeen["dockerfile-port-not-required"] == 6)
    }

    @Test func inlineSuppressionsNeedTheRuleAndCanBeAudited() {
        let source = """
            FROM alpine:3.20
            # berth:ignore dockerfile-port-not-required -- JMX is firewalled in this lab image
            EXPOSE 9999
            # hadolint ignore=DL3002
            USER root
            EXPOSE 22
            """
        let report = Self.check(source)
        #expect(report.findings.filter { $0.rule == "dockerfile-port-not-required" }.map(\.location.line) == [6])
        #expect(!report.findings.contains { $0.rule == "dockerfile-user-root" })
        #expect(report.suppressed == 2)
        let audited = Self.check(source, inline: false)
        #expect(audited.findings.filter { $0.rule == "dockerfile-port-not-required" }.count == 2)
        #expect(audited.findings.contains { $0.rule == "dockerfile-user-root" })
    }

    @Test func fileLevelSuppression() {
        let report = Self.check(
            "# berth:ignore-file dockerfile-healthcheck-missing,dockerfile-oci-labels-missing -- sidecar\nFROM alpine:3.20\nUSER 802\n"
        )
        #expect(report.findings.isEmpty)
        #expect(report.suppressed == 2)
    }

    @Test func configurationTurnsRulesOffAndChangesSeverity() throws {
        let configuration = try CheckConfiguration.parse(
            "failOn: error\nrules:\n  dockerfile-healthcheck-missing: off\n  dockerfile-oci-labels-missing: error\n",
            file: ".berth.yaml", knownRules: Self.knownRules)
        #expect(configuration.failOn == .error)
        let report = Self.check("FROM alpine:3.20\nUSER 802\n", configuration: configuration)
        #expect(report.findings.map(\.rule) == ["dockerfile-oci-labels-missing"])
        #expect(report.findings.first?.severity == .error)
    }

    @Test(arguments: [
        ("unknownKey: 1\n", 1, "unknown key 'unknownKey'"),
        ("failOn: never\n", 1, "'failOn' must be"),
        ("rules:\n  no-such-rule: off\n", 2, "unknown rule 'no-such-rule'"),
        ("rules:\n  dockerfile-user-root: loud\n", 2, "must be off, on, error, warning or info"),
        ("allowedPorts:\n  \"*\": [80, 70000]\n", 2, "not a port number"),
        ("trustedRegistries: registry.example.com\n", 1, "must be a list"),
        ("rules: [\n", 2, "invalid YAML"),
        ("- a\n- b\n", 1, "expected a mapping"),
    ])
    func badConfigurationNamesFileLineAndKey(_ text: String, _ line: Int, _ message: String) {
        do {
            _ = try CheckConfiguration.parse(text, file: "conf/.berth.yaml", knownRules: Self.knownRules)
            Issue.record("accepted: \(text)")
        } catch let error as BerthError {
            guard case .configuration(let location, let reason) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(location.file == "conf/.berth.yaml")
            #expect(location.line == line, "\(text)")
            #expect(reason.contains(message), "\(reason)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func unparsableFilesAreReportedNotFatal() {
        let report = Self.check("FROM alpine\nRUN <<EOF\nnever closed\n")
        #expect(report.error?.contains("Dockerfile:2: unterminated heredoc") == true)
        #expect(report.findings.isEmpty)
    }

    @Test func docsRulesMarkdownIsCurrent() throws {
        let url = TestPaths.packageRoot.appendingPathComponent("docs/rules.md")
        let committed = try String(contentsOf: url, encoding: .utf8)
        #expect(
            committed == RuleCatalog.markdown(BuiltInRules.descriptions),
            "docs/rules.md is stale: run berth rules --markdown > docs/rules.md")
    }

    @Test func everyDockerfilePracticeHasARule() {
        let practices = Set(BuiltInRules.descriptions.map(\.practice))
        let expected: Set<Practice> = [
            .pinnedImages, .nonRootUser, .verifiedDownload, .httpsOnly, .minimalLayers, .noBuildLeftovers,
            .leastPrivilege, .requiredPortsOnly, .secretsManagement, .configViaVolume, .officialBaseImage,
            .tagScheme, .privateRegistry, .imageMetadata, .gracefulShutdown, .cisBenchmark,
        ]
        #expect(practices.isSuperset(of: expected), "missing: \(expected.subtracting(practices))")
    }
}

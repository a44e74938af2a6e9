import BerthCore
import Foundation
import Rules
import Testing

@testable import Audit

/// Real `podman inspect` output and the same containers read over Podman's Docker-compatible API
/// (`GET /containers/{id}/json`): both shapes decode to the same facts and the same findings.
@Suite struct InspectDecodingTests {
    static let names = ["hardened", "bad", "bad2"]

    static func messages(_ containers: [ContainerInspect]) -> [String] {
        Auditor().run(AuditInput(containers: containers)).findings.map { "\($0.rule) \($0.severity) \($0.message)" }
    }

    @Test(arguments: names)
    func nativeAndCompatibleShapesAgree(_ name: String) throws {
        let native = try ContainerInspect.decodeAll(
            try AuditTestPaths.fixture("podman-inspect-\(name).json"), file: "native.json")
        let api = try ContainerInspect.decodeAll(
            try AuditTestPaths.fixture("podman-api-\(name).json"), file: "api.json", engine: .podman)
        #expect(native.count == 1 && api.count == 1)
        #expect(native.first?.engine == .podman, "the native shape names its engine")
        #expect(native.first?.name == name && api.first?.name == name)
        #expect(Self.messages(native) == Self.messages(api))
        #expect(!Self.messages(native).isEmpty)
    }

    @Test func podmanDefaultsReadForWhatTheyMean() throws {
        let hardened = try #require(
            try ContainerInspect.decodeAll(try AuditTestPaths.fixture("podman-inspect-hardened.json"), file: "h.json")
                .first)
        #expect(hardened.capDrop.contains("NET_RAW") && !hardened.capDrop.contains { $0.hasPrefix("CAP_") })
        #expect(hardened.dropsAllCapabilities, "podman expands --cap-drop ALL to the default set")
        #expect(hardened.pidMode == "" && hardened.utsMode == "", "podman's 'private' is the default namespace")
        #expect(hardened.ulimits.isEmpty, "podman's defaulted NOFILE/NPROC are not overrides")
        #expect(hardened.healthStatus == nil, "an empty State.Health.Status means no health check")
        #expect(hardened.pidsLimit == 100 && hardened.readonlyRootfs && hardened.user == "10001")

        let bad = try #require(
            try ContainerInspect.decodeAll(try AuditTestPaths.fixture("podman-inspect-bad.json"), file: "b.json").first)
        #expect(bad.privileged && bad.pidMode == "host" && bad.networkMode == "host")
        #expect(bad.pidsLimit == 2048, "podman's default PIDs limit is a real limit")
        let rules = Set(Auditor().run(AuditInput(containers: [bad])).findings.map(\.rule))
        for expected in [
            "audit-container-privileged", "audit-container-host-pid", "audit-container-host-network",
            "audit-container-sensitive-mount", "audit-container-user", "audit-container-memory",
        ] {
            #expect(rules.contains(expected), "\(expected) missing from \(rules.sorted())")
        }
        #expect(!rules.contains("audit-container-pids-limit"))
    }

    @Test func dockerShapeWithoutPodmanFields() throws {
        let text = """
            [{"Id": "d1", "Name": "/web", "Platform": "linux", "Image": "sha256:ab", "Config": {"Image": "nginx:1.27", "User": ""},
              "HostConfig": {"CapAdd": ["SYS_PTRACE"], "CapDrop": null, "PidMode": "", "PidsLimit": null, "Ulimits": null,
                             "PortBindings": {"80/tcp": [{"HostIp": "::", "HostPort": "80"}]}},
              "Mounts": [{"Type": "bind", "Source": "/var/run/docker.sock", "Destination": "/var/run/docker.sock", "RW": true}]}]
            """
        let container = try #require(try ContainerInspect.decodeAll(Data(text.utf8), file: "d.json").first)
        #expect(container.engine == .docker && container.image == "nginx:1.27" && container.name == "web")
        let findings = Auditor().run(AuditInput(containers: [container])).findings
        let rules = Set(findings.map(\.rule))
        for expected in [
            "audit-container-capabilities", "audit-container-pids-limit", "audit-container-privileged-port",
            "audit-container-bind-address", "audit-container-docker-socket",
        ] {
            #expect(rules.contains(expected), "\(expected) missing")
        }
        #expect(findings.allSatisfy { $0.message.hasPrefix("container 'web' (image nginx:1.27, docker): ") })
    }

    @Test func malformedInputNamesFileAndField() {
        func error(_ text: String) -> String {
            do {
                _ = try ContainerInspect.decodeAll(Data(text.utf8), file: "x.json")
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(error("[{\"Id\": ").hasPrefix("x.json: field $: not valid JSON"))
        #expect(
            error(#"[{"Id": "a", "HostConfig": {"CapAdd": 5}}]"#)
                == "x.json: field [0].HostConfig.CapAdd: expected a list of strings")
        #expect(
            error(#"[{"Id": "a", "HostConfig": {"Privileged": "maybe"}}]"#)
                == "x.json: field [0].HostConfig.Privileged: expected true or false")
        #expect(error(#"[{"Id": "a"}, 3]"#) == "x.json: field [1]: expected a container object")
        #expect(error(#"[{"Name": "a"}]"#) == "x.json: field [0].Id: expected a container id")
        #expect(error(#""text""#) == "x.json: field $: expected a list of container objects")
        #expect(
            error(#"[{"Id": "a", "Mounts": [{"RW": 1}]}]"#) == "x.json: field [0].Mounts[0].RW: expected true or false")
    }

    @Test func largeDumpIsReadQuickly() throws {
        // 2,000 containers (about 12 MB of inspect JSON) in one file; scripts/bench-audit.sh times 50 MB.
        let one = try AuditTestPaths.fixture("podman-inspect-bad2.json")
        let object = try #require(try JSONSerialization.jsonObject(with: one) as? [Any]).first
        let many = Array(repeating: try #require(object), count: 2000)
        let data = try JSONSerialization.data(withJSONObject: many)
        #expect(data.count > 10_000_000)
        let start = Date()
        let containers = try ContainerInspect.decodeAll(data, file: "big.json")
        let result = Auditor().run(AuditInput(containers: containers))
        #expect(containers.count == 2000 && result.findings.count == 2000 * 19)
        #expect(Date().timeIntervalSince(start) < 30)
    }

    @Test func labelsAndConfigurationSilenceRules() throws {
        let text = #"""
            [{"Id": "a", "Name": "/one", "Config": {"Labels": {"berth.dev/ignore": "audit-container-privileged,audit-container-memory -- lab box; audit-container-cpu"}},
              "HostConfig": {"Privileged": true}}]
            """#
        let containers = try ContainerInspect.decodeAll(Data(text.utf8), file: "l.json")
        let result = Auditor().run(AuditInput(containers: containers))
        let rules = Set(result.findings.map(\.rule))
        #expect(!rules.contains("audit-container-privileged") && !rules.contains("audit-container-memory"))
        #expect(rules.contains("audit-container-cpu"), "an entry without a reason silences nothing")
        #expect(result.suppressed == 2)
        #expect(
            !Auditor(honourLabels: false).run(AuditInput(containers: containers)).findings.filter {
                $0.rule == "audit-container-privileged"
            }.isEmpty)

        let known = Set(AuditRules.descriptions.map(\.id))
        let configuration = try CheckConfiguration.parse(
            "rules:\n  audit-container-cpu: off\n  audit-container-user: error\n", file: ".berth.yaml",
            knownRules: known)
        let configured = Auditor(configuration: configuration).run(AuditInput(containers: containers))
        #expect(!configured.findings.contains { $0.rule == "audit-container-cpu" })
        #expect(configured.findings.first { $0.rule == "audit-container-user" }?.severity == .error)
    }

    @Test func daemonFactsFromConfigurationAndInfo() throws {
        let info = try EngineInfo.decode(try AuditTestPaths.fixture("podman-api-info.json"), file: "info.json")
        #expect(info.hasSecurityOption("seccomp") && !info.hasSecurityOption("apparmor"))
        let podman = Auditor().run(AuditInput(daemon: DaemonFacts(engine: .podman, source: "sock", info: info)))
        let verdicts = Dictionary(
            podman.evaluations.map { ($0.rule, $0.verdict.word) }, uniquingKeysWith: { a, _ in a })
        #expect(verdicts["audit-daemon-live-restore"] == "n/a")
        #expect(verdicts["audit-daemon-experimental"] == "undecidable", "podman always reports an experimental build")
        #expect(verdicts["audit-daemon-aufs"] == "pass")
        #expect(verdicts["audit-daemon-swarm"] == "pass")

        let daemon = try DaemonConfiguration.decode(
            Data(#"{"icc": false, "live-restore": true, "no-new-privileges": true, "log-driver": "syslog"}"#.utf8),
            file: "daemon.json")
        let docker = Auditor().run(
            AuditInput(daemon: DaemonFacts(engine: .docker, source: "daemon.json", configuration: daemon)))
        let failing = Set(docker.findings.map(\.rule))
        #expect(!failing.contains("audit-daemon-icc") && !failing.contains("audit-daemon-live-restore"))
        #expect(failing.contains("audit-daemon-userland-proxy") && failing.contains("audit-daemon-userns"))
        #expect(throws: AuditError.self) {
            try DaemonConfiguration.decode(Data(#"{"icc": "no"}"#.utf8), file: "daemon.json")
        }
    }

    @Test func podmanInfoShape() throws {
        let info = try EngineInfo.decode(try AuditTestPaths.fixture("podman-info.json"), file: "podman-info.json")
        #expect(info.engine == .podman)
        #expect(info.hasSecurityOption("seccomp") && !info.hasSecurityOption("apparmor"))
        #expect(info.driver == "vfs" && info.loggingDriver == "k8s-file")
        let result = Auditor().run(AuditInput(daemon: DaemonFacts(engine: .podman, source: "info.json", info: info)))
        #expect(result.findings.contains { $0.rule == "audit-daemon-remote-logging" })
    }

    @Test func imageHistoryRules() throws {
        let text = #"""
            [{"Id": "sha256:1", "RepoTags": ["app:1"], "Config": {"User": "app", "Healthcheck": {"Test": ["NONE"]}},
              "History": [{"CreatedBy": "ADD app.tar.gz /opt/ # buildkit"}, {"CreatedBy": "RUN /bin/sh -c apk update # buildkit"},
                          {"CreatedBy": "/bin/sh -c #(nop) ADD file:abc in / "}]}]
            """#
        let images = try ImageInspect.decodeAll(Data(text.utf8), file: "i.json")
        #expect(images.first?.history?.first == "/bin/sh -c #(nop) ADD file:abc in / ", "history is read oldest first")
        let findings = Auditor().run(AuditInput(images: images)).findings
        #expect(
            Set(findings.map(\.rule)) == [
                "audit-image-healthcheck", "audit-image-update-alone", "audit-image-add-instruction",
            ])
        #expect(findings.first { $0.rule == "audit-image-add-instruction" }?.message.contains("layer 3") == true)
    }

    @Test func engineFromServerHeaderAndVersion() {
        #expect(EngineKind.fromServerHeader("Libpod/4.3.1 (linux)") == .podman)
        #expect(EngineKind.fromServerHeader("Docker/28.2.2 (linux)") == .docker)
        #expect(EngineKind.fromServerHeader("nginx") == .unknown)
        #expect(EngineKind.fromVersion(componentNames: ["Podman Engine", "Conmon"], platform: nil) == .podman)
        #expect(
            EngineKind.fromVersion(componentNames: ["Engine", "containerd"], platform: "Docker Engine - Community")
                == .docker)
    }

    @Test func endpointResolution() throws {
        #expect(try EngineEndpoint.parse("unix:///tmp/x.sock").description == "unix:///tmp/x.sock")
        #expect(try EngineEndpoint.parse("tcp://127.0.0.1:2375").description == "tcp://127.0.0.1:2375")
        #expect(try EngineEndpoint.parse("tcp://[::1]:2375").address == .tcp(host: "::1", port: 2375))
        #expect(throws: AuditError.self) { try EngineEndpoint.parse("ssh://host") }
        #expect(throws: AuditError.self) { try EngineEndpoint.parse("unix://relative.sock") }
        let environment = ["XDG_RUNTIME_DIR": "/run/user/1000"]
        let podman = try EngineEndpoint.resolve(
            host: nil, environment: environment, exists: { $0 == "/run/user/1000/podman/podman.sock" })
        #expect(podman.description == "unix:///run/user/1000/podman/podman.sock")
        let docker = try EngineEndpoint.resolve(host: nil, environment: environment, exists: { _ in true })
        #expect(docker.description == "unix:///var/run/docker.sock")
        let fromEnvironment = try EngineEndpoint.resolve(
            host: nil, environment: ["DOCKER_HOST": "tcp://10.0.0.1:2375"], exists: { _ in true })
        #expect(fromEnvironment.isTCP)
        #expect(throws: AuditError.self) {
            try EngineEndpoint.resolve(host: nil, environment: [:], exists: { _ in false })
        }
    }

    @Test func docsAuditRulesMarkdownIsCurrent() throws {
        let url = AuditTestPaths.packageRoot.appendingPathComponent("docs/audit-rules.md")
        let committed = try String(contentsOf: url, encoding: .utf8)
        #expect(
            committed == AuditCatalog.markdown(),
            "docs/audit-rules.md is stale: run berth audit --list-rules --markdown > docs/audit-rules.md")
    }
}

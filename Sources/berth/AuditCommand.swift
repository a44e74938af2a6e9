import ArgumentParser
import Audit
import BerthCore
import Foundation
import Reporters
import Rules

#if canImport(Glibc)
    import Glibc
#endif

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit an engine's daemon, images and containers against the CIS Docker Benchmark, read-only.",
        discussion: """
            Without --inspect: reads the Docker Engine API (Docker, or Podman's compatible service) with \
            GET requests only, at --host, else DOCKER_HOST, else /var/run/docker.sock, \
            $XDG_RUNTIME_DIR/podman/podman.sock, /run/podman/podman.sock; running containers, or all \
            with --all, or the named ones. With --inspect: the same checks on saved 'docker inspect' or \
            'podman inspect' output, plus --daemon-config and --image-inspect files. Exit codes: 0 clean, \
            1 findings at or above --fail-on (default: failOn of .berth.yaml, else warning), 2 when the \
            audit could not run. Silence a rule for one container with the label \
            'berth.dev/ignore=RULE -- reason'; .berth.yaml 'rules:' settings apply as in berth check.
            """
    )

    @Argument(help: "Containers (names or ids) to audit over the API; default: running containers.")
    var containers: [String] = []

    @Option(help: "Engine endpoint: unix:///PATH or tcp://HOST:PORT.")
    var host: String?

    @Flag(help: "Audit created and stopped containers too.")
    var all = false

    @Option(
        name: .customLong("inspect"), parsing: .upToNextOption,
        help: ArgumentHelp("Saved 'docker inspect' / 'podman inspect' output (repeatable).", valueName: "file"))
    var inspect: [String] = []

    @Option(help: ArgumentHelp("The daemon's daemon.json, with --inspect.", valueName: "file"))
    var daemonConfig: String?

    @Option(
        help: ArgumentHelp(
            "The engine's info as JSON ('docker info --format json', 'podman info --format json'), with --inspect.",
            valueName: "file"))
    var engineInfo: String?

    @Option(
        name: .customLong("image-inspect"), parsing: .upToNextOption,
        help: ArgumentHelp("Saved 'docker image inspect' output (repeatable), with --inspect.", valueName: "file"))
    var imageInspect: [String] = []

    @Option(help: "Output format: \(Reporters.names.joined(separator: ", ")).")
    var format: String = "text"

    @Option(help: "Lowest severity that fails the run: error, warning, info or none.")
    var failOn: String?

    @Flag(help: "Report findings but exit 0 unless the audit cannot run.")
    var noFail = false

    @Option(help: "Configuration file (default: .berth.yaml in the current directory, if any).")
    var config: String?

    @Flag(help: "Ignore berth.dev/ignore container labels, to audit them.")
    var noLabelIgnores = false

    @Flag(help: "Print every rule's verdict per subject (pass, fail, n/a, undecidable, manual) instead of a report.")
    var verdicts = false

    @Flag(help: "List the audit rules and the manual recommendations.")
    var listRules = false

    @Flag(help: "With --list-rules: the catalogue as Markdown (the source of docs/audit-rules.md).")
    var markdown = false

    @Option(help: "Seconds to wait for each engine answer.")
    var timeout: Double = 10

    @Option(help: "Write the report to this file instead of standard output (atomically).")
    var output: String?

    func validate() throws {
        if listRules { return }
        if markdown { throw ValidationError("--markdown goes with --list-rules") }
        if Reporters.reporter(named: format) == nil {
            throw ValidationError("unknown format '\(format)': use \(Reporters.names.joined(separator: ", "))")
        }
        if let failOn, failOn != "none", Severity(rawValue: failOn) == nil {
            throw ValidationError("--fail-on must be error, warning, info or none")
        }
        if !inspect.isEmpty {
            if host != nil || all || !containers.isEmpty {
                throw ValidationError(
                    "--inspect reads saved files; it does not go with --host, --all or container names")
            }
        } else if daemonConfig != nil || engineInfo != nil || !imageInspect.isEmpty {
            throw ValidationError("--daemon-config, --engine-info and --image-inspect go with --inspect")
        }
        if !(timeout > 0 && timeout <= 600) { throw ValidationError("--timeout must be between 0 and 600 seconds") }
        if let host, (try? EngineEndpoint.parse(host)) == nil {
            throw ValidationError("--host must be unix:///PATH or tcp://HOST:PORT, not '\(host)'")
        }
    }

    func run() throws {
        if listRules {
            Terminal.write(markdown ? AuditCatalog.markdown() : AuditCatalog.list())
            return
        }
        let knownRules = Set(BuiltInRules.descriptions.map(\.id) + AuditRules.descriptions.map(\.id))
        var configuration = CheckConfiguration()
        let input: AuditInput
        do {
            if let config {
                configuration = try CheckConfiguration.load(path: config, knownRules: knownRules)
            } else if let found = CheckConfiguration.fileNames.first(where: {
                FileManager.default.fileExists(atPath: $0)
            }) {
                configuration = try CheckConfiguration.load(path: found, knownRules: knownRules)
            }
            if inspect.isEmpty {
                let endpoint = try EngineEndpoint.resolve(host: host, environment: ProcessInfo.processInfo.environment)
                input = try EngineReader(endpoint: endpoint, timeout: timeout).read(names: containers, all: all)
            } else {
                input = try AuditFiles.load(
                    inspect: inspect, daemonConfig: daemonConfig, imageInspect: imageInspect, engineInfo: engineInfo)
            }
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }
        let result = Auditor(configuration: configuration, honourLabels: !noLabelIgnores).run(input)
        let text: String
        if verdicts {
            text = AuditText.verdicts(result)
        } else {
            let run = CheckRun(
                reports: result.reports, rules: AuditRules.descriptions.map(\.rule), toolVersion: BerthVersion.current)
            let colour =
                format == "text" && output == nil && isatty(STDOUT_FILENO) == 1
                && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            guard let reporter = Reporters.reporter(named: format, colour: colour) else { throw ExitCode(2) }
            text = reporter.render(run)
        }
        if let output {
            try AtomicFile.write(Data(text.utf8), to: output)
        } else {
            Terminal.write(text)
        }
        if format == "text" || verdicts { FileHandle.standardError.write(Data(AuditText.note(input, result).utf8)) }
        if noFail { return }
        let threshold: Severity?
        if let failOn {
            threshold = failOn == "none" ? nil : Severity(rawValue: failOn)
        } else {
            threshold = configuration.source == nil ? .warning : configuration.failOn
        }
        if let threshold, result.findings.contains(where: { $0.severity >= threshold }) { throw ExitCode(1) }
    }
}

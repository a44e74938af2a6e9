import ArgumentParser
import Audit
import BerthCore
import Check
import Foundation
import Reporters

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check Dockerfiles and Kubernetes manifests against the WSO2 container practices.",
        discussion: """
            Files and directories (searched recursively for Dockerfile, Containerfile, *.Dockerfile and \
            Dockerfile.*, honouring .gitignore and leaving out Dockerfile templates such as \
            Dockerfile.template or files with {{ }} lines, which are checked only when named), or - for \
            standard input. Exit codes: 0 clean, 1 findings \
            at or above --fail-on, 2 usage, input or configuration error. Suppress a finding with \
            '# berth:ignore RULE -- reason' above the instruction, or '# berth:ignore-file RULE -- reason'; \
            '# hadolint ignore=DLxxxx' is honoured for rules that map to that code. Kubernetes manifests \
            (*.yaml, *.yml, *.json; multi-document streams, List kinds, standard input such as \
            'helm template ... | berth check -') are judged as one set; Helm chart directories are rendered \
            with helm, Kustomize directories with kubectl kustomize, when those are on PATH. Suppress with the annotation 'berth.dev/ignore: "RULE[:CONTAINER] -- reason"' \
            on the object or its pod template.
            """
    )

    @Argument(help: "Files or directories to check, or - for standard input.")
    var paths: [String] = []

    @Option(help: "Output format: \(Reporters.names.joined(separator: ", ")).")
    var format: String = "text"

    @Option(
        help:
            "Lowest severity that fails the run: error, warning, info or none (default: from .berth.yaml, else warning)."
    )
    var failOn: String?

    @Flag(help: "Report findings but always exit 0 unless the input cannot be checked.")
    var noFail = false

    @Option(help: "Configuration file (default: the nearest .berth.yaml above each checked file).")
    var config: String?

    @Flag(help: "Ignore '# berth:ignore' and '# hadolint ignore' comments, to audit them.")
    var noInlineIgnores = false

    @Option(help: "Write the report to this file instead of standard output (atomically).")
    var output: String?

    @Option(
        name: .customLong("helm-set"),
        help: ArgumentHelp("A value for charts rendered with helm template (repeatable).", valueName: "key=value"))
    var helmSet: [String] = []

    @Option(
        name: .customLong("helm-set-string"),
        help: ArgumentHelp(
            "A string value for charts rendered with helm template (repeatable).", valueName: "key=value"))
    var helmSetString: [String] = []

    @Option(
        name: .customLong("helm-values"),
        help: ArgumentHelp("A values file for charts rendered with helm template (repeatable).", valueName: "file"))
    var helmValues: [String] = []

    @Option(
        name: .customLong("render-timeout"),
        help: ArgumentHelp(
            "Seconds helm template or kubectl kustomize may run before it is stopped.", valueName: "seconds"))
    var renderTimeout: Double = 120

    @Option(
        name: .customLong("manifest-budget"),
        help: ArgumentHelp(
            "MiB of Kubernetes input (files, standard input, rendered charts) one run holds; memory is up to about 16 times this.",
            valueName: "MiB"))
    var manifestBudget: Int = 16

    @Option(
        name: [.customShort("j"), .long],
        help: ArgumentHelp("Dockerfiles checked at once (default: one per core).", valueName: "n"))
    var jobs: Int?

    /// What `helm template` is given after the chart: values files, then `--set`, then `--set-string`.
    var helmArguments: [String] {
        helmValues.flatMap { ["--values", $0] } + helmSet.flatMap { ["--set", $0] }
            + helmSetString.flatMap { ["--set-string", $0] }
    }

    func validate() throws {
        if paths.isEmpty { throw ValidationError("name files or directories to check, or - for standard input") }
        if !(renderTimeout > 0) { throw ValidationError("--render-timeout must be a positive number of seconds") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if !(1...4096).contains(manifestBudget) {
            throw ValidationError("--manifest-budget must be between 1 and 4096 MiB")
        }
        if Reporters.reporter(named: format) == nil {
            throw ValidationError("unknown format '\(format)': use \(Reporters.names.joined(separator: ", "))")
        }
        if let failOn, failOn != "none", Severity(rawValue: failOn) == nil {
            throw ValidationError("--fail-on must be error, warning, info or none")
        }
        for value in helmSet + helmSetString where !value.contains("=") || value.hasPrefix("=") {
            throw ValidationError("--helm-set and --helm-set-string take key=value, not '\(value)'")
        }
        for file in helmValues where !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("--helm-values \(file): cannot read file")
        }
    }

    func run() throws {
        var options = CheckOptions(paths: paths)
        // One .berth.yaml serves both berth check and berth audit.
        options.otherKnownRules = Set(AuditRules.descriptions.map(\.id))
        options.configurationFile = config
        options.honourInlineIgnores = !noInlineIgnores
        options.failOn = failOn.map { $0 == "none" ? nil : Severity(rawValue: $0) }
        options.neverFail = noFail
        options.helmArguments = helmArguments
        options.limits.renderTimeout = renderTimeout
        if let jobs { options.jobs = jobs }
        options.limits.totalBytes = manifestBudget << 20
        options.limits.maximumBytesPerInput = manifestBudget << 20
        let outcome: CheckOutcome
        do {
            outcome = try CheckSession(options: options).run()
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }
        for note in outcome.notes { Terminal.error(note) }
        let colour = format == "text" && output == nil && Terminal.standardOutputIsColourTerminal
        guard let reporter = Reporters.reporter(named: format, colour: colour) else { throw ExitCode(2) }
        let text = reporter.render(outcome.run)
        if let output {
            do {
                try AtomicFile.write(Data(text.utf8), to: output)
            } catch {
                Terminal.error("cannot write the report to '\(output)': \(error)")
                throw ExitCode(2)
            }
        } else {
            Terminal.write(text)
        }
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }
}

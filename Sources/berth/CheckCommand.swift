import ArgumentParser
import Audit
import BerthCore
import Dispatch
import Foundation
import Reporters
import Rules

#if canImport(Glibc)
    import Glibc
#endif

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check Dockerfiles and Kubernetes manifests against the WSO2 container practices.",
        discussion: """
            Files and directories (searched recursively for Dockerfile, Containerfile, *.Dockerfile and \
            Dockerfile.*, honouring .gitignore), or - for standard input. Exit codes: 0 clean, 1 findings \
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

    /// What `helm template` is given after the chart: values files, then `--set`, then `--set-string`.
    var helmArguments: [String] {
        helmValues.flatMap { ["--values", $0] } + helmSet.flatMap { ["--set", $0] }
            + helmSetString.flatMap { ["--set-string", $0] }
    }

    func validate() throws {
        if paths.isEmpty { throw ValidationError("name files or directories to check, or - for standard input") }
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
        // One .berth.yaml serves both berth check and berth audit.
        let knownRules = Set(BuiltInRules.descriptions.map(\.id) + AuditRules.descriptions.map(\.id))
        var explicit: CheckConfiguration?
        do {
            if let config { explicit = try CheckConfiguration.load(path: config, knownRules: knownRules) }
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }
        let discovered: [String]
        do {
            discovered = try FileDiscovery().files(
                in: paths.filter { $0 != "-" },
                include: { FileDiscovery.isDockerfileName($0) || KubernetesInputs.isManifestName($0) })
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }
        if discovered.isEmpty, !paths.contains("-") {
            Terminal.error("no Dockerfiles found, and no Kubernetes manifests, in \(paths.joined(separator: ", "))")
            throw ExitCode(2)
        }
        let loader = ConfigurationLoader(explicit: explicit, knownRules: knownRules)
        let checker = DockerfileChecker(honourInlineIgnores: !noInlineIgnores)
        let manifests = discovered.filter(KubernetesInputs.isManifestPath)
        let files = discovered.filter { !KubernetesInputs.isManifestPath($0) }
        var reports = [FileReport?](repeating: nil, count: files.count)
        var configurationError: String?
        reports.withUnsafeMutableBufferPointer { buffer in
            let slots = UnsafeMutableSendableBuffer(buffer)
            DispatchQueue.concurrentPerform(iterations: files.count) { index in
                let file = files[index]
                do {
                    let configuration = try loader.configuration(for: file)
                    slots.buffer[index] = checker.check(path: file, configuration: configuration)
                } catch {
                    slots.buffer[index] = FileReport(file: file, findings: [], error: "\(error)")
                    loader.recordError("\(error)")
                }
            }
        }
        configurationError = loader.firstError
        var all = reports.compactMap { $0 }
        var kubernetes = KubernetesInputs.collect(files: manifests, roots: paths, helmArguments: helmArguments)
        if paths.contains("-") {
            let bytes = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
            let configuration =
                (try? loader.configuration(for: FileManager.default.currentDirectoryPath + "/-"))
                ?? CheckConfiguration()
            if KubernetesInputs.looksLikeDockerfile(bytes) {
                all.append(checker.check(bytes: bytes, file: "-", configuration: configuration))
            } else {
                kubernetes.inputs.append(("-", bytes))
            }
        }
        if !kubernetes.inputs.isEmpty || !kubernetes.errors.isEmpty || !kubernetes.skipped.isEmpty {
            all += kubernetes.errors
            let first = kubernetes.inputs.first?.file ?? "-"
            var setConfiguration = CheckConfiguration()
            do {
                setConfiguration = try loader.configuration(
                    for: first == "-" ? FileManager.default.currentDirectoryPath + "/-" : first)
            } catch {
                all.append(FileReport(file: first, findings: [], error: "\(error)"))
            }
            let fallback = setConfiguration
            let report = KubernetesChecker(honourAnnotations: !noInlineIgnores).check(
                inputs: kubernetes.inputs, configuration: setConfiguration,
                configurationFor: { file in
                    (try? loader.configuration(
                        for: file == "-" ? FileManager.default.currentDirectoryPath + "/-" : file))
                        ?? fallback
                })
            let skipped =
                kubernetes.skipped.map { (file: $0, reason: "holds no Kubernetes object (no apiVersion and kind)") }
                + report.skipped
            for note in KubernetesInputs.notes(skipped: skipped) { Terminal.error(note) }
            all += report.reports
        }
        let run = CheckRun(reports: all, rules: BuiltInRules.descriptions, toolVersion: BerthVersion.current)
        let colour =
            format == "text" && output == nil && isatty(STDOUT_FILENO) == 1
            && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        let text = Reporters.reporter(named: format, colour: colour)!.render(run)
        if let output {
            try AtomicFile.write(Data(text.utf8), to: output)
        } else {
            Terminal.write(text)
        }
        if configurationError != nil || !run.errors.isEmpty { throw ExitCode(2) }
        if noFail { return }
        let threshold: Severity?
        if let failOn {
            threshold = failOn == "none" ? nil : Severity(rawValue: failOn)
        } else {
            threshold = explicit?.failOn ?? loader.nearestFailOn ?? .warning
        }
        if let threshold, run.findings.contains(where: { $0.severity >= threshold }) { throw ExitCode(1) }
    }
}

/// Lets concurrent iterations write to distinct slots of one buffer.
struct UnsafeMutableSendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}

/// Finds and caches the `.berth.yaml` that applies to each file.
final class ConfigurationLoader: @unchecked Sendable {
    let explicit: CheckConfiguration?
    let knownRules: Set<String>
    private let lock = NSLock()
    private var byDirectory: [String: CheckConfiguration] = [:]
    private(set) var firstError: String?
    private(set) var nearestFailOn: Severity?

    init(explicit: CheckConfiguration?, knownRules: Set<String>) {
        self.explicit = explicit
        self.knownRules = knownRules
    }

    func recordError(_ message: String) {
        lock.lock()
        defer { lock.unlock() }
        if firstError == nil { firstError = message }
    }

    func configuration(for file: String) throws -> CheckConfiguration {
        if let explicit { return explicit }
        let directory = URL(fileURLWithPath: file).standardizedFileURL.deletingLastPathComponent().path
        return try configuration(directory: directory)
    }

    private func configuration(directory: String) throws -> CheckConfiguration {
        lock.lock()
        if let cached = byDirectory[directory] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        var found = CheckConfiguration()
        var current = directory
        while true {
            var located: String?
            for name in CheckConfiguration.fileNames where FileManager.default.fileExists(atPath: current + "/" + name)
            {
                located = current + "/" + name
                break
            }
            if let located {
                found = try CheckConfiguration.load(path: located, knownRules: knownRules)
                break
            }
            let parent = URL(fileURLWithPath: current).deletingLastPathComponent().path
            if parent == current || FileManager.default.fileExists(atPath: current + "/.git") { break }
            current = parent
        }
        lock.lock()
        byDirectory[directory] = found
        if found.source != nil, nearestFailOn == nil { nearestFailOn = found.failOn }
        lock.unlock()
        return found
    }
}

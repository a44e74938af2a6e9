import BerthCore
import Dispatch
import Foundation
import Rules

/// What one `berth check` run is asked to do.
public struct CheckOptions: Sendable {
    /// Files or directories, or `-` for standard input.
    public var paths: [String]
    /// An explicit configuration file; otherwise the nearest `.berth.yaml` above each file.
    public var configurationFile: String?
    /// Honour `# berth:ignore` comments and `berth.dev/ignore` annotations.
    public var honourInlineIgnores = true
    /// The lowest severity that fails the run, when given on the command line: `.some(nil)` is `none`.
    public var failOn: Severity??
    /// Report findings but exit 0 unless the input cannot be checked.
    public var neverFail = false
    /// What `helm template` is given after the chart.
    public var helmArguments: [String] = []
    /// Bounds on Kubernetes input: per file, per run, and the renderers' time.
    public var limits = InputLimits()
    /// Ids of other commands' rules (`berth audit`) that `.berth.yaml` may configure too.
    public var otherKnownRules: Set<String> = []
    /// How many Dockerfiles are checked at once: one per core unless set.
    public var jobs = ProcessInfo.processInfo.activeProcessorCount

    public init(paths: [String]) { self.paths = paths }
}

/// Why a check run could not start.
public enum CheckSessionError: Error, CustomStringConvertible {
    case configuration(String)
    case discovery(String)
    case nothingToCheck([String])

    public var description: String {
        switch self {
        case .configuration(let message), .discovery(let message): message
        case .nothingToCheck(let paths):
            "no Dockerfiles found, and no Kubernetes manifests, in \(paths.joined(separator: ", "))"
        }
    }
}

/// The outcome of a check run: what the reporters print, notes for standard error, and the exit code.
public struct CheckOutcome: Sendable {
    public var run: CheckRun
    /// Notes for people (skipped files), one line each.
    public var notes: [String]
    /// 0 clean, 1 findings at or above the threshold, 2 something could not be checked.
    public var exitCode: Int32
}

/// One `berth check` run: discovery, configuration lookup, Dockerfiles checked in parallel, standard
/// input sniffed, Helm charts and Kustomize directories rendered, Kubernetes objects judged as one
/// set, and the exit threshold applied.
public struct CheckSession: Sendable {
    public var options: CheckOptions
    /// Reads standard input when `-` is among the paths, up to a limit.
    public var standardInput: @Sendable (_ limit: Int) throws(BerthError) -> [UInt8]

    public init(
        options: CheckOptions,
        standardInput: @escaping @Sendable (_ limit: Int) throws(BerthError) -> [UInt8] = { limit throws(BerthError) in
            try BoundedInput.read("-", limit: limit)
        }
    ) {
        self.options = options
        self.standardInput = standardInput
    }

    public func run() throws(CheckSessionError) -> CheckOutcome {
        let knownRules = Set(BuiltInRules.descriptions.map(\.id)).union(options.otherKnownRules)
        var explicit: CheckConfiguration?
        do {
            if let file = options.configurationFile {
                explicit = try CheckConfiguration.load(path: file, knownRules: knownRules)
            }
        } catch {
            throw .configuration("\(error)")
        }
        let paths = options.paths
        let discovery = FileDiscovery().discover(
            in: paths.filter { $0 != "-" },
            include: { FileDiscovery.isDockerfileName($0) || KubernetesInputs.isManifestName($0) })
        let discovered = discovery.files
        // What could not be read is an error of the run (exit 2); the rest is still checked.
        let unreadable = discovery.unreadable.map {
            FileReport(file: $0.path, findings: [], error: "\($0.path): \($0.reason)")
        }
        if discovered.isEmpty, !paths.contains("-") {
            if let first = discovery.unreadable.first { throw .discovery("\(first.path): \(first.reason)") }
            throw .nothingToCheck(paths)
        }

        let loader = ConfigurationLoader(explicit: explicit, knownRules: knownRules)
        let checker = DockerfileChecker(honourInlineIgnores: options.honourInlineIgnores)
        let manifests = discovered.filter(KubernetesInputs.isManifestPath)
        let dockerfiles = discovered.filter { !KubernetesInputs.isManifestPath($0) }
        var reports =
            unreadable
            + Self.checkInParallel(
                dockerfiles, checker: checker, loader: loader, jobs: options.jobs)
        // Templates are left out on purpose; say which, so a user who meant them can name them.
        var notes: [String] = discovery.templates.map {
            "\($0): skipped: a Dockerfile template (name it on the command line to check it as given)"
        }

        var kubernetes = KubernetesInputs.collect(
            files: manifests, roots: paths, helmArguments: options.helmArguments, limits: options.limits)
        if paths.contains("-") {
            let bytes: [UInt8]
            do {
                bytes = try standardInput(options.limits.maximumBytesPerInput)
            } catch {
                reports.append(FileReport(file: "-", findings: [], error: "\(error)"))
                bytes = []
            }
            if bytes.isEmpty {
                // Nothing to judge; an unreadable stream is already reported.
            } else if KubernetesInputs.looksLikeDockerfile(bytes) {
                let configuration = (try? loader.configuration(for: Self.standardInputPath)) ?? CheckConfiguration()
                reports.append(checker.check(bytes: bytes, file: "-", configuration: configuration))
            } else if bytes.count > kubernetes.remainingBytes {
                let error = KubernetesInputs.overBudget("-", bytes: bytes.count, limits: options.limits)
                reports.append(FileReport(file: "-", findings: [], error: error))
            } else {
                kubernetes.inputs.append(("-", bytes))
            }
        }
        if !kubernetes.inputs.isEmpty || !kubernetes.errors.isEmpty || !kubernetes.skipped.isEmpty {
            reports += kubernetes.errors
            let first = kubernetes.inputs.first?.file ?? "-"
            var setConfiguration = CheckConfiguration()
            do {
                setConfiguration = try loader.configuration(for: Self.configurationPath(for: first))
            } catch {
                reports.append(FileReport(file: first, findings: [], error: "\(error)"))
            }
            let fallback = setConfiguration
            // Handed over, not shared: the checker drops the bytes once they are parsed.
            let inputs = kubernetes.inputs
            kubernetes.inputs = []
            let report = KubernetesChecker(honourAnnotations: options.honourInlineIgnores).check(
                inputs: consume inputs, configuration: setConfiguration,
                configurationFor: { file in
                    (try? loader.configuration(for: Self.configurationPath(for: file))) ?? fallback
                })
            let skipped =
                kubernetes.skipped.map { (file: $0, reason: "holds no Kubernetes object (no apiVersion and kind)") }
                + report.skipped
            notes += KubernetesInputs.notes(skipped: skipped)
            reports += report.reports
        }

        let run = CheckRun(reports: reports, rules: BuiltInRules.descriptions, toolVersion: BerthVersion.current)
        return CheckOutcome(run: run, notes: notes, exitCode: exitCode(run, loader: loader, explicit: explicit))
    }

    /// 2 when anything could not be checked; else 1 when a finding reaches the threshold.
    func exitCode(_ run: CheckRun, loader: ConfigurationLoader, explicit: CheckConfiguration?) -> Int32 {
        if loader.firstError != nil || !run.errors.isEmpty { return 2 }
        if options.neverFail { return 0 }
        let threshold: Severity? =
            if let failOn = options.failOn { failOn } else { explicit?.failOn ?? loader.nearestFailOn ?? .warning }
        if let threshold, run.findings.contains(where: { $0.severity >= threshold }) { return 1 }
        return 0
    }

    static var standardInputPath: String { FileManager.default.currentDirectoryPath + "/-" }

    static func configurationPath(for file: String) -> String { file == "-" ? standardInputPath : file }

    /// Checks Dockerfiles on `jobs` threads; reports come back in input order.
    static func checkInParallel(
        _ files: [String], checker: DockerfileChecker, loader: ConfigurationLoader, jobs: Int
    ) -> [FileReport] {
        let slots = ResultSlots<FileReport>(count: files.count)
        let workers = max(1, min(jobs, files.count))
        // Each worker takes every `workers`-th file, so `--jobs 1` is one thread, in order.
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: files.count, by: workers) {
                let file = files[index]
                do {
                    let configuration = try loader.configuration(for: file)
                    slots[index] = checker.check(path: file, configuration: configuration)
                } catch {
                    slots[index] = FileReport(file: file, findings: [], error: "\(error)")
                    loader.recordError("\(error)")
                }
            }
        }
        return slots.values
    }
}

/// Finds and caches the `.berth.yaml` that applies to each file.
final class ConfigurationLoader: @unchecked Sendable {
    let explicit: CheckConfiguration?
    let knownRules: Set<String>
    private let lock = NSLock()
    private var byDirectory: [String: CheckConfiguration] = [:]
    private var storedFirstError: String?
    private var storedNearestFailOn: Severity?

    init(explicit: CheckConfiguration?, knownRules: Set<String>) {
        self.explicit = explicit
        self.knownRules = knownRules
    }

    var firstError: String? { lock.withLock { storedFirstError } }
    var nearestFailOn: Severity? { lock.withLock { storedNearestFailOn } }

    func recordError(_ message: String) {
        lock.withLock { if storedFirstError == nil { storedFirstError = message } }
    }

    func configuration(for file: String) throws -> CheckConfiguration {
        if let explicit { return explicit }
        let directory = URL(fileURLWithPath: file).standardizedFileURL.deletingLastPathComponent().path
        if let cached = lock.withLock({ byDirectory[directory] }) { return cached }
        var found = CheckConfiguration()
        if let located = NearestFile.find(CheckConfiguration.fileNames, from: directory) {
            found = try CheckConfiguration.load(path: located, knownRules: knownRules)
        }
        lock.withLock {
            byDirectory[directory] = found
            if found.source != nil, storedNearestFailOn == nil { storedNearestFailOn = found.failOn }
        }
        return found
    }
}

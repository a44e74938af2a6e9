import BerthCore
import Dispatch
import Foundation
import Rules

/// How `berth check` finds Kubernetes input: manifest files, Helm charts, and standard input.
public enum KubernetesInputs {
    /// Files checked as Kubernetes manifests rather than Dockerfiles: `*.yaml`, `*.yml`, `*.json`.
    public static func isManifestName(_ name: String) -> Bool {
        let lower = name.lowercased()
        guard lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") || lower.hasSuffix(".json") else { return false }
        return !CheckConfiguration.fileNames.contains(lower)
    }

    /// True when a path names a manifest file (by its last component).
    public static func isManifestPath(_ path: String) -> Bool {
        isManifestName(URL(fileURLWithPath: path).lastPathComponent)
    }

    /// True when standard input reads as a Dockerfile (its first instruction is one), false for YAML or JSON.
    public static func looksLikeDockerfile(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes.prefix(64 * 1024), as: UTF8.self)
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("---") || line.hasPrefix("{") || line.hasPrefix("[") || line.hasPrefix("- ") {
                return false
            }
            let word = line.prefix { !$0.isWhitespace }
            if word.hasSuffix(":") || line.contains(": ") && !word.allSatisfy({ $0.isUppercase }) { return false }
            return dockerfileKeywords.contains(word.uppercased())
        }
        return true
    }

    static let dockerfileKeywords: Set<String> = [
        "FROM", "ARG", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
        "USER",
        "WORKDIR", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
    ]

    /// True when the text contains the word `kind` at all: a cheap test before parsing.
    static func mentionsKind(_ bytes: [UInt8]) -> Bool {
        let needle: [UInt8] = Array("kind".utf8)
        guard bytes.count >= needle.count else { return false }
        var index = 0
        let last = bytes.count - needle.count
        while index <= last {
            if bytes[index] == 0x6B, bytes[index + 1] == 0x69, bytes[index + 2] == 0x6E, bytes[index + 3] == 0x64 {
                return true
            }
            index += 1
        }
        return false
    }

    /// Notes for skipped files, at most `limit` named and the rest counted.
    public static func notes(skipped: [(file: String, reason: String)], limit: Int = 10) -> [String] {
        var lines = skipped.prefix(limit).map { "note: skipped \($0.file): \($0.reason)" }
        if skipped.count > limit {
            lines.append("note: skipped \(skipped.count - limit) more files that hold no Kubernetes object")
        }
        return lines
    }

    /// Chart.yaml, Chart.lock, values*.yaml and values.schema.json: a chart's metadata, not templates.
    public static func isChartMetadataName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower == "chart.yaml" || lower == "chart.lock" || lower == "values.schema.json"
            || (lower.hasPrefix("values") && (lower.hasSuffix(".yaml") || lower.hasSuffix(".yml")))
    }

    /// The nearest directory at or above `file`'s directory, up to and including `root`, that holds a Chart.yaml.
    public static func chartRoot(of file: String, within root: String) -> String? {
        NearestFile.directory(containing: ["Chart.yaml"], above: file, within: root)
    }

    /// Manifest inputs read from disk, Helm charts rendered, and what was skipped.
    public struct Collected: Sendable {
        public var inputs: [(file: String, bytes: [UInt8])] = []
        /// Messages for standard error: skipped files, charts that could not be rendered.
        public var notes: [String] = []
        /// Inputs that could not be read or rendered.
        public var errors: [FileReport] = []
        /// Files found under a directory that do not mention `kind`, skipped without parsing.
        public var skipped: [String] = []
        /// What is left of the run's budget (`InputLimits.totalBytes`) for standard input.
        public var remainingBytes = 0
    }

    /// The message for rendered output refused because the run's budget is spent.
    static func overBudget(_ subject: String, bytes: Int, limits: InputLimits) -> String {
        "\(subject): its \(bytes) bytes of manifests would exceed the \(BoundedInput.describe(limits.totalBytes)) "
            + "budget of one run; check fewer inputs in one run"
    }

    /// Reads `files` (discovered under `roots` or named); files inside a Helm chart are replaced
    /// by the chart rendered with `helm template` (given `helmArguments`, such as `--set` and
    /// `--values`) when `helm` is on PATH.
    public static func collect(
        files: [String], roots: [String], helmArguments: [String] = [], limits: InputLimits = InputLimits()
    ) -> Collected {
        var budget = limits.totalBytes
        var collected = Collected()
        var charts: [String] = []
        var overlays: [String] = []
        for file in files {
            let root =
                roots.first { file.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
                ?? URL(fileURLWithPath: file).deletingLastPathComponent().path
            // A chart's own Chart.yaml or values file named on the command line is read (and skipped
            // with a note); anything else inside a chart is a template that only helm can render.
            let named = roots.contains(file) && isChartMetadataName(URL(fileURLWithPath: file).lastPathComponent)
            if !named, let chart = chartRoot(of: file, within: root) {
                if !charts.contains(chart) { charts.append(chart) }
                continue
            }
            // Files of a Kustomize directory are bases and patches: only the build is the deployment.
            if let overlay = kustomizationRoot(of: file, within: root) {
                if !overlays.contains(overlay) { overlays.append(overlay) }
                continue
            }
            let bytes: [UInt8]
            do {
                bytes = try BoundedInput.read(file, limit: min(limits.maximumBytesPerInput, max(budget, 0)))
            } catch {
                let reason =
                    budget < limits.maximumBytesPerInput
                    ? "\(error); together the manifests exceed the \(BoundedInput.describe(limits.totalBytes)) budget of one run"
                    : "\(error)"
                collected.errors.append(FileReport(file: file, findings: [], error: reason))
                continue
            }
            budget -= bytes.count
            // A file found while walking a directory that never says `kind` (tsconfig.json, a CI
            // workflow) is not a manifest: skip it unread rather than fail on its dialect.
            if !roots.contains(file), !mentionsKind(bytes) {
                collected.skipped.append(file)
                continue
            }
            collected.inputs.append((file, bytes))
        }
        for chart in charts {
            switch renderChart(chart, arguments: helmArguments, limits: limits) {
            case .success(let bytes) where bytes.count > budget:
                collected.errors.append(
                    FileReport(file: chart, findings: [], error: overBudget(chart, bytes: bytes.count, limits: limits)))
            case .success(let bytes):
                budget -= bytes.count
                collected.inputs.append((chart + KubernetesChecker.helmTemplateSuffix, bytes))
            case .failure(let message):
                collected.errors.append(FileReport(file: chart, findings: [], error: message.description))
            }
        }
        for overlay in overlays {
            switch renderKustomization(overlay, limits: limits) {
            case .success(let bytes) where bytes.count > budget:
                collected.errors.append(
                    FileReport(
                        file: overlay, findings: [], error: overBudget(overlay, bytes: bytes.count, limits: limits)))
            case .success(let bytes):
                budget -= bytes.count
                collected.inputs.append(("\(overlay) (kustomize)", bytes))
            case .failure(let message):
                collected.errors.append(FileReport(file: overlay, findings: [], error: message.description))
            }
        }
        collected.remainingBytes = max(budget, 0)
        return collected
    }

    /// The names of a Kustomize directory's build file.
    public static let kustomizationNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"]

    /// The nearest directory at or above `file`'s directory, up to and including `root`, that holds a
    /// kustomization file.
    public static func kustomizationRoot(of file: String, within root: String) -> String? {
        NearestFile.directory(containing: kustomizationNames, above: file, within: root)
    }

    /// Builds a Kustomize directory with `kubectl kustomize` (or `kustomize build`), or says how to
    /// pipe it in when neither is on PATH.
    static func renderKustomization(_ directory: String, limits: InputLimits) -> Result<[UInt8], HelmError> {
        if let kubectl = executable(named: "kubectl") {
            return render(kubectl, ["kustomize", directory], subject: directory, limits: limits)
        }
        if let kustomize = executable(named: "kustomize") {
            return render(kustomize, ["build", directory], subject: directory, limits: limits)
        }
        return .failure(
            HelmError(
                message:
                    "\(directory): is a Kustomize directory and neither kubectl nor kustomize is on PATH; build it and pipe it in: kubectl kustomize \(directory) | berth check -"
            ))
    }

    /// Renders a chart with `helm template`, or says how to pipe it in when helm is missing.
    static func renderChart(_ chart: String, arguments: [String] = [], limits: InputLimits)
        -> Result<[UInt8], HelmError>
    {
        guard let helm = executable(named: "helm") else {
            return .failure(
                HelmError(
                    message:
                        "\(chart): is a Helm chart and helm is not on PATH; render it and pipe it in: helm template \(chart) | berth check -"
                ))
        }
        return render(helm, ["template", chart] + arguments, subject: chart, limits: limits)
    }

    /// Runs a renderer and returns its standard output, or its error output as the failure. The
    /// renderer is stopped (with its process group) after `limits.timeout` seconds or once it prints
    /// more than `limits.maximumBytes`.
    static func render(_ tool: String, _ arguments: [String], subject: String, limits: InputLimits)
        -> Result<[UInt8], HelmError>
    {
        do {
            let result = try BoundedProcess.run(
                tool, arguments, timeout: limits.renderTimeout, outputLimit: limits.maximumBytesPerInput)
            guard result.status == 0 else {
                let text = String(decoding: result.error.prefix(4096), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                return .failure(
                    HelmError(message: "\(subject): \(([tool] + arguments).joined(separator: " ")) failed: \(text)"))
            }
            return .success(result.output)
        } catch {
            return .failure(HelmError(message: "\(subject): \(error)"))
        }
    }

    /// A failure to render a chart, as a message.
    public struct HelmError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    static func executable(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// Bounds on the Kubernetes input of one check run.
public struct InputLimits: Sendable {
    /// Largest manifest file, standard input or renderer output.
    public var maximumBytesPerInput = 16 << 20
    /// All manifests of one run together (files, standard input, rendered charts and overlays):
    /// objects are judged as one set, so they are held at once. A stream of tiny objects, the worst
    /// case, takes about 16 times its size in memory (docs/output.md, "Limits and memory"), so 16 MiB
    /// keeps a run under 300 MB.
    public var totalBytes = 16 << 20
    /// Seconds a renderer (helm, kubectl kustomize) may run.
    public var renderTimeout: Double = 120

    public init() {}
}

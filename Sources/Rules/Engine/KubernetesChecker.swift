import BerthCore
import Dispatch
import Foundation
import Kubernetes

/// The outcome of checking a set of manifests together.
public struct KubernetesReport: Sendable {
    /// One report per input that holds Kubernetes objects or could not be read.
    public var reports: [FileReport]
    /// Inputs that hold YAML or JSON but no Kubernetes object (Chart.yaml, values.yaml), with why.
    public var skipped: [(file: String, reason: String)]
    /// Objects checked.
    public var objectCount: Int
}

/// Runs Kubernetes rules over the whole set of objects from all inputs, applying configuration and
/// annotation suppressions.
public struct KubernetesChecker: Sendable {
    public var rules: [any KubernetesRule]
    public var honourAnnotations: Bool
    public var parser = ManifestParser()

    public init(rules: [any KubernetesRule] = BuiltInRules.kubernetes, honourAnnotations: Bool = true) {
        self.rules = rules
        self.honourAnnotations = honourAnnotations
    }

    /// The label of a chart directory Berth rendered itself (see `KubernetesInputs.collect`).
    public static let helmTemplateSuffix = " (helm template)"

    /// For a chart directory Berth rendered, `CHART/templates/x.yaml` becomes the file's path under
    /// that directory (`CHART` is the chart's name; subcharts keep their `charts/` path).
    static func locateTemplates(_ objects: [KubernetesObject], file: String) -> [KubernetesObject] {
        guard file.hasSuffix(helmTemplateSuffix) else { return objects }
        let directory = String(file.dropLast(helmTemplateSuffix.count))
        return objects.map { object in
            var object = object
            if let template = object.template, let slash = template.firstIndex(of: "/") {
                object.template = directory + template[slash...]
            }
            return object
        }
    }

    /// Checks in-memory inputs as one deployment. `configuration` gives the rule parameters;
    /// `configurationFor` the per-file severities (default: `configuration`).
    /// The inputs are consumed: their bytes are released once parsed, before the rules run.
    public func check(
        inputs: consuming [(file: String, bytes: [UInt8])], configuration: CheckConfiguration,
        configurationFor: (@Sendable (String) -> CheckConfiguration)? = nil
    ) -> KubernetesReport {
        let files = inputs.map(\.file)
        let parsed = Self.parse(inputs, parser: parser)
        // Only the objects are needed from here on: drop this reference to the bytes.
        inputs = []
        var objects: [KubernetesObject] = []
        var reports: [String: FileReport] = [:]
        var order: [String] = []
        var skipped: [(String, String)] = []
        for (index, result) in parsed.enumerated() {
            let file = files[index]
            switch result {
            case .success(let manifest):
                if manifest.isKubernetes {
                    objects += Self.locateTemplates(manifest.objects, file: file)
                    if reports[file] == nil { order.append(file) }
                    reports[file] = FileReport(file: file, findings: [])
                } else {
                    skipped.append((file, "holds no Kubernetes object (no apiVersion and kind)"))
                }
            case .failure(let error):
                if reports[file] == nil { order.append(file) }
                reports[file] = FileReport(file: file, findings: [], error: error.description)
            case nil:
                break
            }
        }
        let unreadable = order.filter { reports[$0]?.error != nil }
        let findings = check(
            objects: objects, configuration: configuration, unreadable: unreadable, configurationFor: configurationFor)
        for (file, list) in findings.findings {
            reports[file]?.findings = list
        }
        for (file, count) in findings.suppressed { reports[file]?.suppressed = count }
        return KubernetesReport(reports: order.compactMap { reports[$0] }, skipped: skipped, objectCount: objects.count)
    }

    /// Parses every input, on all cores.
    static func parse(_ inputs: [(file: String, bytes: [UInt8])], parser: ManifestParser) -> [Result<
        ParsedManifest, BerthError
    >?] {
        let slots = ResultSlots<Result<ParsedManifest, BerthError>>(count: inputs.count)
        DispatchQueue.concurrentPerform(iterations: inputs.count) { index in
            let input = inputs[index]
            do {
                slots[index] = .success(try parser.parse(bytes: input.bytes, file: input.file))
            } catch let error as BerthError {
                slots[index] = .failure(error)
            } catch {
                slots[index] = .failure(
                    .invalidInput(location: SourceLocation(file: input.file, line: 1), reason: "\(error)"))
            }
        }
        return slots.all
    }

    /// Runs the rules over `objects`: findings by file, sorted, and suppressed counts by file.
    /// `unreadable` names inputs of the set that could not be read, whose objects no rule can see.
    public func check(
        objects: [KubernetesObject], configuration: CheckConfiguration, unreadable: [String] = [],
        configurationFor: (@Sendable (String) -> CheckConfiguration)? = nil
    ) -> (findings: [String: [Finding]], suppressed: [String: Int]) {
        let context = KubernetesContext(objects: objects, configuration: configuration, unreadable: unreadable)
        let suppressions = honourAnnotations ? objects.map(KubernetesSuppressions.init) : []
        let rules = self.rules
        let slots = ResultSlots<[KubernetesFinding]>(count: rules.count)
        DispatchQueue.concurrentPerform(iterations: rules.count) { index in
            let description = type(of: rules[index]).description
            guard configuration.severity(for: description) != nil || configurationFor != nil else { return }
            slots[index] = rules[index].check(context)
        }
        let perRule = slots.all.map { $0 ?? [] }
        var byFile: [String: [Finding]] = [:]
        var suppressed: [String: Int] = [:]
        var configurations: [String: CheckConfiguration] = [:]
        for (ruleIndex, list) in perRule.enumerated() {
            let description = type(of: rules[ruleIndex]).description
            for item in list {
                var finding = item.finding
                let file = finding.location.file
                let fileConfiguration: CheckConfiguration
                if let cached = configurations[file] {
                    fileConfiguration = cached
                } else {
                    fileConfiguration = configurationFor?(file) ?? configuration
                    configurations[file] = fileConfiguration
                }
                guard let severity = fileConfiguration.severity(for: description) else { continue }
                finding.severity = severity
                if item.object < suppressions.count,
                    suppressions[item.object].suppresses(rule: description.id, container: item.container)
                {
                    suppressed[file, default: 0] += 1
                    continue
                }
                byFile[file, default: []].append(finding)
            }
        }
        for key in byFile.keys {
            byFile[key]?.sort {
                ($0.location.line, $0.location.column, $0.rule, $0.message) < (
                    $1.location.line, $1.location.column, $1.rule, $1.message
                )
            }
            // One defect said once: a host named on several lines of a one-line (quoted) scalar
            // gives identical findings at the scalar's position.
            var unique: [Finding] = []
            for finding in byFile[key] ?? [] {
                if let last = unique.last, last.location == finding.location, last.rule == finding.rule,
                    last.message == finding.message
                {
                    continue
                }
                unique.append(finding)
            }
            byFile[key] = unique
        }
        return (byFile, suppressed)
    }
}

import BerthCore
import Foundation
import Rules

/// The data one audit judges: containers, images and engine facts, from files or an engine.
public struct AuditInput: Sendable {
    public var containers: [ContainerInspect]
    public var images: [ImageInspect]
    public var daemon: DaemonFacts?

    public init(containers: [ContainerInspect] = [], images: [ImageInspect] = [], daemon: DaemonFacts? = nil) {
        self.containers = containers
        self.images = images
        self.daemon = daemon
    }
}

/// One rule's verdict on one subject, for the verdict table and for comparisons.
public struct Evaluation: Sendable, Hashable {
    public var rule: String
    public var cis: String
    /// `container NAME`, `image NAME` or `daemon`.
    public var subject: String
    public var verdict: Verdict
    /// True when a `berth.dev/ignore` label silenced the findings.
    public var suppressed: Bool
}

/// What an audit produced: verdicts for every rule and subject, and the findings of the failures.
public struct AuditResult: Sendable {
    public var evaluations: [Evaluation]
    /// Findings, grouped by source the way `berth check` groups them by file.
    public var reports: [FileReport]
    public var suppressed: Int

    public var findings: [Finding] { reports.flatMap(\.findings) }
}

/// Runs the audit rules over an `AuditInput`, applying `.berth.yaml` settings and
/// `berth.dev/ignore` labels.
///
/// A container label `berth.dev/ignore: "audit-container-privileged -- reason"` (entries separated
/// by `;` or new lines, several rules by `,`) silences that rule for the container; an entry
/// without a reason silences nothing.
public struct Auditor: Sendable {
    public var rules: [any AuditRule]
    public var configuration: CheckConfiguration
    public var honourLabels: Bool

    /// The label read for suppressions.
    public static let ignoreLabel = "berth.dev/ignore"

    public init(
        rules: [any AuditRule] = AuditRules.all, configuration: CheckConfiguration = CheckConfiguration(),
        honourLabels: Bool = true
    ) {
        self.rules = rules
        self.configuration = configuration
        self.honourLabels = honourLabels
    }

    public func run(_ input: AuditInput) -> AuditResult {
        var evaluations: [Evaluation] = []
        var bySource: [String: [Finding]] = [:]
        var sources: [String] = []
        var suppressed = 0
        let context = AuditContext(daemon: input.daemon)

        func record(
            _ description: AuditRuleDescription, subject: String, source: String, verdict: Verdict,
            ignored: Set<String>
        ) {
            guard let severity = configuration.severity(for: description.rule) else { return }
            let silenced = ignored.contains(description.id)
            evaluations.append(
                Evaluation(
                    rule: description.id, cis: description.cis, subject: subject, verdict: verdict,
                    suppressed: silenced))
            guard case .fail(let violations) = verdict else { return }
            if silenced {
                suppressed += violations.count
                return
            }
            if bySource[source] == nil { sources.append(source) }
            for violation in violations {
                let configured = configuration.rules[description.id]
                let level: Severity
                if case .severity(let forced) = configured {
                    level = forced
                } else {
                    level = violation.severity ?? severity
                }
                bySource[source, default: []].append(
                    Finding(
                        rule: description.id, practice: description.rule.practice, severity: level,
                        message: "\(subject): \(violation.message) [\(violation.field); CIS \(description.cis)]",
                        fix: description.rule.fix, location: SourceLocation(file: source, line: 1)))
            }
        }

        if let daemon = input.daemon {
            for case let rule as any DaemonAuditRule in rules {
                let description = type(of: rule).description
                record(
                    description, subject: daemon.subject, source: daemon.source, verdict: rule.judge(daemon),
                    ignored: [])
            }
        }
        for image in input.images {
            for case let rule as any ImageAuditRule in rules {
                let description = type(of: rule).description
                record(
                    description, subject: image.subject, source: image.source, verdict: rule.judge(image), ignored: [])
            }
        }
        for container in input.containers {
            let ignored = honourLabels ? Self.ignored(container.labels[Self.ignoreLabel] ?? "") : []
            for case let rule as any ContainerAuditRule in rules {
                let description = type(of: rule).description
                record(
                    description, subject: container.subject, source: container.source,
                    verdict: rule.judge(container, context: context), ignored: ignored)
            }
        }
        let reports = sources.map { FileReport(file: $0, findings: bySource[$0] ?? []) }
        return AuditResult(evaluations: evaluations, reports: reports, suppressed: suppressed)
    }

    /// Rule ids named with a reason in a `berth.dev/ignore` label.
    static func ignored(_ text: String) -> Set<String> {
        var out: Set<String> = []
        for entry in text.split(whereSeparator: { $0 == "\n" || $0 == ";" }) {
            guard let separator = entry.range(of: "--") else { continue }
            guard !entry[separator.upperBound...].trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            for rule in entry[..<separator.lowerBound].split(whereSeparator: { $0 == "," || $0 == " " }) {
                out.insert(String(rule))
            }
        }
        return out
    }
}

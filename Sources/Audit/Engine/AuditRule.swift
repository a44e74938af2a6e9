import BerthCore

/// What an audit rule judges.
public enum AuditScope: String, Sendable, Hashable, CaseIterable {
    /// The engine: `daemon.json` and `GET /info` (CIS section 2, and 5.1).
    case daemon
    /// An image: inspect JSON and history (CIS section 4).
    case image
    /// A container: inspect JSON (CIS section 5).
    case container
}

/// Everything about one audit rule: the shared rule description plus its CIS Docker Benchmark ids.
public struct AuditRuleDescription: Sendable, Hashable {
    /// Id, practice, severity, texts and examples. Examples are inspect JSON (container, image) or
    /// daemon.json text; an example's `files["info"]` is the engine's `GET /info` answer.
    public var rule: RuleDescription
    /// The recommendation's number in CIS Docker Benchmark v1.6.0.
    public var cis: String
    /// Its number in v1.8.0 where that is known to differ; nil when not verified here.
    public var cisV180: String?
    public var scope: AuditScope
    /// The inspect or configuration fields the rule reads.
    public var fields: [String]

    public init(
        id: String, cis: String, cisV180: String? = nil, scope: AuditScope, practice: Practice = .cisBenchmark,
        severity: Severity, summary: String, rationale: String, fix: String, fields: [String],
        triggering: [RuleExample], nonTriggering: [RuleExample]
    ) {
        rule = RuleDescription(
            id: id, practice: practice, severity: severity, target: .engine, summary: summary, rationale: rationale,
            fix: fix, triggering: triggering, nonTriggering: nonTriggering)
        self.cis = cis
        self.cisV180 = cisV180
        self.scope = scope
        self.fields = fields
    }

    public var id: String { rule.id }
}

/// One thing a rule found wrong with its subject.
public struct Violation: Sendable, Hashable {
    /// One line, without the subject: the finding message prefixes it.
    public var message: String
    /// The inspect field at fault, e.g. `HostConfig.Privileged`.
    public var field: String
    /// Overrides the rule's default severity for this violation (e.g. a read-only sensitive mount).
    public var severity: Severity?

    public init(_ message: String, field: String, severity: Severity? = nil) {
        self.message = message
        self.field = field
        self.severity = severity
    }
}

/// A rule's judgement of one subject.
public enum Verdict: Sendable, Hashable {
    case pass
    case fail([Violation])
    /// The recommendation does not apply to this subject or engine (reason given).
    case notApplicable(String)
    /// The data at hand cannot answer it (reason given); never counted as a pass.
    case notDecidable(String)

    /// `fail` with one violation.
    public static func fail(_ message: String, field: String, severity: Severity? = nil) -> Verdict {
        .fail([Violation(message, field: field, severity: severity)])
    }

    /// A short word for tables: pass, fail, n/a, undecidable.
    public var word: String {
        switch self {
        case .pass: "pass"
        case .fail: "fail"
        case .notApplicable: "n/a"
        case .notDecidable: "undecidable"
        }
    }
}

/// What a rule may consult besides its subject.
public struct AuditContext: Sendable {
    /// The engine facts, when known (e.g. whether AppArmor or SELinux is enabled at all).
    public var daemon: DaemonFacts?

    public init(daemon: DaemonFacts? = nil) {
        self.daemon = daemon
    }
}

/// A CIS recommendation checked by Berth. One file, one type, one description.
public protocol AuditRule: Sendable {
    static var description: AuditRuleDescription { get }
    init()
}

/// A rule over one container's inspect data (CIS section 5, and 4.1 as docker-bench checks it).
public protocol ContainerAuditRule: AuditRule {
    func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict
}

/// A rule over one image's configuration and history (CIS section 4).
public protocol ImageAuditRule: AuditRule {
    func judge(_ image: ImageInspect) -> Verdict
}

/// A rule over the engine's configuration (CIS section 2, and 5.1).
public protocol DaemonAuditRule: AuditRule {
    func judge(_ daemon: DaemonFacts) -> Verdict
}

/// A recommendation no rule automates: listed in the docs and the output, never passed silently.
public struct ManualRecommendation: Sendable, Hashable {
    public var cis: String
    public var title: String
    /// Why engine data cannot answer it.
    public var reason: String
}

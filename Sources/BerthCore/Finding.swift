/// How serious a finding is. Ordered: `info < warning < error`.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case info
    case warning
    case error

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .error: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// One problem a rule found, at an exact place.
public struct Finding: Sendable, Hashable {
    /// The rule's stable id.
    public var rule: String
    /// The practice the rule enforces.
    public var practice: Practice
    public var severity: Severity
    /// One line saying what is wrong here.
    public var message: String
    /// How to fix it.
    public var fix: String
    /// Where: file, 1-based line and column.
    public var location: SourceLocation
    /// Last line of the offending construct (>= `location.line`).
    public var endLine: Int
    /// For an object rendered by `helm template`, the chart template it came from (its
    /// `# Source:` comment, as a path under the chart directory when Berth rendered the chart).
    public var template: String?

    public init(
        rule: String, practice: Practice, severity: Severity, message: String, fix: String,
        location: SourceLocation, endLine: Int? = nil
    ) {
        self.rule = rule
        self.practice = practice
        self.severity = severity
        self.message = message
        self.fix = fix
        self.location = location
        self.endLine = max(location.line, endLine ?? location.line)
    }
}

/// A rule's example input, used in documentation and run as a test.
public struct RuleExample: Sendable, Hashable {
    /// The input. In a triggering example, lines where a finding is expected start with `↓`.
    public var text: String
    /// Extra files beside the input (for rules that read scripts from the build context).
    public var files: [String: String]
    /// Configuration to apply, as `.berth.yaml` text.
    public var configuration: String?

    public init(_ text: String, files: [String: String] = [:], configuration: String? = nil) {
        self.text = text
        self.files = files
        self.configuration = configuration
    }

    /// The input with the `↓` markers removed.
    public var cleanText: String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("↓") ? String($0.dropFirst()) : String($0) }
            .joined(separator: "\n")
    }

    /// The 1-based lines marked with `↓`.
    public var markedLines: [Int] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .filter { $0.element.hasPrefix("↓") }.map { $0.offset + 1 }
    }
}

/// What kind of input a rule reads.
public enum RuleTarget: String, Sendable, Codable, Hashable {
    case dockerfile
    case kubernetes
    /// Container engine data: daemon configuration, image and container inspect JSON (`berth audit`).
    case engine
}

/// Everything a user or a document needs to know about one rule.
public struct RuleDescription: Sendable, Hashable {
    /// Stable id, e.g. `dockerfile-user-missing`.
    public var id: String
    public var practice: Practice
    public var severity: Severity
    public var target: RuleTarget
    /// One line: what the rule reports.
    public var summary: String
    /// Why it matters, citing the practice.
    public var rationale: String
    /// How to fix a finding.
    public var fix: String
    /// Inputs that must trigger the rule, with `↓` marking the expected lines.
    public var triggering: [RuleExample]
    /// Inputs that must not trigger it.
    public var nonTriggering: [RuleExample]
    /// hadolint codes whose `# hadolint ignore=` pragmas also silence this rule.
    public var hadolintCodes: [String]

    public init(
        id: String, practice: Practice, severity: Severity, target: RuleTarget, summary: String,
        rationale: String, fix: String, triggering: [RuleExample], nonTriggering: [RuleExample],
        hadolintCodes: [String] = []
    ) {
        self.id = id
        self.practice = practice
        self.severity = severity
        self.target = target
        self.summary = summary
        self.rationale = rationale
        self.fix = fix
        self.triggering = triggering
        self.nonTriggering = nonTriggering
        self.hadolintCodes = hadolintCodes
    }

    /// Where the rule is documented online: its anchor in docs/rules.md at ``BerthProject/repositoryURL``,
    /// or nil when no public address is configured (the rule's full text is then carried as SARIF `help`).
    public var helpURI: String? {
        BerthProject.repositoryURL.map { "\($0)/blob/main/docs/rules.md#\(id)" }
    }
}

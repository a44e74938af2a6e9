import BerthCore

/// The audit rule catalogue as text: `berth audit --list-rules` and docs/audit-rules.md.
public enum AuditCatalog {
    /// One line per rule, then the manual recommendations.
    public static func list() -> String {
        let rules = AuditRules.descriptions
        let width = rules.map(\.id.count).max() ?? 0
        var out = ""
        for rule in rules {
            out += rule.cis.padding(toLength: 5, withPad: " ", startingAt: 0) + "  "
            out += rule.id.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
            out += rule.rule.severity.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0) + "  "
            out += rule.rule.summary + "\n"
        }
        for manual in AuditRules.manual {
            out += manual.cis.padding(toLength: 5, withPad: " ", startingAt: 0) + "  "
            out += "(manual)".padding(toLength: width, withPad: " ", startingAt: 0) + "  "
            out += "".padding(toLength: 7, withPad: " ", startingAt: 0) + "  " + manual.title + "\n"
        }
        return out
    }

    /// docs/audit-rules.md.
    public static func markdown() -> String {
        var out = "# Audit rules\n\n"
        out += "Generated from the rule descriptions by `berth audit --list-rules --markdown`; do not edit by hand.\n"
        out += "A test fails when this file is stale. CIS ids are CIS Docker Benchmark v1.6.0.\n\n"
        out += "| CIS | id | scope | practice | severity | reads | summary |\n|---|---|---|---|---|---|---|\n"
        for rule in AuditRules.descriptions {
            out +=
                "| \(rule.cis) | [`\(rule.id)`](#\(rule.id)) | \(rule.scope.rawValue) | `\(rule.rule.practice.rawValue)` | "
            out += "\(rule.rule.severity.rawValue) | \(rule.fields.map { "`\($0)`" }.joined(separator: ", ")) | "
            out += "\(rule.rule.summary) |\n"
        }
        out +=
            "\n## Manual recommendations\n\nListed in every `--verdicts` table as `manual`; never passed silently.\n\n"
        out += "| CIS | recommendation | why engine data cannot answer it |\n|---|---|---|\n"
        for manual in AuditRules.manual { out += "| \(manual.cis) | \(manual.title) | \(manual.reason) |\n" }
        for rule in AuditRules.descriptions {
            out += "\n## \(rule.id)\n\n"
            out += "CIS \(rule.cis)"
            if let renumbered = rule.cisV180 { out += " (v1.8.0: \(renumbered))" }
            out +=
                "; practice `\(rule.rule.practice.rawValue)`, default severity **\(rule.rule.severity.rawValue)**.\n\n"
            out += rule.rule.summary.prefix(1).uppercased() + rule.rule.summary.dropFirst() + ".\n\n"
            out += "**Why.** " + rule.rule.rationale + "\n\n**Fix.** " + rule.rule.fix + "\n"
            let label = rule.scope == .daemon ? "daemon.json" : "inspect JSON"
            for example in rule.rule.triggering {
                out += "\nFlagged (\(label)):\n\n```json\n" + example.cleanText + "\n```\n"
                if let info = example.files["info"] { out += "\nwith `GET /info`:\n\n```json\n" + info + "\n```\n" }
            }
            for example in rule.rule.nonTriggering {
                out += "\nNot flagged:\n\n```json\n" + example.cleanText + "\n```\n"
                if let info = example.files["info"] { out += "\nwith `GET /info`:\n\n```json\n" + info + "\n```\n" }
            }
        }
        return out
    }
}

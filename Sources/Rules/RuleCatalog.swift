import BerthCore

/// The rule catalogue as text: `berth rules ID` and docs/rules.md come from the descriptions.
public enum RuleCatalog {
    /// Everything about one rule, for a terminal.
    public static func explain(_ rule: RuleDescription) -> String {
        var out =
            "\(rule.id)  (\(rule.target.rawValue), practice \(rule.practice.rawValue), severity \(rule.severity.rawValue))\n\n"
        out += rule.summary + "\n\nWhy: " + rule.rationale + "\n\nFix: " + rule.fix + "\n"
        if !rule.hadolintCodes.isEmpty {
            out += "\nAlso silenced by: # hadolint ignore=\(rule.hadolintCodes.joined(separator: ","))\n"
        }
        for example in rule.triggering.prefix(2) {
            out += "\nFlagged (marked line):\n" + indent(example.text)
        }
        for example in rule.nonTriggering.prefix(2) {
            out += "\nNot flagged:\n" + indent(example.cleanText)
        }
        return out
    }

    static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
            .trimmingTrailingSpaces() + "\n"
    }

    /// docs/rules.md.
    public static func markdown(_ rules: [RuleDescription]) -> String {
        var out = "# Rules\n\n"
        out += "Generated from the rule descriptions by `berth rules --markdown`; do not edit by hand.\n"
        out += "A test fails when this file is stale.\n\n"
        out += "| id | practice | severity | summary |\n|---|---|---|---|\n"
        for rule in rules {
            out +=
                "| [`\(rule.id)`](#\(rule.id)) | `\(rule.practice.rawValue)` | \(rule.severity.rawValue) | \(rule.summary) |\n"
        }
        for rule in rules {
            let language = rule.target == .kubernetes ? "yaml" : "dockerfile"
            out += "\n## \(rule.id)\n\n"
            out += "Practice `\(rule.practice.rawValue)`, default severity **\(rule.severity.rawValue)**"
            if !rule.hadolintCodes.isEmpty {
                out += "; `# hadolint ignore=\(rule.hadolintCodes.joined(separator: ","))` also silences it"
            }
            out += ".\n\n" + rule.summary.prefix(1).uppercased() + rule.summary.dropFirst() + ".\n\n"
            out += "**Why.** " + rule.rationale + "\n\n**Fix.** " + rule.fix + "\n"
            for example in rule.triggering {
                out +=
                    "\nFlagged (the marked line):\n\n```\(language)\n" + example.text.trimmingTrailingNewlines()
                    + "\n```\n"
                if let configuration = example.configuration {
                    out += "\nwith `.berth.yaml`:\n\n```yaml\n" + configuration.trimmingTrailingNewlines() + "\n```\n"
                }
            }
            for example in rule.nonTriggering {
                out += "\nNot flagged:\n\n```\(language)\n" + example.cleanText.trimmingTrailingNewlines() + "\n```\n"
                if let configuration = example.configuration {
                    out += "\nwith `.berth.yaml`:\n\n```yaml\n" + configuration.trimmingTrailingNewlines() + "\n```\n"
                }
            }
        }
        return out
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var text = self
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    fileprivate func trimmingTrailingSpaces() -> String {
        split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var line = String(line)
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}

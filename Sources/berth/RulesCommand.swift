import ArgumentParser
import Audit
import BerthCore
import Render
import Rules

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List the rules, or explain one.",
        discussion:
            "Without an id: one line per rule (id, practice, severity, summary). With an id: everything about it."
    )

    @Argument(help: "A rule id to explain.")
    var id: String?

    @Flag(help: "Print the rule catalogue as Markdown (the source of docs/rules.md).")
    var markdown = false

    @Flag(help: "Print the practice catalogue as Markdown (the source of docs/practices.md).")
    var practices = false

    func validate() throws {
        if markdown && practices { throw ValidationError("--markdown and --practices print different documents") }
    }

    func run() throws {
        if practices {
            Terminal.write(PracticeCatalog.markdown(rules: BuiltInRules.descriptions, renderChoices: RenderChoices.all))
            return
        }
        if markdown {
            Terminal.write(RuleCatalog.markdown(BuiltInRules.descriptions))
            return
        }
        // docs/rules.md holds the check rules; the audit rules are in docs/audit-rules.md.
        let rules = BuiltInRules.descriptions + AuditRules.descriptions.map(\.rule)
        guard let id else {
            let width = rules.map(\.id.count).max() ?? 0
            let practiceWidth = rules.map(\.practice.rawValue.count).max() ?? 0
            var out = ""
            for rule in rules {
                out += rule.id.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                out += rule.practice.rawValue.padding(toLength: practiceWidth, withPad: " ", startingAt: 0) + "  "
                out +=
                    rule.severity.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0) + "  " + rule.summary
                    + "\n"
            }
            Terminal.write(out)
            return
        }
        guard let rule = rules.first(where: { $0.id == id || $0.hadolintCodes.contains(id) }) else {
            Terminal.error("unknown rule '\(id)' (berth rules lists them)")
            throw ExitCode(2)
        }
        Terminal.write(RuleCatalog.explain(rule))
    }
}

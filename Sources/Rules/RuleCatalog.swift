import BerthCore

/// The rule catalogue as text: `berth rules ID` and docs/rules.md come from the descriptions.
public enum RuleCatalog {
    /// Former rule ids and the rules each was split into, so that one id means one check. A former
    /// id keeps working wherever a rule id is written (`.berth.yaml` rules, `# berth:ignore`,
    /// `berth.dev/ignore`) and stands for every rule it lists; old findings map to new ids through it.
    public static let aliases: [String: [String]] = [
        "dockerfile-image-unpinned": ["dockerfile-image-untagged", "dockerfile-image-latest"],
        "kubernetes-image-unpinned": ["kubernetes-image-untagged", "kubernetes-image-latest"],
        "kubernetes-shared-storage": [
            "kubernetes-single-writer-claim-shared", "kubernetes-shared-data-pod-local",
            "kubernetes-storage-class-missing",
        ],
        "kubernetes-autoscaling": [
            "kubernetes-hpa-target-incomplete", "kubernetes-hpa-min-above-max", "kubernetes-hpa-not-cpu",
            "kubernetes-hpa-alpha-annotation", "kubernetes-hpa-cpu-request-missing", "kubernetes-hpa-missing",
        ],
        "kubernetes-rollout": [
            "kubernetes-revision-history-zero", "kubernetes-recreate-strategy", "kubernetes-rollout-readiness-missing",
            "kubernetes-max-unavailable-all",
        ],
        "kubernetes-dangling-reference": [
            "kubernetes-service-selector-unmatched", "kubernetes-service-target-port-undeclared",
            "kubernetes-pdb-selector-unmatched", "kubernetes-network-policy-selector-unmatched",
            "kubernetes-hpa-target-missing", "kubernetes-probe-port-undeclared", "kubernetes-service-account-missing",
            "kubernetes-role-binding-role-missing", "kubernetes-role-binding-subject-missing",
            "kubernetes-route-parent-missing", "kubernetes-route-backend-missing", "kubernetes-ingress-backend-missing",
            "kubernetes-config-service-host-missing",
        ],
        "kubernetes-exposure": [
            "kubernetes-http-service-exposed", "kubernetes-gateway-tls-missing", "kubernetes-host-port",
            "kubernetes-ingress-tls-missing",
        ],
        "kubernetes-run-as-root": [
            "kubernetes-run-as-user-root", "kubernetes-run-as-non-root-false", "kubernetes-run-as-non-root-unset",
        ],
        "kubernetes-privilege": [
            "kubernetes-privileged-container", "kubernetes-privilege-escalation-allowed",
            "kubernetes-capabilities-added", "kubernetes-capabilities-not-dropped", "kubernetes-host-namespace",
            "kubernetes-host-path", "kubernetes-seccomp-unconfined", "kubernetes-rbac-wildcard",
            "kubernetes-hardening-unset",
        ],
        "kubernetes-config-not-from-configmap": [
            "kubernetes-config-on-local-volume", "kubernetes-configmap-missing", "kubernetes-wso2-config-baked-in",
        ],
        "kubernetes-deprecated-api": ["kubernetes-api-removed", "kubernetes-api-superseded"],
    ]

    /// The former ids that stand for rule `id` (empty for a rule that was never renamed).
    public static func formerIDs(of id: String) -> [String] {
        formerIDsByRule[id] ?? []
    }

    /// The rule ids `id` stands for: the rules of a former id, else `id` itself.
    public static func expand(_ id: String) -> [String] {
        aliases[id] ?? [id]
    }

    private static let formerIDsByRule: [String: [String]] = {
        var out: [String: [String]] = [:]
        for (alias, ids) in aliases.sorted(by: { $0.key < $1.key }) {
            for id in ids { out[id, default: []].append(alias) }
        }
        return out
    }()

    /// Everything about one rule, for a terminal.
    public static func explain(_ rule: RuleDescription) -> String {
        var out =
            "\(rule.id)  (\(rule.target.rawValue), practice \(rule.practice.rawValue), severity \(rule.severity.rawValue))\n\n"
        out += rule.summary + "\n\nWhy: " + rule.rationale + "\n\nFix: " + rule.fix + "\n"
        if !rule.hadolintCodes.isEmpty {
            out += "\nAlso silenced by: # hadolint ignore=\(rule.hadolintCodes.joined(separator: ","))\n"
        }
        let former = formerIDs(of: rule.id)
        if !former.isEmpty {
            out +=
                "\nFormerly part of: \(former.joined(separator: ", ")) (still accepted in configuration and ignores)\n"
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

    /// The other manifests of a Kubernetes example's set, each under its file name.
    static func besideFiles(_ example: RuleExample, _ rule: RuleDescription) -> String {
        guard rule.target == .kubernetes else { return "" }
        return example.files.sorted { $0.key < $1.key }.map { name, text in
            "\nchecked together with `\(name)`:\n\n```yaml\n" + text.trimmingTrailingNewlines() + "\n```\n"
        }.joined()
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
        let known = Set(rules.map(\.id))
        let aliases = Self.aliases.filter { $0.value.contains(where: known.contains) }.sorted { $0.key < $1.key }
        if !aliases.isEmpty {
            out += "\n## Aliases\n\n"
            out += "Former rule ids, each split into rules that make one check. A former id still works in\n"
            out += "`.berth.yaml` (`rules:`), in `# berth:ignore` comments and in the `berth.dev/ignore`\n"
            out += "annotation, and stands for every rule it expands to; a setting or ignore written with a\n"
            out += "new id wins over one written with the former id.\n\n"
            out += "| former id | expands to |\n|---|---|\n"
            for (alias, ids) in aliases {
                out += "| `\(alias)` | " + ids.map { "[`\($0)`](#\($0))" }.joined(separator: ", ") + " |\n"
            }
        }
        for rule in rules {
            let language = rule.target == .kubernetes ? "yaml" : "dockerfile"
            out += "\n## \(rule.id)\n\n"
            out += "Practice `\(rule.practice.rawValue)`, default severity **\(rule.severity.rawValue)**"
            if !rule.hadolintCodes.isEmpty {
                out += "; `# hadolint ignore=\(rule.hadolintCodes.joined(separator: ","))` also silences it"
            }
            let former = formerIDs(of: rule.id)
            if !former.isEmpty {
                out +=
                    "; formerly part of " + former.map { "`\($0)`" }.joined(separator: ", ")
                    + ", which still selects it"
            }
            out += ".\n\n" + rule.summary.prefix(1).uppercased() + rule.summary.dropFirst() + ".\n\n"
            out += "**Why.** " + rule.rationale + "\n\n**Fix.** " + rule.fix + "\n"
            for example in rule.triggering {
                out +=
                    "\nFlagged (the marked line):\n\n```\(language)\n" + example.text.trimmingTrailingNewlines()
                    + "\n```\n"
                out += besideFiles(example, rule)
                if let configuration = example.configuration {
                    out += "\nwith `.berth.yaml`:\n\n```yaml\n" + configuration.trimmingTrailingNewlines() + "\n```\n"
                }
            }
            for example in rule.nonTriggering {
                out += "\nNot flagged:\n\n```\(language)\n" + example.cleanText.trimmingTrailingNewlines() + "\n```\n"
                out += besideFiles(example, rule)
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

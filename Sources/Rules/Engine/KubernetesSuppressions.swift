import Foundation
import Kubernetes

/// Suppressions written as annotations, on the object or on its pod template:
///
/// ```yaml
/// metadata:
///   annotations:
///     berth.dev/ignore: |
///       kubernetes-probes-missing:log-shipper -- the sidecar serves no port
///       kubernetes-network-policy-missing -- policies live in the platform repository
/// ```
///
/// Each line (or `;`-separated entry) is `RULE[,RULE][:CONTAINER] -- reason`. A container name
/// scopes the entry to that container's findings. An entry without a reason suppresses nothing.
/// A former rule id (`RuleCatalog.aliases`) stands for every rule it was split into.
public struct KubernetesSuppressions: Sendable {
    /// The annotation read.
    public static let annotation = "berth.dev/ignore"

    struct Entry: Sendable, Equatable {
        var rule: String
        var container: String?
    }

    var entries: [Entry]

    public init(object: KubernetesObject) {
        var texts: [String] = []
        if let text = object.annotations[Self.annotation] { texts.append(text) }
        if let text = object.pod?.annotations[Self.annotation], object.kind != "Pod" { texts.append(text) }
        entries = texts.flatMap(Self.parse)
    }

    static func parse(_ text: String) -> [Entry] {
        var out: [Entry] = []
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == ";" }) {
            guard let separator = raw.range(of: "--") else { continue }
            let reason = raw[separator.upperBound...].trimmingCharacters(in: .whitespaces)
            guard !reason.isEmpty else { continue }
            for item in raw[..<separator.lowerBound].split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) {
                let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
                guard let rule = parts.first, !rule.isEmpty else { continue }
                out.append(Entry(rule: rule, container: parts.count > 1 ? parts[1] : nil))
            }
        }
        return out
    }

    /// True when `rule` is silenced for the object, or for `container` in it. An entry naming a
    /// former id (`RuleCatalog.aliases`) silences every rule split from it.
    public func suppresses(rule: String, container: String?) -> Bool {
        let names = [rule] + RuleCatalog.formerIDs(of: rule)
        return entries.contains { entry in
            names.contains(entry.rule) && (entry.container == nil || entry.container == container)
        }
    }
}

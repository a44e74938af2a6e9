import BerthCore

/// Inline suppressions in a Dockerfile:
///
/// - `# berth:ignore RULE[,RULE] -- reason` in the comment block right above an instruction;
/// - `# berth:ignore-file RULE[,RULE] -- reason` anywhere, for the whole file;
/// - `# hadolint ignore=DL3006,DL3007` and `# hadolint global ignore=...`, for the Berth rules that
///   map to those hadolint codes.
///
/// A former rule id (`RuleCatalog.aliases`) silences every rule it was split into.
public struct Suppressions: Sendable {
    /// Rule ids (or hadolint codes) silenced on the instruction starting at a line.
    var byLine: [Int: Set<String>] = [:]
    /// Rule ids (or hadolint codes) silenced for the whole file.
    var fileWide: Set<String> = []

    public init(source: String) {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        var pending: Set<String> = []
        for (offset, rawLine) in lines.enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") {
                let body = line.dropFirst().trimmingCharacters(in: .whitespaces)
                if let ids = Self.ids(after: "berth:ignore-file", in: body) {
                    fileWide.formUnion(ids)
                } else if let ids = Self.ids(after: "berth:ignore", in: body) {
                    pending.formUnion(ids)
                } else if let ids = Self.hadolintIDs(after: "hadolint global ignore=", in: body) {
                    fileWide.formUnion(ids)
                } else if let ids = Self.hadolintIDs(after: "hadolint ignore=", in: body) {
                    pending.formUnion(ids)
                }
                continue
            }
            if line.isEmpty {
                // A blank line ends the comment block a pragma belongs to.
                pending = []
                continue
            }
            if !pending.isEmpty {
                byLine[offset + 1] = pending
                pending = []
            }
        }
    }

    /// True when `rule` is silenced for an instruction starting at `line`.
    public func suppresses(_ rule: RuleDescription, line: Int) -> Bool {
        let names = Set([rule.id] + rule.hadolintCodes + RuleCatalog.formerIDs(of: rule.id))
        if !fileWide.isDisjoint(with: names) { return true }
        if let ids = byLine[line], !ids.isDisjoint(with: names) { return true }
        return false
    }

    static func ids(after keyword: String, in body: String) -> Set<String>? {
        guard body.hasPrefix(keyword) else { return nil }
        var rest = body.dropFirst(keyword.count)
        guard rest.first == " " || rest.first == "\t" else { return nil }
        if let reason = rest.range(of: "--") { rest = rest[..<reason.lowerBound] }
        let ids = rest.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }).map(String.init)
        return ids.isEmpty ? nil : Set(ids)
    }

    static func hadolintIDs(after keyword: String, in body: String) -> Set<String>? {
        guard body.hasPrefix(keyword) else { return nil }
        let rest = body.dropFirst(keyword.count)
        let list = rest.prefix { !$0.isWhitespace && $0 != "#" }
        let ids = list.split(separator: ",").map(String.init)
        return ids.isEmpty ? nil : Set(ids)
    }
}

import BerthCore
import Foundation

/// Reads saved JSON files into an `AuditInput`: `docker inspect` / `podman inspect` output,
/// daemon.json and `docker image inspect` output.
public enum AuditFiles {
    /// Files larger than this are refused rather than read into memory.
    public static let maxFileBytes = 512 << 20

    static func read(_ path: String) throws -> Data {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw AuditError.unreadable(file: path, reason: "no such file")
        }
        if let size = attributes[.size] as? Int, size > maxFileBytes {
            throw AuditError.unreadable(
                file: path, reason: "\(size) bytes is more than the \(maxFileBytes >> 20) MiB limit")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditError.unreadable(file: path, reason: "permission denied or not a regular file")
        }
        return data
    }

    /// Containers, images and daemon facts from files. The daemon facts name the engine the
    /// containers came from when they agree.
    public static func load(
        inspect: [String], daemonConfig: String?, imageInspect: [String], engineInfo: String? = nil
    ) throws -> AuditInput {
        var containers: [ContainerInspect] = []
        for path in inspect { containers += try ContainerInspect.decodeAll(try read(path), file: path) }
        var images: [ImageInspect] = []
        for path in imageInspect { images += try ImageInspect.decodeAll(try read(path), file: path) }
        var daemon: DaemonFacts?
        let configuration = try daemonConfig.map { try DaemonConfiguration.decode(try read($0), file: $0) }
        let info = try engineInfo.map { try EngineInfo.decode(try read($0), file: $0) }
        if let source = daemonConfig ?? engineInfo {
            let engines = Set(containers.map(\.engine)).subtracting([.unknown])
            let engine = info?.engine ?? (engines.count == 1 ? engines.first ?? .unknown : .unknown)
            daemon = DaemonFacts(engine: engine, source: source, configuration: configuration, info: info)
        }
        return AuditInput(containers: containers, images: images, daemon: daemon)
    }
}

/// Text views of an audit: the verdict table and the notes printed beside a report.
public enum AuditText {
    /// One line per rule and subject: CIS id, rule, subject, verdict and, for anything but a pass,
    /// why; then the manual recommendations.
    public static func verdicts(_ result: AuditResult) -> String {
        var rows: [(String, String, String, String, String)] = []
        for evaluation in result.evaluations {
            let detail: String
            switch evaluation.verdict {
            case .pass: detail = ""
            case .fail(let violations): detail = violations.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
            case .notApplicable(let reason), .notDecidable(let reason): detail = reason
            }
            let word = evaluation.suppressed ? "suppressed" : evaluation.verdict.word
            rows.append((evaluation.cis, evaluation.rule, evaluation.subject, word, detail))
        }
        for manual in AuditRules.manual {
            rows.append((manual.cis, "-", "-", "manual", "\(manual.title): \(manual.reason)"))
        }
        var widths = [0, 0, 0, 0]
        for row in rows {
            widths[0] = max(widths[0], row.0.count)
            widths[1] = max(widths[1], row.1.count)
            widths[2] = max(widths[2], row.2.count)
            widths[3] = max(widths[3], row.3.count)
        }
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        var out = ""
        for row in rows {
            var line = pad(row.0, widths[0]) + "  " + pad(row.1, widths[1]) + "  " + pad(row.2, widths[2])
            line += "  " + pad(row.3, widths[3]) + "  " + row.4
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }

    /// A one-paragraph note: what was audited, what could not be decided, what is manual.
    public static func note(_ input: AuditInput, _ result: AuditResult) -> String {
        let engines = Set(input.containers.map(\.engine.rawValue) + [input.daemon?.engine.rawValue].compactMap { $0 })
        let undecidable = result.evaluations.filter {
            if case .notDecidable = $0.verdict { return true }
            return false
        }
        var text = "audited \(input.containers.count) container\(input.containers.count == 1 ? "" : "s"), "
        text += "\(input.images.count) image\(input.images.count == 1 ? "" : "s")"
        text += input.daemon == nil ? ", no daemon facts" : ", the daemon"
        if !engines.isEmpty { text += " (engine: \(engines.sorted().joined(separator: ", ")))" }
        if !undecidable.isEmpty {
            let rules = Set(undecidable.map(\.cis)).sorted { $0.compare($1, options: .numeric) == .orderedAscending }
            text += "; not decidable from this data: CIS \(rules.joined(separator: ", ")) (--verdicts says why)"
        }
        text += "; manual, not checked: CIS \(AuditRules.manual.map(\.cis).joined(separator: ", "))"
        return text + "\n"
    }
}

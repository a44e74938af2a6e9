import BerthCore
import Dockerfile
import Foundation

/// Runs Dockerfile rules over files, applying configuration and suppressions.
public struct DockerfileChecker: Sendable {
    public var rules: [any DockerfileRule]
    public var honourInlineIgnores: Bool
    let parser = DockerfileParser()

    public init(rules: [any DockerfileRule] = BuiltInRules.dockerfile, honourInlineIgnores: Bool = true) {
        self.rules = rules
        self.honourInlineIgnores = honourInlineIgnores
    }

    /// Checks Dockerfile text.
    public func check(
        bytes: [UInt8], file: String, configuration: CheckConfiguration,
        readContextFile: @escaping @Sendable (String) -> String? = { _ in nil }
    ) -> FileReport {
        let parsed: ParsedDockerfile
        do {
            parsed = try parser.parse(bytes: bytes, file: file)
        } catch {
            return FileReport(file: file, findings: [], error: error.description)
        }
        let context = DockerfileContext(
            file: file, parsed: parsed, configuration: configuration, readContextFile: readContextFile)
        let suppressions = honourInlineIgnores ? Suppressions(source: String(decoding: bytes, as: UTF8.self)) : nil
        var findings: [Finding] = []
        var suppressed = 0
        for rule in rules {
            let description = type(of: rule).description
            guard let severity = configuration.severity(for: description) else { continue }
            for var finding in rule.check(context) {
                if let suppressions, suppressions.suppresses(description, line: finding.location.line) {
                    suppressed += 1
                    continue
                }
                finding.severity = severity
                findings.append(finding)
            }
        }
        findings.sort {
            ($0.location.line, $0.location.column, $0.rule) < ($1.location.line, $1.location.column, $1.rule)
        }
        return FileReport(file: file, findings: findings, suppressed: suppressed)
    }

    /// Checks a Dockerfile on disk; its directory is the build context for scripts it copies.
    public func check(path: String, configuration: CheckConfiguration) -> FileReport {
        let bytes: [UInt8]
        do {
            bytes = try BoundedInput.read(path, limit: parser.options.maxBytes ?? (8 << 20))
        } catch {
            return FileReport(file: path, findings: [], error: error.description)
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return check(
            bytes: bytes, file: path, configuration: configuration,
            readContextFile: { relative in
                let resolved = URL(fileURLWithPath: relative, relativeTo: URL(fileURLWithPath: directory + "/"))
                    .standardizedFileURL.path
                // Only files inside the build context.
                guard resolved.hasPrefix(directory + "/") else { return nil }
                guard let data = FileManager.default.contents(atPath: resolved), data.count < 1 << 20 else {
                    return nil
                }
                return String(data: data, encoding: .utf8)
            })
    }
}

import BerthCore
import Dockerfile

/// A rule over one Dockerfile. One file, one type, one description.
public protocol DockerfileRule: Sendable {
    /// Id, practice, severity, texts and examples.
    static var description: RuleDescription { get }
    init()
    /// The findings for the file; severity and suppressions are applied by the checker.
    func check(_ context: DockerfileContext) -> [Finding]
}

extension DockerfileRule {
    public var description: RuleDescription { Self.description }
}

/// What a Dockerfile rule sees: the parsed file, its stages, configuration, and the build context.
public final class DockerfileContext: @unchecked Sendable {
    public let file: String
    public let parsed: ParsedDockerfile
    public let stages: [Stage]
    public let configuration: CheckConfiguration
    /// Reads a file of the build context (the Dockerfile's directory), or nil when it cannot.
    public let readContextFile: @Sendable (String) -> String?
    private var scripts: [Int: ShellScript] = [:]
    private var scopes: [Int: BuildScope] = [:]
    var downloadsByStage: [Int: [Download]] = [:]

    public init(
        file: String, parsed: ParsedDockerfile, configuration: CheckConfiguration,
        readContextFile: @escaping @Sendable (String) -> String? = { _ in nil }
    ) {
        self.file = file
        self.parsed = parsed
        self.stages = parsed.stages()
        self.configuration = configuration
        self.readContextFile = readContextFile
    }

    /// The last stage: what the image is.
    public var finalStage: Stage? { stages.last }

    /// The final stage and the stages it is built FROM, nearest first: everything whose layers ship.
    public var shippedStages: [Stage] {
        guard var stage = finalStage else { return [] }
        var chain = [stage]
        var seen: Set<Int> = [stage.index]
        while let parent = stage.parentStage, !seen.contains(parent) {
            stage = stages[parent]
            chain.append(stage)
            seen.insert(parent)
        }
        return chain
    }

    /// Instructions of the shipped stages, in file order.
    public var shippedInstructions: [Instruction] {
        shippedStages.reversed().flatMap { [$0.from] + $0.instructions }
    }

    /// The shell script a RUN instruction runs: its shell-form text, its heredoc bodies, or its
    /// exec-form words as one command.
    public func script(of instruction: Instruction) -> ShellScript {
        if let cached = scripts[instruction.startLine] { return cached }
        var text: String
        if instruction.isJSON {
            text = instruction.arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
                .joined(separator: " ")
        } else {
            text = instruction.arguments.joined(separator: " ")
            for heredoc in instruction.heredocs {
                text += "\n" + heredoc.effectiveContent
            }
        }
        let script = ShellScript(text)
        scripts[instruction.startLine] = script
        return script
    }

    /// The variables in scope before the instruction at `position` of `stage` (cached).
    public func scope(before position: Int, in stage: Stage) -> BuildScope {
        let key = stage.index << 20 | position
        if let cached = scopes[key] { return cached }
        let scope = parsed.scope(before: position, in: stage, of: stages)
        scopes[key] = scope
        return scope
    }

    /// A finding for `rule` at `instruction`.
    public func finding(
        _ rule: RuleDescription, at instruction: Instruction, message: String? = nil, line: Int? = nil
    ) -> Finding {
        Finding(
            rule: rule.id, practice: rule.practice, severity: rule.severity, message: message ?? rule.summary,
            fix: rule.fix,
            location: SourceLocation(
                file: file, line: line ?? instruction.startLine, column: line == nil ? instruction.column : 1),
            endLine: line ?? instruction.endLine)
    }

    /// True when `image` is a WSO2 product image: `wso2/...`, `docker.wso2.com/...`, or configured.
    public func isWSO2Image(_ image: String) -> Bool { configuration.isWSO2Image(image) }
}

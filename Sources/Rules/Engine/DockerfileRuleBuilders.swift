import BerthCore
import Dockerfile

/// A rule that judges one instruction at a time: the builder visits every instruction whose keyword
/// the rule names (FROM lines included), in file order, and reports each message the rule returns at
/// that instruction.
public protocol InstructionRule: DockerfileRule {
    /// The keywords of the instructions the rule judges, upper case.
    static var keywords: Set<String> { get }
    /// The message of a finding at `instruction`, or nil when it is fine. `stage` is the stage the
    /// instruction belongs to; nil before the first FROM.
    func problem(with instruction: Instruction, in stage: Stage?, context: DockerfileContext) -> String?
}

extension InstructionRule {
    public func check(_ context: DockerfileContext) -> [Finding] {
        context.instructionFindings(Self.description, keywords: Self.keywords) { instruction, stage in
            problem(with: instruction, in: stage, context: context)
        }
    }
}

extension DockerfileContext {
    /// Findings for `rule` from `judge` applied to every instruction with one of `keywords`.
    public func instructionFindings(
        _ rule: RuleDescription, keywords: Set<String>, _ judge: (Instruction, Stage?) -> String?
    ) -> [Finding] {
        var stageByLine: [Int: Int] = [:]
        for stage in stages {
            stageByLine[stage.from.startLine] = stage.index
            for instruction in stage.instructions { stageByLine[instruction.startLine] = stage.index }
        }
        return parsed.instructions.compactMap { instruction in
            guard keywords.contains(instruction.keyword) else { return nil }
            let stage = stageByLine[instruction.startLine].flatMap { index in stages.first { $0.index == index } }
            guard let message = judge(instruction, stage) else { return nil }
            return finding(rule, at: instruction, message: message)
        }
    }
}

/// A build stage: a FROM instruction and the instructions up to the next FROM.
public struct Stage: Sendable {
    /// 0-based position among the stages.
    public var index: Int
    /// The name given with `AS name`, lower-cased as BuildKit compares it.
    public var name: String?
    /// The FROM instruction.
    public var from: Instruction
    /// The image reference as written (`${BASE}`, `eclipse-temurin:21-jre`, a stage name).
    public var writtenImage: String
    /// The image reference with build arguments expanded, or nil when a variable in it has no
    /// value: a rule must not judge what it cannot resolve.
    public var image: String?
    /// The value of `--platform`, when given.
    public var platform: String?
    /// The earlier stage this one builds on (`FROM build`), if any.
    public var parentStage: Int?
    /// The instructions after FROM, in order.
    public var instructions: [Instruction]
}

/// Variables in scope: build arguments with their defaults, and ENV values.
public struct BuildScope: Sendable {
    /// Values of variables that have one.
    public var values: [String: String]
    /// Variables declared without a value (an ARG with no default and no override).
    public var declaredWithoutValue: Set<String>
}

extension ParsedDockerfile {
    /// The build stages, with FROM images resolved from global ARG defaults (or `buildArgs`).
    public func stages(buildArgs: [String: String] = [:]) -> [Stage] {
        var global = BuildScope(values: [:], declaredWithoutValue: [])
        var stages: [Stage] = []
        let lexer = ShellLexer(escapeToken: escapeToken)
        for instruction in instructions {
            switch instruction.keyword {
            case "ARG" where stages.isEmpty:
                Self.declare(instruction, in: &global, buildArgs: buildArgs, lexer: lexer)
            case "FROM":
                let arguments = instruction.arguments
                let written = arguments.first ?? ""
                var name: String?
                if arguments.count >= 3, arguments[1].lowercased() == "as" {
                    name = arguments[2].lowercased()
                }
                let image = Self.expand(written, scope: global, lexer: lexer)
                let parent = image.flatMap { resolved in
                    stages.lastIndex { $0.name == resolved.lowercased() }
                }
                let platform = instruction.flag("platform")
                stages.append(
                    Stage(
                        index: stages.count, name: name, from: instruction, writtenImage: written,
                        image: image, platform: platform, parentStage: parent, instructions: []))
            default:
                if !stages.isEmpty { stages[stages.count - 1].instructions.append(instruction) }
            }
        }
        return stages
    }

    /// The variables in scope just before `instruction` in `stage`: global ARGs redeclared in the
    /// stage, the stage's own ARGs and ENVs (ENV inherited from a parent stage too).
    public func scope(before position: Int, in stage: Stage, of stages: [Stage], buildArgs: [String: String] = [:])
        -> BuildScope
    {
        var global = BuildScope(values: [:], declaredWithoutValue: [])
        let lexer = ShellLexer(escapeToken: escapeToken)
        for instruction in instructions {
            if instruction.keyword == "FROM" { break }
            if instruction.keyword == "ARG" {
                Self.declare(instruction, in: &global, buildArgs: buildArgs, lexer: lexer)
            }
        }
        var scope = BuildScope(values: [:], declaredWithoutValue: [])
        if let parent = stage.parentStage, parent < stage.index {
            let parentScope = self.scope(
                before: stages[parent].instructions.count, in: stages[parent], of: stages, buildArgs: buildArgs)
            scope.values = parentScope.values
        }
        for instruction in stage.instructions.prefix(position) {
            switch instruction.keyword {
            case "ARG":
                for word in instruction.arguments {
                    let parts = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    let name = String(parts[0])
                    if let value = buildArgs[name] {
                        scope.values[name] = value
                    } else if parts.count == 2 {
                        // A value that cannot be expanded (a hole, or too long) is unknown, not empty.
                        if let value = Self.expand(String(parts[1]), scope: scope, lexer: lexer) {
                            scope.values[name] = value
                        } else {
                            scope.values[name] = nil
                            scope.declaredWithoutValue.insert(name)
                        }
                    } else if let value = global.values[name] {
                        scope.values[name] = value
                    } else if scope.values[name] == nil {
                        scope.declaredWithoutValue.insert(name)
                    }
                }
            case "ENV":
                for pair in instruction.keyValuePairs {
                    if let value = Self.expand(pair.value, scope: scope, lexer: lexer) {
                        scope.values[pair.key] = value
                        scope.declaredWithoutValue.remove(pair.key)
                    } else {
                        scope.values[pair.key] = nil
                    }
                }
            default:
                break
            }
        }
        return scope
    }

    static func declare(
        _ instruction: Instruction, in scope: inout BuildScope, buildArgs: [String: String], lexer: ShellLexer
    ) {
        for word in instruction.arguments {
            let parts = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            if let value = buildArgs[name] {
                scope.values[name] = value
            } else if parts.count == 2, let value = expand(String(parts[1]), scope: scope, lexer: lexer) {
                scope.values[name] = value
            } else {
                scope.values[name] = nil
                scope.declaredWithoutValue.insert(name)
            }
        }
    }

    /// `word` expanded in `scope`; nil when a variable without a value leaves a hole in it (a
    /// default such as `${V:-x}` fills the hole), or when it is malformed.
    public static func expand(_ word: String, scope: BuildScope, lexer: ShellLexer) -> String? {
        guard let result = try? lexer.processWord(word, environment: scope.values) else { return nil }
        return result.unresolved.isEmpty ? result.result : nil
    }
}

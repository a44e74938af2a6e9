import BerthCore
import Dockerfile

/// An entrypoint script from the build context that neither execs the server nor traps SIGTERM.
public struct EntrypointSignalRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-entrypoint-ignores-sigterm", practice: .gracefulShutdown, severity: .warning,
        target: .dockerfile,
        summary: "the entrypoint script neither execs the server nor traps SIGTERM",
        rationale: """
            Graceful shutdown (graceful-shutdown): a script that starts the server as a child keeps PID \
            1 and swallows SIGTERM; the server is killed hard when the grace period ends. The script \
            must end with exec, or trap TERM and stop the server. Scripts that cannot be read are not \
            judged.
            """,
        fix:
            "End the script with exec \"${WSO2_SERVER_HOME}/bin/api-manager.sh\" \"$@\" (or trap TERM and forward it).",
        triggering: [
            RuleExample(
                "FROM alpine:3.20\nCOPY start.sh /opt/\n↓ENTRYPOINT [\"/opt/start.sh\"]\n",
                files: ["start.sh": "#!/bin/sh\nset -e\n/opt/server/bin/run.sh \"$@\"\n"]),
            RuleExample(
                "FROM alpine:3.20\nCOPY --chown=802:802 scripts/entry.sh /home/app/\n↓ENTRYPOINT [\"sh\", \"/home/app/entry.sh\"]\n",
                files: ["scripts/entry.sh": "#!/bin/sh\necho starting\nsh /opt/server/bin/run.sh\n"]),
        ],
        nonTriggering: [
            RuleExample(
                "FROM alpine:3.20\nCOPY start.sh /opt/\nENTRYPOINT [\"/opt/start.sh\"]\n",
                files: ["start.sh": "#!/bin/sh\nset -e\nexec /opt/server/bin/run.sh \"$@\"\n"]),
            RuleExample(
                "FROM alpine:3.20\nCOPY start.sh /opt/start.sh\nENTRYPOINT [\"/opt/start.sh\"]\n",
                files: [
                    "start.sh":
                        "#!/bin/bash\ntrap 'kill -TERM $pid; wait $pid' SIGTERM\n/opt/run.sh & pid=$!\nwait $pid\n"
                ]),
            RuleExample("FROM alpine:3.20\nCOPY start.sh /opt/\nENTRYPOINT [\"/opt/start.sh\"]\n"),
        ],
        hadolintCodes: [])

    public init() {}

    /// The entrypoint's script path: the first exec-form word, or the script after sh/bash.
    static func scriptPath(_ instruction: Instruction) -> String? {
        guard instruction.isJSON, let first = instruction.arguments.first else { return nil }
        let program = first.split(separator: "/").last.map(String.init) ?? first
        if ["sh", "bash", "ash", "dash"].contains(program) {
            return instruction.arguments.dropFirst().first { !$0.hasPrefix("-") }
        }
        return first
    }

    /// The build-context source that a COPY placed at `path`, if any.
    static func contextSource(for path: String, in instructions: [Instruction]) -> String? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        for instruction in instructions.reversed() where instruction.keyword == "COPY" || instruction.keyword == "ADD" {
            if instruction.flag("from") != nil { continue }
            guard let destination = instruction.arguments.last, instruction.heredocs.isEmpty else { continue }
            for source in instruction.arguments.dropLast() {
                let sourceName = source.split(separator: "/").last.map(String.init) ?? source
                if destination == path || (destination.hasSuffix("/") && destination + sourceName == path)
                    || (destination.hasSuffix("/") && sourceName == name && path.hasSuffix("/" + name))
                {
                    return source
                }
            }
        }
        return nil
    }

    static func handlesSignals(_ script: String) -> Bool {
        let parsed = ShellScript(script)
        if parsed.commands.contains(where: {
            $0.program == "exec" && $0.arguments.contains { !$0.hasPrefix("-") && !$0.contains(">") }
        }) {
            return true
        }
        return parsed.commands.contains { command in
            command.program == "trap" && command.arguments.contains { ["TERM", "SIGTERM", "15", "EXIT"].contains($0) }
        }
    }

    public func check(_ context: DockerfileContext) -> [Finding] {
        let shipped = context.shippedInstructions
        guard
            let entrypoint = shipped.last(where: { $0.keyword == "ENTRYPOINT" })
                ?? shipped.last(where: { $0.keyword == "CMD" }),
            let path = Self.scriptPath(entrypoint), path.hasSuffix(".sh") || path.contains("entrypoint"),
            let source = Self.contextSource(for: path, in: shipped), !source.contains("$"),
            let script = context.readContextFile(source)
        else { return [] }
        if Self.handlesSignals(script) { return [] }
        return [
            context.finding(
                Self.description, at: entrypoint,
                message: "'\(source)' starts the server without exec and without a SIGTERM trap")
        ]
    }
}

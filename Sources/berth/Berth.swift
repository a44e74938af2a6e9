import ArgumentParser
import BerthCore
import Foundation

@main
struct Berth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "Make the WSO2 platform's container practices executable.",
        discussion: """
            Build, check and run WSO2 API Manager and Identity Server images and deployments the way \
            the practice catalogue (docs/practices.md) asks. Each subcommand below has its own --help.
            """,
        version: BerthVersion.current,
        subcommands: Berth.allSubcommands
    )

    /// Runs the command; usage errors exit with 2 like every other input error, so CI can tell
    /// "findings" (1) from "could not run" (2).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            Terminal.error(failure.message)
            Foundation.exit(2)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                let message = fullMessage(for: error)
                FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }

    static var allSubcommands: [any ParsableCommand.Type] {
        var commands: [any ParsableCommand.Type] = [ParseCommand.self]
        commands += [CheckCommand.self, RulesCommand.self, TagCommand.self, RenderCommand.self, InitCommand.self]
        commands += registrySubcommands
        commands += signSubcommands
        commands.append(AuditCommand.self)
        commands += [SBOMCommand.self, ScanCommand.self, DBCommand.self]
        return commands
    }
}

/// A command could not do its work (unreadable input, a bad configuration file): printed as one
/// `berth: message` line, exit 2, without the usage text a `ValidationError` brings.
struct CommandFailure: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

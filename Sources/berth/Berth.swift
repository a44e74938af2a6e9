import ArgumentParser
import BerthCore

@main
struct Berth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "Make the WSO2 platform's container practices executable.",
        discussion: """
            Lint, render, tag, sign, scan and serve WSO2 API Manager and Identity Server \
            images and deployments the way the WSO2 Docker and Kubernetes best practices ask.
            """,
        version: BerthVersion.current,
        subcommands: Berth.allSubcommands
    )

    static var allSubcommands: [any ParsableCommand.Type] {
        var commands: [any ParsableCommand.Type] = [ParseCommand.self]
        commands += registrySubcommands
        return commands
    }
}

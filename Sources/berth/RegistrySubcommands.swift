import ArgumentParser

/// Subcommands contributed by the registry work; empty until it lands.
let registrySubcommands: [any ParsableCommand.Type] = []

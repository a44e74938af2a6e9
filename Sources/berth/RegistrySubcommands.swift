import ArgumentParser

/// Subcommands contributed by the registry work.
let registrySubcommands: [any ParsableCommand.Type] = [RegistryCommand.self]

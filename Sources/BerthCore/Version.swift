/// Berth's release version, printed by `berth --version`.
public enum BerthVersion {
    public static let current = "0.1.0"
}

/// Facts about the project that output formats cite.
public enum BerthProject {
    /// The public repository's address, for links from SARIF and other output; nil while the project
    /// has no public address, so output carries no link that does not resolve. Set it once, here.
    public static let repositoryURL: String? = nil
}

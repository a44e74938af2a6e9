/// One file `berth render` produces: a path relative to the output directory, and its bytes.
public struct GeneratedFile: Sendable, Hashable {
    public var path: String
    public var contents: String
    /// Executable (entrypoint scripts).
    public var executable: Bool

    public init(path: String, contents: String, executable: Bool = false) {
        self.path = path
        self.contents = contents
        self.executable = executable
    }
}

/// Errors in a render spec, all of them at once.
public struct SpecErrors: Error, Sendable, CustomStringConvertible {
    public struct Item: Sendable, Hashable {
        public var file: String
        public var line: Int
        public var column: Int
        public var message: String
    }

    public var items: [Item]

    public var description: String {
        items.map { "\($0.file):\($0.line):\($0.column): \($0.message)" }.joined(separator: "\n")
    }
}

/// A Dockerfile that cannot be parsed, with the 1-based lines BuildKit would report.
public struct DockerfileParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file as named by the caller (`-` for standard input).
    public var file: String
    /// First line of the offending instruction, or of the file.
    public var line: Int
    /// Last line of the offending instruction.
    public var endLine: Int
    /// A lowercase description of the problem.
    public var message: String

    public init(file: String, line: Int, endLine: Int? = nil, message: String) {
        self.file = file
        self.line = max(1, line)
        self.endLine = max(self.line, endLine ?? line)
        self.message = message
    }

    public var description: String { "\(file):\(line): \(message)" }
}

import BerthCore

/// Turns a check run into text for people or machines.
public protocol Reporter: Sendable {
    /// The name used with `--format`.
    static var name: String { get }
    func render(_ run: CheckRun) -> String
}

/// Reporters by name.
public enum Reporters {
    public static let all: [any Reporter.Type] = [
        TextReporter.self, JSONReporter.self, SARIFReporter.self, GitHubReporter.self, CheckstyleReporter.self,
        JUnitReporter.self,
    ]

    public static var names: [String] { all.map { $0.name } }

    /// The reporter for `name`; text output is coloured when `colour` is set.
    public static func reporter(named name: String, colour: Bool = false) -> (any Reporter)? {
        switch name {
        case TextReporter.name: TextReporter(colour: colour)
        case JSONReporter.name: JSONReporter()
        case SARIFReporter.name: SARIFReporter()
        case GitHubReporter.name: GitHubReporter()
        case CheckstyleReporter.name: CheckstyleReporter()
        case JUnitReporter.name: JUnitReporter()
        default: nil
        }
    }
}

/// XML text escaping.
func xmlEscape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default:
            if scalar.value < 0x20, scalar != "\n", scalar != "\t", scalar != "\r" { continue }
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

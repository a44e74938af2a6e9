/// A light reading of a shell script: simple commands, their words, pipes and redirections.
///
/// It is not a shell: it finds what rules need (which programs run, with which arguments, what
/// is piped where, what is written to which file) and keeps `$VAR` references as written.
public struct ShellScript: Sendable {
    /// One simple command, such as `curl -fsSL -o /tmp/x.zip $URL`.
    public struct Command: Sendable {
        /// Words after variable assignments, quotes removed, variables kept as written.
        public var words: [String]
        /// Files named after `>` or `>>`.
        public var redirectTargets: [String]
        /// True when the command's output is piped into the next command.
        public var pipesToNext: Bool
        /// The program's name without its directory (`/usr/bin/curl` -> `curl`), or "".
        public var program: String {
            guard let first = words.first else { return "" }
            return first.split(separator: "/").last.map(String.init) ?? first
        }
        /// Arguments after the program.
        public var arguments: ArraySlice<String> { words.dropFirst() }
    }

    public var commands: [Command]

    /// Reads `text` as POSIX shell.
    public init(_ text: String) {
        commands = []
        var words: [String] = []
        var redirects: [String] = []
        var word = ""
        var inWord = false
        var pendingRedirect = false
        let scalars = Array(text.unicodeScalars)
        var index = 0

        func endWord() {
            guard inWord else { return }
            if pendingRedirect {
                redirects.append(word)
                pendingRedirect = false
            } else if words.isEmpty, Self.isAssignment(word) {
                // FOO=bar cmd: an assignment prefix, not the program.
            } else {
                words.append(word)
            }
            word = ""
            inWord = false
        }
        func endCommand(pipe: Bool) {
            endWord()
            if !words.isEmpty || !redirects.isEmpty {
                commands.append(Command(words: words, redirectTargets: redirects, pipesToNext: pipe))
            }
            words = []
            redirects = []
            pendingRedirect = false
        }

        while index < scalars.count {
            let ch = scalars[index]
            switch ch {
            case " ", "\t":
                endWord()
                index += 1
            case "\n", ";", "(", ")":
                endCommand(pipe: false)
                index += 1
            case "&":
                endCommand(pipe: false)
                index += 1
                if index < scalars.count, scalars[index] == "&" { index += 1 }
            case "|":
                if index + 1 < scalars.count, scalars[index + 1] == "|" {
                    endCommand(pipe: false)
                    index += 2
                } else {
                    endCommand(pipe: true)
                    index += 1
                }
            case ">", "<":
                // Redirection: `>file`, `> file`, `2>&1`, `>>file`; a leading fd digit is dropped.
                if inWord, word.unicodeScalars.allSatisfy({ $0.properties.numericType == .decimal }) {
                    word = ""
                    inWord = false
                }
                endWord()
                let isOutput = ch == ">"
                index += 1
                while index < scalars.count, scalars[index] == ">" || scalars[index] == "<" { index += 1 }
                if index < scalars.count, scalars[index] == "&" {
                    // >&2, 2>&1: a descriptor, not a file.
                    index += 1
                    while index < scalars.count,
                        scalars[index].properties.numericType == .decimal || scalars[index] == "-"
                    { index += 1 }
                } else if isOutput {
                    pendingRedirect = true
                } else {
                    pendingRedirect = true
                    // Input files are recorded too; rules only read output targets from `>`.
                }
            case "#" where !inWord:
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
            case "'":
                inWord = true
                index += 1
                while index < scalars.count, scalars[index] != "'" {
                    word.unicodeScalars.append(scalars[index])
                    index += 1
                }
                index += 1
            case "\"":
                inWord = true
                index += 1
                while index < scalars.count, scalars[index] != "\"" {
                    if scalars[index] == "\\", index + 1 < scalars.count,
                        ["\"", "\\", "$", "`"].contains(scalars[index + 1])
                    {
                        index += 1
                    }
                    word.unicodeScalars.append(scalars[index])
                    index += 1
                }
                index += 1
            case "\\":
                if index + 1 < scalars.count {
                    if scalars[index + 1] != "\n" {
                        inWord = true
                        word.unicodeScalars.append(scalars[index + 1])
                    }
                    index += 2
                } else {
                    index += 1
                }
            case "$" where index + 1 < scalars.count && scalars[index + 1] == "(":
                // Command substitution: keep it in the word, balanced, so its commands stay together.
                inWord = true
                var depth = 0
                while index < scalars.count {
                    let c = scalars[index]
                    word.unicodeScalars.append(c)
                    if c == "(" { depth += 1 }
                    if c == ")" {
                        depth -= 1
                        if depth == 0 {
                            index += 1
                            break
                        }
                    }
                    index += 1
                }
            case "{" where index + 1 < scalars.count && (scalars[index + 1] == "{" || scalars[index + 1] == "%"):
                // A template expression (`{{ "url" | @sh }}`, `{% if x %}`) is one opaque word: what
                // it holds is filled in later, so its pipes and quotes are not the script's.
                inWord = true
                let close: Unicode.Scalar = scalars[index + 1] == "{" ? "}" : "%"
                word.unicodeScalars.append(contentsOf: scalars[index...(index + 1)])
                index += 2
                while index < scalars.count {
                    word.unicodeScalars.append(scalars[index])
                    index += 1
                    if scalars[index - 1] == close, index < scalars.count, scalars[index] == "}" {
                        word.unicodeScalars.append(scalars[index])
                        index += 1
                        break
                    }
                }
            default:
                inWord = true
                word.unicodeScalars.append(ch)
                index += 1
            }
        }
        endCommand(pipe: false)
        // Commands inside $(...) also run: read them as commands of their own.
        var nested: [Command] = []
        for command in commands {
            for word in command.words + command.redirectTargets {
                var searchStart = word.startIndex
                while let open = word.range(of: "$(", range: searchStart..<word.endIndex) {
                    let inner = word[open.upperBound...]
                    var depth = 1
                    var end = inner.startIndex
                    while end < inner.endIndex {
                        if inner[end] == "(" { depth += 1 }
                        if inner[end] == ")" {
                            depth -= 1
                            if depth == 0 { break }
                        }
                        end = inner.index(after: end)
                    }
                    nested += ShellScript(String(inner[inner.startIndex..<end])).commands
                    searchStart = end < word.endIndex ? word.index(after: end) : word.endIndex
                    if searchStart >= word.endIndex { break }
                }
            }
        }
        commands += nested
    }

    static func isAssignment(_ word: String) -> Bool {
        guard let equals = word.firstIndex(of: "="), equals != word.startIndex else { return false }
        return word[..<equals].allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
    }

    /// The command that receives `index`'s output through a pipe, if any.
    public func pipeTarget(of index: Int) -> Command? {
        guard index < commands.count, commands[index].pipesToNext, index + 1 < commands.count else { return nil }
        return commands[index + 1]
    }
}

/// Errors from word expansion, with BuildKit's messages.
public struct ShellExpansionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// BuildKit's shell word processing: quotes, escapes and variable expansion (`$V`, `${V}`,
/// `${V:-d}`, `${V-d}`, `${V:+x}`, `${V+x}`, `${V?m}`, `${V#p}`, `${V%p}`, `${V/p/r}`).
///
/// It mirrors `frontend/dockerfile/shell.Lex` so that rules see the values BuildKit would use.
public struct ShellLexer: Sendable {
    /// The escape character: `\` by default, or `` ` `` after `# escape=```.
    public var escapeToken: Unicode.Scalar
    /// Keep quote characters in the result.
    public var rawQuotes = false
    /// Keep escape characters in the result.
    public var rawEscapes = false
    /// Treat quotes as ordinary characters.
    public var skipProcessQuotes = false
    /// Leave references to unset variables as written instead of expanding them to "".
    public var skipUnsetEnv = false
    /// Keep `<<` and the blanks after it in one word (BuildKit since v0.21).
    public var groupsHeredocOperator = true
    /// Most characters variable values may contribute to one word. `ARG B=${A}${A}` doubles a value
    /// per line, so a few dozen lines would expand past any memory; beyond this bound the word is
    /// refused (rules treat it as unresolvable and stay silent).
    public var maximumExpansion = 1 << 16

    public init(escapeToken: Unicode.Scalar = "\\") {
        self.escapeToken = escapeToken
    }

    /// The result of processing one word.
    public struct Result: Sendable, Equatable {
        /// The word with quotes removed and variables expanded, spaces kept.
        public var result: String
        /// The word split into fields after expansion, as for exec arguments.
        public var words: [String]
        /// Variables referenced and found.
        public var matched: Set<String>
        /// Variables referenced and not found.
        public var unmatched: Set<String>
        /// Variables without a value whose use left a hole in the result (`$V`, `${V}`, `${V%p}`,
        /// ...; not `${V:-default}`): a rule that needs the value cannot judge.
        public var unresolved: Set<String>
    }

    /// Expands `word` with `environment`; spaces are kept.
    public func processWord(_ word: String, environment: [String: String]) throws -> Result {
        var state = LexState(lexer: self, source: Array(word.unicodeScalars), environment: environment)
        let (result, words) = try state.processStopOn(nil, rawEscapes: rawEscapes)
        return Result(
            result: result, words: words, matched: state.matched, unmatched: state.unmatched,
            unresolved: state.unresolved)
    }

    /// Expands `word` and splits it into fields.
    public func processWords(_ word: String, environment: [String: String]) throws -> [String] {
        try processWord(word, environment: environment).words
    }
}

private struct WordsBuilder {
    var buffer = String.UnicodeScalarView()
    var words: [String] = []
    var inWord = false

    mutating func addChar(_ scalar: Unicode.Scalar) {
        if goIsSpace(scalar) {
            if inWord, !buffer.isEmpty {
                words.append(String(buffer))
                buffer = String.UnicodeScalarView()
                inWord = false
            }
        } else {
            addRawChar(scalar)
        }
    }

    mutating func addRawChar(_ scalar: Unicode.Scalar) {
        buffer.append(scalar)
        inWord = true
    }

    mutating func addString(_ string: String) {
        for scalar in string.unicodeScalars { addChar(scalar) }
    }

    mutating func addRawString(_ string: String) {
        buffer.append(contentsOf: string.unicodeScalars)
        inWord = true
    }

    mutating func finish() -> [String] {
        if !buffer.isEmpty {
            words.append(String(buffer))
            buffer = String.UnicodeScalarView()
            inWord = false
        }
        return words
    }
}

private struct LexState {
    let lexer: ShellLexer
    let source: [Unicode.Scalar]
    let environment: [String: String]
    var position = 0
    var rawEscapes: Bool
    var matched: Set<String> = []
    var unmatched: Set<String> = []
    var unresolved: Set<String> = []

    init(lexer: ShellLexer, source: [Unicode.Scalar], environment: [String: String]) {
        self.lexer = lexer
        self.source = source
        self.environment = environment
        self.rawEscapes = lexer.rawEscapes
    }

    func peek() -> Unicode.Scalar? { position < source.count ? source[position] : nil }

    @discardableResult
    mutating func next() -> Unicode.Scalar? {
        guard position < source.count else { return nil }
        defer { position += 1 }
        return source[position]
    }

    var expanded = 0

    mutating func getEnv(_ name: String) throws -> String? {
        if let value = environment[name] {
            matched.insert(name)
            expanded += value.utf8.count
            if expanded > lexer.maximumExpansion {
                throw ShellExpansionError(
                    message: "variables expand to more than \(lexer.maximumExpansion) characters in one word")
            }
            return value
        }
        unmatched.insert(name)
        return nil
    }

    mutating func processStopOn(_ stop: Unicode.Scalar?, rawEscapes: Bool) throws -> (String, [String]) {
        var result = String.UnicodeScalarView()
        var words = WordsBuilder()
        let saved = self.rawEscapes
        self.rawEscapes = rawEscapes
        defer { self.rawEscapes = saved }

        while let ch = peek() {
            if let stop, ch == stop {
                next()
                return (String(result), words.finish())
            }
            if ch == "$" {
                let value = try processDollar()
                result.append(contentsOf: value.unicodeScalars)
                words.addString(value)
                continue
            }
            if ch == "<", lexer.groupsHeredocOperator {
                let value = processPossibleHeredoc()
                result.append(contentsOf: value.unicodeScalars)
                words.addRawString(value)
                continue
            }
            if !lexer.skipProcessQuotes, ch == "'" || ch == "\"" {
                let value = try ch == "'" ? processSingleQuote() : processDoubleQuote()
                result.append(contentsOf: value.unicodeScalars)
                words.addRawString(value)
                continue
            }
            var current = next()!
            if current == lexer.escapeToken {
                if self.rawEscapes {
                    words.addRawChar(current)
                    result.append(current)
                }
                guard let escaped = next() else { break }
                current = escaped
                words.addRawChar(current)
            } else {
                words.addChar(current)
            }
            result.append(current)
        }
        if let stop {
            throw ShellExpansionError(
                message: "unexpected end of statement while looking for matching \(stop)")
        }
        return (String(result), words.finish())
    }

    mutating func processSingleQuote() throws -> String {
        var result = String.UnicodeScalarView()
        let open = next()!
        if lexer.rawQuotes { result.append(open) }
        while true {
            guard let ch = next() else {
                throw ShellExpansionError(
                    message: "unexpected end of statement while looking for matching single-quote")
            }
            if ch == "'" {
                if lexer.rawQuotes { result.append(ch) }
                return String(result)
            }
            result.append(ch)
        }
    }

    mutating func processDoubleQuote() throws -> String {
        var result = String.UnicodeScalarView()
        let open = next()!
        if lexer.rawQuotes { result.append(open) }
        while true {
            guard let ch = peek() else {
                throw ShellExpansionError(
                    message: "unexpected end of statement while looking for matching double-quote")
            }
            if ch == "\"" {
                next()
                if lexer.rawQuotes { result.append(ch) }
                return String(result)
            }
            if ch == "$" {
                result.append(contentsOf: try processDollar().unicodeScalars)
                continue
            }
            var current = next()!
            if current == lexer.escapeToken {
                if rawEscapes { result.append(current) }
                guard let following = peek() else { continue }
                if following == "\"" || following == "$" || following == lexer.escapeToken {
                    current = next()!
                }
            }
            result.append(current)
        }
    }

    mutating func processPossibleHeredoc() -> String {
        next()
        guard peek() == "<" else { return "<" }
        next()
        var result = "<<"
        while let ch = peek(), ch == "\t" || ch == "\r" || ch == " " {
            result.unicodeScalars.append(ch)
            next()
        }
        return result
    }

    mutating func processName() -> String {
        var name = String.UnicodeScalarView()
        while let ch = peek() {
            if name.isEmpty, ch.properties.generalCategory == .decimalNumber {
                while let digit = peek(), digit.properties.generalCategory == .decimalNumber {
                    name.append(digit)
                    next()
                }
                return String(name)
            }
            if name.isEmpty, "@*#?-$!0".unicodeScalars.contains(ch) {
                next()
                return String(ch)
            }
            if !isGoLetter(ch), ch.properties.generalCategory != .decimalNumber, ch != "_" { break }
            name.append(ch)
            next()
        }
        return String(name)
    }

    private func isGoLetter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return true
        default:
            return false
        }
    }

    mutating func processDollar() throws -> String {
        next()
        if peek() != "{" {
            let name = processName()
            if name.isEmpty { return "$" }
            let value = try getEnv(name)
            if value == nil, lexer.skipUnsetEnv { return "$" + name }
            if value == nil { unresolved.insert(name) }
            return value ?? ""
        }
        next()
        switch peek() {
        case nil:
            throw ShellExpansionError(message: "syntax error: missing '}'")
        case "{", "}", ":":
            throw ShellExpansionError(message: "syntax error: bad substitution")
        default:
            break
        }
        let name = processName()
        let modifier = next()
        var modifierText = modifier.map { String($0) } ?? ""
        switch modifier {
        case "}":
            let value = try getEnv(name)
            if value == nil, lexer.skipUnsetEnv { return "${\(name)}" }
            if value == nil { unresolved.insert(name) }
            return value ?? ""
        case ":", "+", "-", "?", "#", "%":
            var op = modifier!
            let nullIsUnset = op == ":"
            if nullIsUnset {
                let following = next()
                modifierText += following.map { String($0) } ?? ""
                guard let following else {
                    throw ShellExpansionError(message: "unsupported modifier (\(modifierText)) in substitution")
                }
                op = following
            }
            let rawForPattern = op == "#" || op == "%"
            if nullIsUnset, rawForPattern {
                throw ShellExpansionError(message: "unsupported modifier (\(modifierText)) in substitution")
            }
            var word: String
            do {
                (word, _) = try processStopOn("}", rawEscapes: rawForPattern)
            } catch {
                if peek() == nil { throw ShellExpansionError(message: "syntax error: missing '}'") }
                throw error
            }
            let value = try getEnv(name)
            if lexer.skipUnsetEnv, value == nil {
                return "${\(name)\(modifierText)\(word)}"
            }
            switch op {
            case "-":
                if value == nil || (nullIsUnset && value == "") { return word }
                return value!
            case "+":
                if value == nil || (nullIsUnset && value == "") { return "" }
                return word
            case "?":
                guard let value else {
                    throw ShellExpansionError(message: "\(name): \(word.isEmpty ? "is not allowed to be unset" : word)")
                }
                if nullIsUnset, value.isEmpty {
                    throw ShellExpansionError(message: "\(name): \(word.isEmpty ? "is not allowed to be empty" : word)")
                }
                return value
            case "%", "#":
                var greedy = false
                if let first = word.unicodeScalars.first, first == op {
                    greedy = true
                    word = String(word.unicodeScalars.dropFirst())
                }
                let pattern = try ShellPattern(word, greedy: greedy)
                if value == nil { unresolved.insert(name) }
                if op == "%" {
                    return pattern.trimSuffix(of: value ?? "")
                }
                return pattern.trimPrefix(of: value ?? "")
            default:
                throw ShellExpansionError(message: "unsupported modifier (\(modifierText)) in substitution")
            }
        case "/":
            let replaceAll = peek() == "/"
            if replaceAll { next() }
            let pattern: String
            let replacement: String
            do {
                (pattern, _) = try processStopOn("/", rawEscapes: true)
            } catch {
                if peek() == nil { throw ShellExpansionError(message: "syntax error: missing '/' in ${}") }
                throw error
            }
            do {
                (replacement, _) = try processStopOn("}", rawEscapes: true)
            } catch {
                if peek() == nil { throw ShellExpansionError(message: "syntax error: missing '}'") }
                throw error
            }
            let value = try getEnv(name)
            if lexer.skipUnsetEnv, value == nil {
                return "${\(name)/\(pattern)/\(replacement)}"
            }
            let compiled = try ShellPattern(pattern, greedy: true)
            if value == nil { unresolved.insert(name) }
            return compiled.replace(in: value ?? "", with: replacement, all: replaceAll)
        default:
            throw ShellExpansionError(message: "unsupported modifier (\(modifierText)) in substitution")
        }
    }
}

/// A shell wildcard pattern (`*`, `?`, `\` escapes) matched with the preferences of the regular
/// expression BuildKit compiles it to (lazy or greedy stars, leftmost-first).
struct ShellPattern {
    enum Token: Equatable {
        case literal(Unicode.Scalar)
        case any
        case star
    }

    var tokens: [Token]
    var greedy: Bool

    init(_ pattern: String, greedy: Bool) throws {
        self.greedy = greedy
        tokens = []
        let scalars = Array(pattern.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let ch = scalars[index]
            index += 1
            switch ch {
            case "*": tokens.append(.star)
            case "?": tokens.append(.any)
            case "\\":
                if index < scalars.count, scalars[index] == "}" || scalars[index] == "/" {
                    continue
                }
                guard index < scalars.count, ["*", "?", "\\"].contains(scalars[index]) else {
                    let shown = index < scalars.count ? String(scalars[index]) : ""
                    throw ShellExpansionError(
                        message: "invalid pattern (\(pattern)) in substitution: invalid escape '\\\(shown)'")
                }
                tokens.append(.literal(scalars[index]))
                index += 1
            default:
                tokens.append(.literal(ch))
            }
        }
    }

    /// The end of the preferred match of the pattern starting at `start` in `value`, or nil.
    func matchEnd(in value: [Unicode.Scalar], from start: Int) -> Int? {
        var memo: [Int: Int?] = [:]
        func match(_ tokenIndex: Int, _ valueIndex: Int) -> Int? {
            if tokenIndex == tokens.count { return valueIndex }
            let key = tokenIndex * (value.count + 1) + valueIndex
            if let cached = memo[key] { return cached }
            var found: Int?
            switch tokens[tokenIndex] {
            case .literal(let scalar):
                if valueIndex < value.count, value[valueIndex] == scalar {
                    found = match(tokenIndex + 1, valueIndex + 1)
                }
            case .any:
                if valueIndex < value.count, value[valueIndex] != "\n" {
                    found = match(tokenIndex + 1, valueIndex + 1)
                }
            case .star:
                var limit = valueIndex
                while limit < value.count, value[limit] != "\n" { limit += 1 }
                if greedy {
                    for end in stride(from: limit, through: valueIndex, by: -1) {
                        if let result = match(tokenIndex + 1, end) {
                            found = result
                            break
                        }
                    }
                } else {
                    for end in valueIndex...limit {
                        if let result = match(tokenIndex + 1, end) {
                            found = result
                            break
                        }
                    }
                }
            }
            memo[key] = found
            return found
        }
        return match(0, start)
    }

    func trimPrefix(of value: String) -> String {
        let scalars = Array(value.unicodeScalars)
        guard let end = matchEnd(in: scalars, from: 0) else { return value }
        return String(String.UnicodeScalarView(scalars[end...]))
    }

    func trimSuffix(of value: String) -> String {
        var reversedTokens = tokens
        reversedTokens.reverse()
        let reversedPattern = ShellPattern(tokens: reversedTokens, greedy: greedy)
        let reversed = Array(value.unicodeScalars.reversed())
        guard let end = reversedPattern.matchEnd(in: reversed, from: 0) else { return value }
        return String(String.UnicodeScalarView(reversed[end...].reversed()))
    }

    private init(tokens: [Token], greedy: Bool) {
        self.tokens = tokens
        self.greedy = greedy
    }

    /// The leftmost match at or after `from`: its start and end.
    private func firstMatch(in scalars: [Unicode.Scalar], from: Int) -> (Int, Int)? {
        guard from <= scalars.count else { return nil }
        for start in from...scalars.count {
            if let end = matchEnd(in: scalars, from: start) { return (start, end) }
        }
        return nil
    }

    /// Go's `Regexp.ReplaceAllString` (templates expanded) or, for one match, a plain splice.
    func replace(in value: String, with replacement: String, all: Bool) -> String {
        let scalars = Array(value.unicodeScalars)
        guard all else {
            guard let (start, end) = firstMatch(in: scalars, from: 0) else { return value }
            var out = String.UnicodeScalarView(scalars[..<start])
            out.append(contentsOf: replacement.unicodeScalars)
            out.append(contentsOf: scalars[end...])
            return String(out)
        }
        var out = String.UnicodeScalarView()
        var lastMatchEnd = 0
        var searchPosition = 0
        while searchPosition <= scalars.count, let (start, end) = firstMatch(in: scalars, from: searchPosition) {
            out.append(contentsOf: scalars[lastMatchEnd..<start])
            if end > lastMatchEnd || start == 0 {
                out.append(contentsOf: expandTemplate(replacement, match: scalars[start..<end]).unicodeScalars)
            }
            lastMatchEnd = end
            searchPosition = searchPosition + 1 > end ? searchPosition + 1 : end
        }
        out.append(contentsOf: scalars[lastMatchEnd...])
        return String(out)
    }

    /// Go's `Regexp.Expand` for a pattern without capture groups: `$$` is `$`, `$0`/`${0}` the
    /// match, any other reference empty, a malformed `$` kept.
    private func expandTemplate(_ template: String, match: ArraySlice<Unicode.Scalar>) -> String {
        let scalars = Array(template.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        func isNameChar(_ s: Unicode.Scalar) -> Bool {
            s == "_" || (s.value < 0x80 && (s.properties.isAlphabetic || s.properties.numericType == .decimal))
        }
        while index < scalars.count {
            let ch = scalars[index]
            if ch != "$" {
                out.append(ch)
                index += 1
                continue
            }
            index += 1
            if index < scalars.count, scalars[index] == "$" {
                out.append("$")
                index += 1
                continue
            }
            var name = ""
            if index < scalars.count, scalars[index] == "{" {
                var end = index + 1
                while end < scalars.count, isNameChar(scalars[end]) { end += 1 }
                if end < scalars.count, scalars[end] == "}", end > index + 1 {
                    name = String(String.UnicodeScalarView(scalars[(index + 1)..<end]))
                    index = end + 1
                } else {
                    out.append("$")
                    continue
                }
            } else {
                var end = index
                while end < scalars.count, isNameChar(scalars[end]) { end += 1 }
                if end == index {
                    out.append("$")
                    continue
                }
                name = String(String.UnicodeScalarView(scalars[index..<end]))
                index = end
            }
            if let number = Int(name), number == 0 {
                out.append(contentsOf: match)
            }
        }
        return String(out)
    }
}

/// A failure inside one instruction, located by the caller.
struct LineError: Error {
    var message: String
}

/// BuildKit's `newNodeFromLine` and its per-instruction line parsers.
struct NodeBuilder {
    let escape: UInt8
    let dialect: BuildKitDialect

    func node(fromLine line: ArraySlice<UInt8>) throws(LineError) -> Node {
        let (command, flags, arguments) = splitCommand(line)
        let keyword = goLower(text(command))
        let (next, isJSON): ([Node], Bool)
        switch keyword {
        case "add", "copy", "volume":
            (next, isJSON) = try parseMaybeJSONToList(arguments)
        case "arg":
            (next, isJSON) = (parseNameOrNameValue(arguments), false)
        case "cmd", "entrypoint", "run", "shell":
            (next, isJSON) = try parseMaybeJSON(arguments)
        case "env":
            (next, isJSON) = (try parseNameValue(arguments, key: "ENV"), false)
        case "label":
            (next, isJSON) = (try parseNameValue(arguments, key: "LABEL"), false)
        case "expose", "from":
            (next, isJSON) = (parseWhitespaceDelimited(arguments), false)
        case "healthcheck":
            (next, isJSON) = try parseHealthConfig(arguments)
        case "maintainer", "stopsignal", "user", "workdir":
            (next, isJSON) = (arguments.isEmpty ? [] : [Node(value: text(arguments))], false)
        case "onbuild":
            if arguments.isEmpty {
                (next, isJSON) = ([], false)
            } else {
                let inner = try node(fromLine: arguments)
                (next, isJSON) = ([Node(children: [inner])], false)
            }
        default:
            // Unknown instructions keep one empty argument node, as BuildKit's parseIgnore does.
            (next, isJSON) = ([Node()], false)
        }
        return Node(value: text(command), next: next, isJSON: isJSON, original: text(line), flags: flags)
    }

    /// `splitCommand`: keyword, flags and the trimmed rest.
    func splitCommand(_ line: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, [String], ArraySlice<UInt8>) {
        let parts = splitOnWhitespace(trimSpace(line), limit: 2)
        guard parts.count == 2 else { return (parts[0], [], parts[0][parts[0].endIndex...]) }
        let (rest, flags) = extractBuilderFlags(parts[1])
        return (parts[0], flags, trimSpace(rest))
    }

    /// `extractBuilderFlags`, byte by byte as BuildKit walks it (each byte taken as a rune).
    func extractBuilderFlags(_ line: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, [String]) {
        let flagEscape = dialect == .v013 ? UInt8(ascii: "\\") : escape
        enum Phase { case spaces, word, quote }
        var words: [String] = []
        var phase = Phase.spaces
        var word = String.UnicodeScalarView()
        var quote: UInt8 = 0
        var blankOK = false
        var position = line.startIndex
        let end = line.endIndex
        var ch: UInt8 = 0
        while position <= end {
            if position != end { ch = line[position] }
            if phase == .spaces {
                if position == end { break }
                if goIsSpaceByte(ch) {
                    position += 1
                    continue
                }
                if ch != UInt8(ascii: "-") || position + 1 == end || line[position + 1] != UInt8(ascii: "-") {
                    return (line[position...], words)
                }
                phase = .word
            }
            if position == end {
                let finished = String(word)
                if finished != "--", blankOK || !finished.isEmpty { words.append(finished) }
                break
            }
            if phase == .word {
                if goIsSpaceByte(ch) {
                    let finished = String(word)
                    phase = .spaces
                    if finished == "--" { return (line[position...], words) }
                    if blankOK || !finished.isEmpty { words.append(finished) }
                    word = String.UnicodeScalarView()
                    blankOK = false
                    position += 1
                    continue
                }
                if ch == UInt8(ascii: "'") || ch == UInt8(ascii: "\"") {
                    quote = ch
                    blankOK = true
                    phase = .quote
                    position += 1
                    continue
                }
                if ch == flagEscape {
                    if position + 1 == end {
                        position += 1
                        continue
                    }
                    position += 1
                    ch = line[position]
                }
                word.append(Unicode.Scalar(ch))
                position += 1
                continue
            }
            // phase == .quote
            if ch == quote {
                phase = .word
                position += 1
                continue
            }
            if ch == flagEscape {
                if position + 1 == end {
                    phase = .word
                    position += 1
                    continue
                }
                position += 1
                ch = line[position]
            }
            word.append(Unicode.Scalar(ch))
            position += 1
        }
        return (line[end...], words)
    }

    /// `parseWords`: words split on spaces, quotes and escapes kept.
    func parseWords(_ rest: ArraySlice<UInt8>) -> [String] {
        let scalars = Array(text(rest).unicodeScalars)
        let escapeScalar = Unicode.Scalar(escape)
        enum Phase { case spaces, word, quote }
        var words: [String] = []
        var phase = Phase.spaces
        var quote: Unicode.Scalar = "\0"
        var blankOK = false
        var word = String.UnicodeScalarView()
        var position = 0
        let count = scalars.count
        var ch: Unicode.Scalar = "\0"
        while position <= count {
            if position != count { ch = scalars[position] }
            if phase == .spaces {
                if position == count { break }
                if goIsSpace(ch) {
                    position += 1
                    continue
                }
                phase = .word
            }
            if position == count {
                if blankOK || !word.isEmpty { words.append(String(word)) }
                break
            }
            if phase == .word {
                if goIsSpace(ch) {
                    phase = .spaces
                    if blankOK || !word.isEmpty { words.append(String(word)) }
                    word = String.UnicodeScalarView()
                    blankOK = false
                    position += 1
                    continue
                }
                if ch == "'" || ch == "\"" {
                    quote = ch
                    blankOK = true
                    phase = .quote
                }
                if ch == escapeScalar {
                    if position + 1 == count {
                        position += 1
                        continue
                    }
                    word.append(ch)
                    position += 1
                    ch = scalars[position]
                }
                word.append(ch)
                position += 1
                continue
            }
            if ch == quote { phase = .word }
            if ch == escapeScalar, quote != "'" {
                if position + 1 == count {
                    phase = .word
                    position += 1
                    continue
                }
                position += 1
                word.append(ch)
                ch = scalars[position]
            }
            word.append(ch)
            position += 1
        }
        return words
    }

    func keyValue(_ key: String, _ value: String, _ separator: String) -> [Node] {
        [Node(value: key), Node(value: value), Node(value: separator)]
    }

    /// `parseNameVal` for ENV and LABEL: `KEY name value` or `KEY a=b c=d`.
    func parseNameValue(_ rest: ArraySlice<UInt8>, key: String) throws(LineError) -> [Node] {
        let words = parseWords(rest)
        guard let first = words.first else { return [] }
        if !first.contains("=") {
            let parts = splitOnWhitespace(rest, limit: 2)
            guard parts.count >= 2 else { throw LineError(message: "\(key) must have two arguments") }
            return keyValue(text(parts[0]), text(parts[1]), "")
        }
        var nodes: [Node] = []
        nodes.reserveCapacity(words.count * 3)
        for word in words {
            guard let equals = word.firstIndex(of: "=") else {
                throw LineError(
                    message: "Syntax error - can't find = in \(goQuote(word)). Must be of the form: name=value")
            }
            nodes += keyValue(String(word[..<equals]), String(word[word.index(after: equals)...]), "=")
        }
        return nodes
    }

    /// `parseNameOrNameVal` for ARG.
    func parseNameOrNameValue(_ rest: ArraySlice<UInt8>) -> [Node] {
        parseWords(rest).map { Node(value: $0) }
    }

    /// `parseStringsWhitespaceDelimited`.
    func parseWhitespaceDelimited(_ rest: ArraySlice<UInt8>) -> [Node] {
        if rest.isEmpty { return [] }
        return splitOnWhitespace(rest, limit: -1).map { Node(value: text($0)) }
    }

    enum JSONOutcome {
        case nodes([Node])
        case notJSON
    }

    /// `parseJSON`.
    func parseJSON(_ rest: ArraySlice<UInt8>) throws(LineError) -> JSONOutcome {
        let trimmed = trimLeadingSpace(rest)
        guard trimmed.first == UInt8(ascii: "[") else { return .notJSON }
        switch GoJSONReader.readStringArray(trimmed, stopAfterValue: dialect == .v013) {
        case .strings(let strings):
            return .nodes(strings.map { Node(value: $0) })
        case .notStringArray:
            throw LineError(message: "when using JSON array syntax, arrays must be comprised of strings only")
        case .syntaxError:
            return .notJSON
        }
    }

    /// `parseMaybeJSON`: exec form, or the whole rest as one shell-form argument.
    func parseMaybeJSON(_ rest: ArraySlice<UInt8>) throws(LineError) -> ([Node], Bool) {
        if rest.isEmpty { return ([], false) }
        if case .nodes(let nodes) = try parseJSON(rest) { return (nodes, true) }
        return ([Node(value: text(rest))], false)
    }

    /// `parseMaybeJSONToList`: exec form, or whitespace-separated words.
    func parseMaybeJSONToList(_ rest: ArraySlice<UInt8>) throws(LineError) -> ([Node], Bool) {
        if case .nodes(let nodes) = try parseJSON(rest) { return (nodes, true) }
        return (parseWhitespaceDelimited(rest), false)
    }

    /// `parseHealthConfig`: the type word (CMD, NONE) then a maybe-JSON command.
    func parseHealthConfig(_ rest: ArraySlice<UInt8>) throws(LineError) -> ([Node], Bool) {
        var separator = rest.startIndex
        while separator < rest.endIndex, !goIsSpaceByte(rest[separator]) { separator += 1 }
        var next = separator
        while next < rest.endIndex, goIsSpaceByte(rest[next]) { next += 1 }
        if separator == rest.startIndex { return ([], false) }
        let (command, isJSON) = try parseMaybeJSON(rest[next...])
        return ([Node(value: text(rest[rest.startIndex..<separator]))] + command, isJSON)
    }
}

/// Finds the heredocs an instruction line opens, as BuildKit's `heredocsFromLine` does.
struct HeredocScanner {
    let dialect: BuildKitDialect

    func heredocs(inLine line: String) throws(LineError) -> [Heredoc] {
        var lexer = ShellLexer(escapeToken: "\\")
        lexer.rawQuotes = true
        lexer.rawEscapes = true
        lexer.skipUnsetEnv = true
        lexer.groupsHeredocOperator = dialect == .current
        let words = (try? lexer.processWords(line, environment: [:])) ?? []
        var found: [Heredoc] = []
        for word in words {
            if let heredoc = try parse(word) { found.append(heredoc) }
        }
        return found
    }

    /// `ParseHeredoc`: `^(\d*)<<(-?)\s*([^<]*)$`, then the delimiter word's quoting.
    func parse(_ word: String) throws(LineError) -> Heredoc? {
        let bytes = Array(word.utf8)
        var index = 0
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
        let digits = bytes[0..<index]
        guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "<"), bytes[index + 1] == UInt8(ascii: "<")
        else { return nil }
        index += 2
        var chomp = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            chomp = true
            index += 1
        }
        if dialect == .current {
            while index < bytes.count, isPerlSpace(bytes[index]) { index += 1 }
        }
        let rest = bytes[index...]
        if rest.contains(UInt8(ascii: "<")) { return nil }
        if rest.isEmpty { return nil }

        var fileDescriptor: UInt64 = 0
        for digit in digits {
            let (times, overflow1) = fileDescriptor.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(digit - 0x30))
            if overflow1 || overflow2 {
                fileDescriptor = UInt64.max
                break
            }
            fileDescriptor = sum
        }

        let restText = text(rest)
        var lexer = ShellLexer(escapeToken: "\\")
        lexer.skipUnsetEnv = true
        lexer.groupsHeredocOperator = dialect == .current
        let words: [String]
        do {
            words = try lexer.processWords(restText, environment: [:])
        } catch {
            throw LineError(message: (error as? ShellExpansionError)?.message ?? "\(error)")
        }
        guard words.count == 1 else { return nil }
        lexer.rawQuotes = true
        let rawWords: [String]
        do {
            rawWords = try lexer.processWords(restText, environment: [:])
        } catch {
            throw LineError(message: (error as? ShellExpansionError)?.message ?? "\(error)")
        }
        guard rawWords.count == words.count else {
            throw LineError(message: "internal lexing of heredoc produced inconsistent results: \(restText)")
        }
        func quoteCount(_ s: String) -> Int { s.utf8.reduce(0) { $0 + ($1 == 0x27 || $1 == 0x22 ? 1 : 0) } }
        return Heredoc(
            name: words[0], fileDescriptor: fileDescriptor,
            expand: quoteCount(words[0]) == quoteCount(rawWords[0]), chomp: chomp, content: "")
    }
}

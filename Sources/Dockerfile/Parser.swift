/// Which BuildKit release's parser to reproduce. The default is the current one; older dialects
/// exist so Berth can be compared field by field with tools that embed an older BuildKit.
public enum BuildKitDialect: String, Sendable, CaseIterable {
    /// BuildKit as of 2026 (v0.2x): strict JSON arrays, whitespace after `<<`, escape-aware flags.
    case current
    /// BuildKit v0.13: no `check` directive, a JSON array may be followed by anything, `<<` must
    /// touch its delimiter, flags always use `\` as the escape character.
    case v013 = "v0.13"
}

/// Parser options.
public struct ParserOptions: Sendable {
    public var dialect: BuildKitDialect
    /// Reject input that BuildKit would read but no Dockerfile contains: NUL bytes, invalid UTF-8.
    public var rejectBinary: Bool
    /// Reject files larger than this many bytes (nil: no limit).
    public var maxBytes: Int?

    public init(dialect: BuildKitDialect = .current, rejectBinary: Bool = true, maxBytes: Int? = 8 << 20) {
        self.dialect = dialect
        self.rejectBinary = rejectBinary
        self.maxBytes = maxBytes
    }
}

/// Parses Dockerfiles into BuildKit's tree, exactly as BuildKit's `parser.Parse` does.
public struct DockerfileParser: Sendable {
    public var options: ParserOptions

    public init(options: ParserOptions = ParserOptions()) {
        self.options = options
    }

    /// The longest line BuildKit's scanner accepts, newline excluded (bufio.MaxScanTokenSize - 1).
    public static let maxLineLength = 64 * 1024 - 1

    /// Parses `source`; `file` names it in errors.
    public func parse(_ source: String, file: String = "Dockerfile") throws(DockerfileParseError) -> ParsedDockerfile {
        try parse(bytes: Array(source.utf8), file: file)
    }

    /// Parses raw bytes; `file` names it in errors.
    public func parse(bytes: [UInt8], file: String = "Dockerfile") throws(DockerfileParseError) -> ParsedDockerfile {
        if let maxBytes = options.maxBytes, bytes.count > maxBytes {
            throw DockerfileParseError(
                file: file, line: 1,
                message: "file is \(bytes.count) bytes, over the \(maxBytes)-byte limit for a Dockerfile; not parsed")
        }
        if options.rejectBinary {
            try Self.validateText(bytes, file: file)
        }
        var state = ParseState(bytes: bytes, dialect: options.dialect, file: file)
        return try state.run()
    }

    /// Rejects NUL bytes and invalid UTF-8, naming the first offending line.
    static func validateText(_ bytes: [UInt8], file: String) throws(DockerfileParseError) {
        var line = 1
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte < 0x80 {
                if byte == 0 {
                    throw DockerfileParseError(
                        file: file, line: line, message: "binary content (a NUL byte): not a Dockerfile")
                }
                if byte == 0x0A { line += 1 }
                index += 1
                continue
            }
            var length = 0
            var minimum: UInt32 = 0
            var value: UInt32 = 0
            switch byte {
            case 0xC2...0xDF:
                length = 2
                minimum = 0x80
                value = UInt32(byte & 0x1F)
            case 0xE0...0xEF:
                length = 3
                minimum = 0x800
                value = UInt32(byte & 0x0F)
            case 0xF0...0xF4:
                length = 4
                minimum = 0x10000
                value = UInt32(byte & 0x07)
            default: length = 0
            }
            var valid = length > 0 && index + length <= count
            if valid {
                for offset in 1..<length {
                    let continuation = bytes[index + offset]
                    if continuation & 0xC0 != 0x80 {
                        valid = false
                        break
                    }
                    value = value << 6 | UInt32(continuation & 0x3F)
                }
            }
            if valid, value < minimum || value > 0x10FFFF || (0xD800...0xDFFF).contains(value) {
                valid = false
            }
            if !valid {
                throw DockerfileParseError(file: file, line: line, message: "invalid UTF-8: not a Dockerfile")
            }
            index += length
        }
    }
}

/// Parser directive state (`# syntax=`, `# escape=`, `# check=`).
struct DirectiveState {
    var done = false
    var seen: Set<String> = []
    var escapeToken: UInt8 = UInt8(ascii: "\\")
    var directives: [ParserDirective] = []
    var line = 0
    let dialect: BuildKitDialect

    init(dialect: BuildKitDialect) {
        self.dialect = dialect
    }

    /// BuildKit's `DirectiveParser.ParseLine` plus `possibleParserDirective`; returns an error message.
    mutating func consider(_ token: ArraySlice<UInt8>) -> String? {
        line += 1
        if done { return nil }
        guard let hash = token.first, hash == UInt8(ascii: "#") else {
            done = true
            return nil
        }
        var rest = token.dropFirst()
        switch dialect {
        case .current:
            rest = trimLeadingSpace(rest)
        case .v013:
            while let first = rest.first, isPerlSpace(first) { rest = rest.dropFirst() }
        }
        // ([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$
        var index = rest.startIndex
        func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        guard index < rest.endIndex, isLetter(rest[index]) else {
            done = true
            return nil
        }
        while index < rest.endIndex, isLetter(rest[index]) || isDigit(rest[index]) { index += 1 }
        let name = text(rest[rest.startIndex..<index]).lowercased()
        while index < rest.endIndex, isPerlSpace(rest[index]) { index += 1 }
        guard index < rest.endIndex, rest[index] == UInt8(ascii: "=") else {
            done = true
            return nil
        }
        index += 1
        let afterEquals = rest[index...]
        var valueStart = index
        while valueStart < rest.endIndex, isPerlSpace(rest[valueStart]) { valueStart += 1 }
        var valueEnd = rest.endIndex
        while valueEnd > valueStart, isPerlSpace(rest[valueEnd - 1]) { valueEnd -= 1 }
        let value: ArraySlice<UInt8>
        if valueEnd > valueStart {
            value = rest[valueStart..<valueEnd]
        } else if !afterEquals.isEmpty {
            // Only whitespace after '=': the lazy group takes the last character.
            value = rest[(rest.endIndex - 1)...]
        } else {
            done = true
            return nil
        }
        let known = dialect == .current ? ["syntax", "escape", "check"] : ["syntax", "escape"]
        guard known.contains(name) else {
            done = true
            return nil
        }
        if seen.contains(name) {
            return "only one \(name) parser directive can be used"
        }
        seen.insert(name)
        let valueText = text(value)
        if name == "escape" {
            guard valueText == "`" || valueText == "\\" else {
                return "invalid escape token '\(valueText)' does not match ` or \\"
            }
            escapeToken = value.first!
        }
        directives.append(ParserDirective(name: name, value: valueText, line: line))
        return nil
    }
}

/// A parser directive found at the top of the file.
public struct ParserDirective: Sendable, Hashable, Codable {
    public var name: String
    public var value: String
    public var line: Int
}

struct ParseState {
    let bytes: [UInt8]
    let dialect: BuildKitDialect
    let file: String
    /// Line boundaries, each including its newline, up to the first line too long to scan.
    var lines: [Range<Int>] = []
    var lineTooLong = false
    var nextLine = 0
    var directives: DirectiveState

    init(bytes: [UInt8], dialect: BuildKitDialect, file: String) {
        self.bytes = bytes
        self.dialect = dialect
        self.file = file
        self.directives = DirectiveState(dialect: dialect)
        var start = 0
        let count = bytes.count
        lines.reserveCapacity(count / 32 + 1)
        bytes.withUnsafeBufferPointer { buffer in
            while start < count {
                var end = start
                while end < count, buffer[end] != 0x0A { end += 1 }
                let contentLength = end - start
                if contentLength > DockerfileParser.maxLineLength {
                    lineTooLong = true
                    return
                }
                let stop = end < count ? end + 1 : end
                lines.append(start..<stop)
                start = stop
            }
        }
    }

    mutating func scan() -> ArraySlice<UInt8>? {
        guard nextLine < lines.count else { return nil }
        defer { nextLine += 1 }
        return bytes[lines[nextLine]]
    }

    func error(_ message: String, _ start: Int, _ end: Int? = nil) -> DockerfileParseError {
        DockerfileParseError(file: file, line: start, endLine: end, message: message)
    }

    var escape: UInt8 { directives.escapeToken }

    /// `processLine`: strip the newline (and leading space on a first line), look for a directive,
    /// and drop comment lines.
    mutating func processLine(_ token: ArraySlice<UInt8>, stripLeft: Bool) -> (ArraySlice<UInt8>, String?) {
        var token = trimNewline(token)
        if stripLeft { token = trimLeadingSpace(token) }
        let failure = directives.consider(token)
        return (isComment(token) ? token[token.startIndex..<token.startIndex] : token, failure)
    }

    /// `trimContinuationCharacter`: true when the line is complete (no continuation).
    func trimContinuation(_ line: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, Bool) {
        var end = line.endIndex
        while end > line.startIndex, line[end - 1] == 0x20 || line[end - 1] == 0x09 { end -= 1 }
        guard end > line.startIndex, line[end - 1] == escape else { return (line, true) }
        let escapeIndex = end - 1
        if escapeIndex == line.startIndex {
            return (line[line.startIndex..<line.startIndex], false)
        }
        if line[escapeIndex - 1] != escape {
            return (line[line.startIndex..<escapeIndex], false)
        }
        return (line, true)
    }

    mutating func run() throws(DockerfileParseError) -> ParsedDockerfile {
        var currentLine = 0
        var children: [Node] = []
        var buffer: [UInt8] = []
        buffer.reserveCapacity(256)

        while var raw = scan() {
            if currentLine == 0, raw.starts(with: [0xEF, 0xBB, 0xBF]) {
                raw = raw.dropFirst(3)
            }
            let (processed, failure) = processLine(raw, stripLeft: true)
            if let failure { throw error(failure, currentLine + 1) }
            currentLine += 1
            let startLine = currentLine
            var (line, isEndOfLine) = trimContinuation(processed)
            if isEndOfLine, line.isEmpty { continue }
            buffer.removeAll(keepingCapacity: true)
            buffer.append(contentsOf: line)

            while !isEndOfLine, let next = scan() {
                let (continued, failure) = processLine(next, stripLeft: false)
                if let failure { throw error(failure, currentLine + 1) }
                currentLine += 1
                if isComment(next) { continue }
                if trimLeadingSpace(trimNewline(continued)).isEmpty { continue }
                (line, isEndOfLine) = trimContinuation(continued)
                buffer.append(contentsOf: line)
            }

            let lineBytes = buffer[...]
            var child: Node
            do {
                child = try NodeBuilder(escape: escape, dialect: dialect).node(fromLine: lineBytes)
            } catch let failure {
                throw error(failure.message, startLine, currentLine)
            }

            if canContainHeredoc(child), containsHeredocMarker(lineBytes) {
                let heredocs: [Heredoc]
                do {
                    heredocs = try HeredocScanner(dialect: dialect).heredocs(inLine: text(lineBytes))
                } catch let failure {
                    throw error(failure.message, startLine, currentLine)
                }
                for var heredoc in heredocs {
                    let terminator = Array(heredoc.name.utf8)
                    var terminated = false
                    var content: [UInt8] = []
                    while let next = scan() {
                        currentLine += 1
                        var candidate = trimNewline(next)
                        if heredoc.chomp {
                            while let first = candidate.first, first == 0x09 { candidate = candidate.dropFirst() }
                        }
                        if candidate.elementsEqual(terminator) {
                            terminated = true
                            break
                        }
                        content.append(contentsOf: next)
                    }
                    if !terminated {
                        throw error("unterminated heredoc", startLine, currentLine)
                    }
                    heredoc.content = text(content[...])
                    child.heredocs.append(heredoc)
                }
            }
            child.startLine = startLine
            child.endLine = currentLine
            children.append(child)
        }

        if children.isEmpty {
            if lineTooLong {
                throw error(
                    "dockerfile line greater than max allowed size of \(DockerfileParser.maxLineLength)",
                    currentLine + 1)
            }
            throw error(
                bytes.isEmpty
                    ? "empty file: no instructions"
                    : "file with no instructions: only comments, directives or blank lines",
                max(1, currentLine))
        }
        if lineTooLong {
            throw error(
                "dockerfile line greater than max allowed size of \(DockerfileParser.maxLineLength)", currentLine + 1)
        }
        let columns = children.map { keywordColumn(line: $0.startLine) }
        return ParsedDockerfile(
            file: file, nodes: children, directives: directives.directives,
            escapeToken: Unicode.Scalar(directives.escapeToken), columns: columns)
    }

    /// The 1-based column (in Unicode scalars) of the first non-space character on `line`.
    func keywordColumn(line: Int) -> Int {
        guard line >= 1, line <= lines.count else { return 1 }
        var raw = bytes[lines[line - 1]]
        if line == 1, raw.starts(with: [0xEF, 0xBB, 0xBF]) { raw = raw.dropFirst(3) }
        let leading = raw[raw.startIndex..<trimLeadingSpace(raw).startIndex]
        return text(leading).unicodeScalars.count + 1
    }

    func canContainHeredoc(_ node: Node) -> Bool {
        var node = node
        if goLower(node.value) == "onbuild", let first = node.next.first, let inner = first.children.first {
            node = inner
        }
        let keyword = goLower(node.value)
        guard keyword == "add" || keyword == "copy" || keyword == "run" else { return false }
        return !node.isJSON
    }

    func containsHeredocMarker(_ line: ArraySlice<UInt8>) -> Bool {
        var index = line.startIndex
        while index + 1 < line.endIndex {
            if line[index] == UInt8(ascii: "<"), line[index + 1] == UInt8(ascii: "<") { return true }
            index += 1
        }
        return false
    }
}

@inline(__always)
func isComment(_ line: ArraySlice<UInt8>) -> Bool {
    let trimmed = trimLeadingSpace(line)
    return trimmed.first == UInt8(ascii: "#")
}

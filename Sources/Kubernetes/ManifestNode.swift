/// One node of a YAML or JSON manifest, with the position of the node and of the key that holds it.
public struct ManifestNode: Sendable {
    /// What the node holds.
    public enum Value: Sendable {
        /// A scalar and how it was written.
        case scalar(String, style: ScalarStyle)
        case mapping([ManifestEntry])
        case sequence([ManifestNode])
    }

    public var value: Value
    // Positions are stored in 32 bits (a manifest stream is at most 16 MiB, far below 2^32 lines):
    // a large manifest set holds millions of nodes, so their size is the checker's memory.
    private var storedLine: UInt32
    private var storedColumn: UInt32
    private var storedKeyLine: UInt32
    private var storedKeyColumn: UInt32
    private var storedBlockIndent: Int32 = -1

    /// 1-based line and column of the node itself.
    public var line: Int {
        get { Int(storedLine) }
        set { storedLine = UInt32(clamping: newValue) }
    }
    public var column: Int {
        get { Int(storedColumn) }
        set { storedColumn = UInt32(clamping: newValue) }
    }
    /// 1-based line and column of the key holding this node in a mapping; the node's own position
    /// for sequence items and document roots. Findings point here: the `accessModes:` line, not
    /// the first item below it.
    public var keyLine: Int {
        get { Int(storedKeyLine) }
        set { storedKeyLine = UInt32(clamping: newValue) }
    }
    public var keyColumn: Int {
        get { Int(storedKeyColumn) }
        set { storedKeyColumn = UInt32(clamping: newValue) }
    }
    /// For a `|` block scalar, the indentation of its content lines in the source.
    public var blockIndent: Int? {
        get { storedBlockIndent < 0 ? nil : Int(storedBlockIndent) }
        set { storedBlockIndent = newValue.map { Int32(clamping: $0) } ?? -1 }
    }

    public init(value: Value, line: Int, column: Int, keyLine: Int? = nil, keyColumn: Int? = nil) {
        self.value = value
        storedLine = UInt32(clamping: line)
        storedColumn = UInt32(clamping: column)
        storedKeyLine = UInt32(clamping: keyLine ?? line)
        storedKeyColumn = UInt32(clamping: keyColumn ?? column)
    }

    /// The value under `key` when this is a mapping.
    public subscript(key: String) -> ManifestNode? {
        guard case .mapping(let entries) = value else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// The value at a path of mapping keys.
    public func at(_ path: String...) -> ManifestNode? {
        var node: ManifestNode? = self
        for key in path { node = node?[key] }
        return node
    }

    /// The entries when this is a mapping, else empty.
    public var entries: [ManifestEntry] {
        if case .mapping(let entries) = value { return entries }
        return []
    }

    /// The items when this is a sequence, else empty.
    public var items: [ManifestNode] {
        if case .sequence(let items) = value { return items }
        return []
    }

    public var isMapping: Bool {
        if case .mapping = value { return true }
        return false
    }

    public var isSequence: Bool {
        if case .sequence = value { return true }
        return false
    }

    /// True for an explicit or implicit null (`~`, `null`, or nothing after the key).
    public var isNull: Bool {
        if case .scalar(let text, .plain) = value {
            return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
        }
        return false
    }

    /// The scalar's text; nil for null, mappings and sequences.
    public var string: String? {
        guard case .scalar(let text, _) = value, !isNull else { return nil }
        return text
    }

    /// The scalar as an integer.
    public var int: Int? {
        guard case .scalar(let text, .plain) = value else { return nil }
        return Int(text)
    }

    /// The scalar as a boolean (YAML 1.1 spellings, as Kubernetes' YAML reader accepts them).
    public var bool: Bool? {
        guard case .scalar(let text, .plain) = value else { return nil }
        switch text {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
        default: return nil
        }
    }

    /// The file line of the `offset`-th line (0-based) of a scalar's text: exact for plain one-line
    /// and `|` literal scalars, the scalar's first line otherwise.
    public func line(ofTextLine offset: Int) -> Int {
        if case .scalar(_, .literal) = value { return line + 1 + offset }
        return line
    }

    /// The file column (1-based) of the first non-blank character of the `offset`-th line of a `|`
    /// block scalar's text; 1 when the scalar is not a block or its indentation is unknown.
    public func column(ofTextLine text: Substring) -> Int {
        guard let blockIndent else { return 1 }
        return blockIndent + text.prefix { $0 == " " || $0 == "\t" }.count + 1
    }

    /// A short name for the node's shape, for messages.
    public var shapeName: String {
        switch value {
        case .scalar: isNull ? "null" : "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    /// A mapping of strings (labels, annotations, ConfigMap data).
    public var stringMap: [String: String] {
        var out: [String: String] = [:]
        for entry in entries {
            if let text = entry.value.string { out[entry.key] = text }
        }
        return out
    }
}

/// How a scalar was written.
public enum ScalarStyle: Sendable {
    case plain
    case quoted
    /// A `|` block: each line of the text is a line of the file, starting below the indicator.
    case literal
    case folded
}

/// One key and value of a mapping.
public struct ManifestEntry: Sendable {
    public var key: String
    public var value: ManifestNode

    public init(key: String, value: ManifestNode) {
        self.key = key
        self.value = value
    }
}

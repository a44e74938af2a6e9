/// Maven version order, following the rules of Maven's `ComparableVersion`.
///
/// A version is a list of items split on `.`, `-` and digit/letter transitions; `-` and transitions
/// open a sub-list. Known qualifiers sort `alpha < beta < milestone < rc < snapshot < "" < sp`, with
/// `ga`, `final` and `release` equal to the empty qualifier and `cr` equal to `rc`; unknown qualifiers
/// sort after all of them, alphabetically. Trailing zeros and empty qualifiers are dropped.
public enum MavenVersion {
    indirect enum Item {
        case integer([UInt8])
        case string(String)
        case list([Item])
    }

    public static func compare(_ lhs: String, _ rhs: String) -> Int {
        compareItems(.list(parse(lhs)), .list(parse(rhs)))
    }

    static let qualifiers = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"]
    static let releaseIndex = "5"

    static func comparable(_ qualifier: String) -> String {
        if let index = qualifiers.firstIndex(of: qualifier) { return String(index) }
        return "\(qualifiers.count)-\(qualifier)"
    }

    static func stringItem(_ value: String, followedByDigit: Bool) -> Item {
        var value = value
        if followedByDigit && value.count == 1 {
            switch value {
            case "a": value = "alpha"
            case "b": value = "beta"
            case "m": value = "milestone"
            default: break
            }
        }
        switch value {
        case "ga", "final", "release": value = ""
        case "cr": value = "rc"
        default: break
        }
        return .string(value)
    }

    static func integerItem(_ digits: Substring) -> Item {
        var bytes = Array(digits.utf8)
        while bytes.first == UInt8(ascii: "0") { bytes.removeFirst() }
        return .integer(bytes)
    }

    static func parseItem(_ text: Substring, isDigit: Bool) -> Item {
        isDigit ? integerItem(text) : stringItem(String(text), followedByDigit: false)
    }

    /// Builds the nested item lists the way `ComparableVersion.parseVersion` does.
    static func parse(_ version: String) -> [Item] {
        let text = Substring(version.lowercased())
        // Lists are built as a stack of open lists; each closed list is appended to its parent.
        var stack: [[Item]] = [[]]
        var isDigit = false
        var start = text.startIndex
        func openList() { stack.append([]) }
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "." {
                if index == start {
                    stack[stack.count - 1].append(.integer([]))
                } else {
                    stack[stack.count - 1].append(parseItem(text[start..<index], isDigit: isDigit))
                }
                start = text.index(after: index)
            } else if character == "-" {
                if index == start {
                    stack[stack.count - 1].append(.integer([]))
                } else {
                    stack[stack.count - 1].append(parseItem(text[start..<index], isDigit: isDigit))
                }
                start = text.index(after: index)
                openList()
            } else if character.isASCII && character.isNumber {
                if !isDigit && index > start {
                    stack[stack.count - 1].append(stringItem(String(text[start..<index]), followedByDigit: true))
                    start = index
                    openList()
                }
                isDigit = true
            } else {
                if isDigit && index > start {
                    stack[stack.count - 1].append(parseItem(text[start..<index], isDigit: true))
                    start = index
                    openList()
                }
                isDigit = false
            }
            index = text.index(after: index)
        }
        if start < text.endIndex {
            stack[stack.count - 1].append(parseItem(text[start...], isDigit: isDigit))
        }
        // Close the lists innermost first: normalise each and append it to its parent.
        while stack.count > 1 {
            let inner = normalise(stack.removeLast())
            stack[stack.count - 1].append(.list(inner))
        }
        return normalise(stack[0])
    }

    static func isNull(_ item: Item) -> Bool {
        switch item {
        case .integer(let digits): return digits.isEmpty
        case .string(let value): return comparable(value) == releaseIndex
        case .list(let items): return items.isEmpty
        }
    }

    static func normalise(_ items: [Item]) -> [Item] {
        var items = items
        var index = items.count - 1
        while index >= 0 {
            if isNull(items[index]) {
                items.remove(at: index)
            } else if case .list = items[index] {
                // Lists stop nothing: keep looking further left.
            } else {
                break
            }
            index -= 1
        }
        return items
    }

    /// Compares an item with nothing (the other version ended).
    static func compareWithNull(_ item: Item) -> Int {
        switch item {
        case .integer(let digits): return digits.isEmpty ? 0 : 1
        case .string(let value): return sign(comparable(value), releaseIndex)
        case .list(let items): return items.first.map(compareWithNull) ?? 0
        }
    }

    static func compareItems(_ lhs: Item, _ rhs: Item) -> Int {
        switch (lhs, rhs) {
        case (.integer(let a), .integer(let b)):
            if a.count != b.count { return a.count < b.count ? -1 : 1 }
            return a == b ? 0 : (a.lexicographicallyPrecedes(b) ? -1 : 1)
        case (.integer, .string), (.integer, .list): return 1
        case (.string, .integer): return -1
        case (.string(let a), .string(let b)): return sign(comparable(a), comparable(b))
        case (.string, .list): return -1
        case (.list, .integer): return -1
        case (.list, .string): return 1
        case (.list(let a), .list(let b)):
            var index = 0
            while index < a.count || index < b.count {
                let result: Int
                if index >= a.count {
                    result = -compareWithNull(b[index])
                } else if index >= b.count {
                    result = compareWithNull(a[index])
                } else {
                    result = compareItems(a[index], b[index])
                }
                if result != 0 { return result }
                index += 1
            }
            return 0
        }
    }

    private static func sign(_ a: String, _ b: String) -> Int {
        a == b ? 0 : (a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1 : 1)
    }
}

/// Repository names and tags as the OCI distribution spec defines them.
public enum RepositoryName {
    /// Longest repository name accepted; clients limit host + name to 255 characters.
    public static let maximumLength = 255

    /// Validates `name` against `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`.
    ///
    /// A valid name never contains `..`, an empty component or a leading `/`, so it is safe as a
    /// relative path.
    public static func validate(_ name: String) throws(OCIError) {
        guard !name.isEmpty, name.utf8.count <= maximumLength else {
            throw OCIError.invalidName("'\(name.prefix(80))' must be 1 to \(maximumLength) characters")
        }
        for component in name.split(separator: "/", omittingEmptySubsequences: false) {
            guard isValidComponent(component.utf8) else {
                throw OCIError.invalidName("'\(name.prefix(300))' does not match the repository name grammar")
            }
        }
    }

    /// Whether `name` is a valid repository name.
    public static func isValid(_ name: String) -> Bool {
        (try? validate(name)) != nil
    }

    private static func isValidComponent(_ bytes: Substring.UTF8View) -> Bool {
        // [a-z0-9]+ ( (\.|_|__|-+) [a-z0-9]+ )*
        var index = bytes.startIndex
        func isAlnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) }
        guard index != bytes.endIndex, isAlnum(bytes[index]) else { return false }
        while index != bytes.endIndex {
            let byte = bytes[index]
            if isAlnum(byte) {
                index = bytes.index(after: index)
                continue
            }
            // separator
            var separator: [UInt8] = []
            while index != bytes.endIndex, !isAlnum(bytes[index]) {
                separator.append(bytes[index])
                index = bytes.index(after: index)
            }
            guard index != bytes.endIndex else { return false }
            let ok =
                separator == [0x2e] || separator == [0x5f] || separator == [0x5f, 0x5f]
                || (!separator.isEmpty && separator.allSatisfy { $0 == 0x2d })
            if !ok { return false }
        }
        return true
    }
}

/// Tags: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
public enum Tag {
    /// Validates a tag.
    public static func validate(_ tag: String) throws(OCIError) {
        guard isValid(tag) else {
            throw OCIError.invalidTag("'\(tag.prefix(140))' does not match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}")
        }
    }

    /// Whether `tag` is a valid tag.
    public static func isValid(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        guard let first = bytes.first, bytes.count <= 128 else { return false }
        func isWord(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || b == 0x5f
        }
        guard isWord(first) else { return false }
        return bytes.dropFirst().allSatisfy { isWord($0) || $0 == 0x2e || $0 == 0x2d }
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Shell-style glob matching (`*` any run, `?` one character) on whole strings.
/// Glob matching, in one place: whole strings (image names, registries, file names) and
/// gitignore-style paths.
public enum Glob {
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.unicodeScalars)
        let t = Array(text.unicodeScalars)
        var pi = 0
        var ti = 0
        var star = -1
        var mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// gitignore-style matching of a relative path: `*` and `?` stay within one component, `**`
    /// spans any number of them.
    public static func matchesPath(_ pattern: String, _ path: String) -> Bool {
        if !pattern.contains("**") { return fnmatch(pattern, path, FNM_PATHNAME) == 0 }
        if pattern.hasPrefix("**/") {
            let rest = String(pattern.dropFirst(3))
            let components = path.split(separator: "/")
            for start in 0..<components.count where matchesPath(rest, components[start...].joined(separator: "/")) {
                return true
            }
            return false
        }
        if pattern.hasSuffix("/**") {
            let prefix = String(pattern.dropLast(3))
            let components = path.split(separator: "/")
            for end in 1..<max(components.count, 1) where matchesPath(prefix, components[..<end].joined(separator: "/"))
            {
                return true
            }
            return false
        }
        if let range = pattern.range(of: "/**/") {
            let head = String(pattern[..<range.lowerBound])
            let tail = String(pattern[range.upperBound...])
            let components = path.split(separator: "/")
            for split in 1..<max(components.count, 1) {
                let left = components[..<split].joined(separator: "/")
                for rest in split..<components.count
                where matchesPath(head, left) && matchesPath(tail, components[rest...].joined(separator: "/")) {
                    return true
                }
            }
            return false
        }
        return fnmatch(pattern.replacingOccurrences(of: "**", with: "*"), path, 0) == 0
    }
}

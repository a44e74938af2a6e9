import BerthCore
import Foundation
import Rules

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds the files to check: named files as given, and Dockerfiles under named directories,
/// recursively, skipping what `.gitignore` files exclude and Dockerfile templates (files a
/// template engine turns into Dockerfiles, which are not Dockerfiles themselves).
public struct FileDiscovery: Sendable {
    /// True for `Dockerfile`, `Containerfile`, `*.Dockerfile`, `Dockerfile.*` (and lower-case variants).
    public static func isDockerfileName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower == "dockerfile" || lower == "containerfile" || lower.hasSuffix(".dockerfile")
            || lower.hasPrefix("dockerfile.") || lower.hasSuffix(".containerfile") || lower.hasPrefix("containerfile.")
    }

    /// Endings of template files: `Dockerfile.template` (docker-library), `.tmpl`, `.tpl`, `.j2`,
    /// `.jinja`, `.gotmpl`, `.mustache`, `.hbs`, `.erb`, `.in`.
    static let templateSuffixes = [
        ".template", ".tmpl", ".tpl", ".j2", ".jinja", ".jinja2", ".gotmpl", ".mustache", ".hbs", ".erb", ".in",
    ]

    /// True for a Dockerfile name with a template ending (`Dockerfile.template`, `Dockerfile.j2`).
    public static func isTemplateName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return templateSuffixes.contains { lower.hasSuffix($0) }
    }

    /// True when the file's head reads as a template rather than a Dockerfile: a line that starts
    /// with `{{` or `{%`, or a FROM whose image is a template expression.
    static func isTemplateContent(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 64 << 10) else { return false }
        return TemplateText.isDockerfileTemplate(String(decoding: data, as: UTF8.self)[...])
    }

    public init() {}

    /// What a walk found: the files to check, and the places it could not read (each an error of
    /// the run, never a silent skip).
    public struct Discovered: Sendable {
        public var files: [String] = []
        public var unreadable: [(path: String, reason: String)] = []
        /// Dockerfile templates found under named directories and left out (a named file is checked as given).
        public var templates: [String] = []
    }

    /// Files under `paths`; the first path or directory that cannot be read is an error.
    public func files(in paths: [String], include: (String) -> Bool = FileDiscovery.isDockerfileName) throws -> [String]
    {
        let discovered = discover(in: paths, include: include)
        if let first = discovered.unreadable.first { throw BerthError.io(path: first.path, reason: first.reason) }
        return discovered.files
    }

    /// Files under `paths`, and every named path or directory inside them that could not be read.
    public func discover(in paths: [String], include: (String) -> Bool = FileDiscovery.isDockerfileName) -> Discovered {
        var discovered = Discovered()
        for path in paths {
            var status = stat()
            guard stat(path, &status) == 0 else {
                discovered.unreadable.append((path, BoundedInput.reason(errno)))
                continue
            }
            if (status.st_mode & S_IFMT) == S_IFDIR {
                let root = URL(fileURLWithPath: path).standardizedFileURL.path
                var ignores = GitIgnore.ancestors(of: root)
                walk(
                    directory: root, display: path.hasSuffix("/") ? String(path.dropLast()) : path, ignores: &ignores,
                    include: include, into: &discovered)
            } else {
                discovered.files.append(path)
            }
        }
        var seen: Set<String> = []
        discovered.files = discovered.files.filter { seen.insert($0).inserted }
        return discovered
    }

    private func walk(
        directory: String, display: String, ignores: inout [GitIgnore], include: (String) -> Bool,
        into discovered: inout Discovered
    ) {
        let added = GitIgnore.load(directory: directory)
        if let added { ignores.append(added) }
        defer { if added != nil { ignores.removeLast() } }
        guard let listing = opendir(directory) else {
            discovered.unreadable.append((display, "cannot list the directory: \(BoundedInput.reason(errno))"))
            return
        }
        var names: [String] = []
        while let entry = readdir(listing) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        closedir(listing)
        for name in names.sorted() where name != ".git" {
            let full = directory + "/" + name
            var status = stat()
            // Do not follow symbolic links to directories: they can loop.
            guard lstat(full, &status) == 0 else { continue }
            let type = status.st_mode & S_IFMT
            let isDirectory = type == S_IFDIR
            if ignores.contains(where: { $0.ignores(full, isDirectory: isDirectory) }) { continue }
            if isDirectory {
                walk(
                    directory: full, display: display + "/" + name, ignores: &ignores, include: include,
                    into: &discovered)
            } else if include(name) {
                if type == S_IFLNK, stat(full, &status) != 0 {
                    discovered.unreadable.append((display + "/" + name, BoundedInput.reason(errno)))
                    continue
                }
                if Self.isDockerfileName(name), Self.isTemplateName(name) || Self.isTemplateContent(full) {
                    discovered.templates.append(display + "/" + name)
                    continue
                }
                found(display + "/" + name, into: &discovered)
            }
        }
    }

    private func found(_ path: String, into discovered: inout Discovered) { discovered.files.append(path) }
}

/// The patterns of one `.gitignore`, relative to its directory.
struct GitIgnore {
    struct Pattern {
        var glob: String
        var negated: Bool
        var directoryOnly: Bool
        var anchored: Bool
    }

    var base: String
    var patterns: [Pattern]

    static func load(directory: String) -> GitIgnore? {
        guard let text = try? String(contentsOfFile: directory + "/.gitignore", encoding: .utf8) else { return nil }
        var patterns: [Pattern] = []
        for rawLine in text.split(separator: "\n") {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            var negated = false
            if line.hasPrefix("!") {
                negated = true
                line.removeFirst()
            }
            var directoryOnly = false
            if line.hasSuffix("/") {
                directoryOnly = true
                line.removeLast()
            }
            let anchored = line.contains("/")
            if line.hasPrefix("/") { line.removeFirst() }
            if line.isEmpty { continue }
            patterns.append(Pattern(glob: line, negated: negated, directoryOnly: directoryOnly, anchored: anchored))
        }
        return patterns.isEmpty ? nil : GitIgnore(base: directory, patterns: patterns)
    }

    /// `.gitignore` files of the directories above `root`, up to the repository's top.
    static func ancestors(of root: String) -> [GitIgnore] {
        var chain: [GitIgnore] = []
        var directory = URL(fileURLWithPath: root).deletingLastPathComponent().path
        var previous = root
        while directory != previous, !directory.isEmpty {
            if let ignore = load(directory: directory) { chain.insert(ignore, at: 0) }
            if FileManager.default.fileExists(atPath: directory + "/.git") { break }
            previous = directory
            directory = URL(fileURLWithPath: directory).deletingLastPathComponent().path
        }
        return chain
    }

    func ignores(_ path: String, isDirectory: Bool) -> Bool {
        guard path.hasPrefix(base + "/") else { return false }
        let relative = String(path.dropFirst(base.count + 1))
        let name = relative.split(separator: "/").last.map(String.init) ?? relative
        var ignored = false
        for pattern in patterns {
            if pattern.directoryOnly, !isDirectory { continue }
            let matched =
                pattern.anchored ? Glob.matchesPath(pattern.glob, relative) : Glob.matchesPath(pattern.glob, name)
            if matched { ignored = !pattern.negated }
        }
        return ignored
    }

    /// Path matching with `**` for any number of directories.
}

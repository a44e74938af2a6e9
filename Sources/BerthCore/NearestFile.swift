import Foundation

/// Looks upwards from a directory for the nearest file with one of some names: configuration files
/// above a checked file, the chart or Kustomize root above a manifest.
public enum NearestFile {
    /// The nearest `directory/name` at or above `directory` for any of `names`, stopping after the
    /// directory that holds `.git` (the repository's top) or at the file-system root.
    public static func find(_ names: [String], from directory: String) -> String? {
        var current = URL(fileURLWithPath: directory).standardizedFileURL.path
        while true {
            for name in names where FileManager.default.fileExists(atPath: current + "/" + name) {
                return current + "/" + name
            }
            let parent = URL(fileURLWithPath: current).deletingLastPathComponent().path
            if parent == current || FileManager.default.fileExists(atPath: current + "/.git") { return nil }
            current = parent
        }
    }

    /// The nearest directory at or above `file`'s directory, up to and including `root`, that holds
    /// one of `names`; the directory is returned as the user wrote the path, for messages.
    public static func directory(containing names: [String], above file: String, within root: String) -> String? {
        func absolute(_ path: String) -> String {
            let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
            return URL(fileURLWithPath: full).standardizedFileURL.path
        }
        let stop = absolute(root)
        var directory = (file as NSString).deletingLastPathComponent
        while true {
            let shown = directory.isEmpty ? "." : directory
            if names.contains(where: { FileManager.default.fileExists(atPath: shown + "/" + $0) }) { return shown }
            let current = absolute(shown)
            if current == stop || current == "/" || !current.hasPrefix(stop) { return nil }
            directory = (directory as NSString).deletingLastPathComponent
        }
    }
}

import Foundation
import TestSupport

/// Paths shared by the Dockerfile tests.
enum TestPaths {
    /// Every Dockerfile of the optional corpus (none when it is absent).
    static var corpusDockerfiles: [URL] { Corpus.root.map(dockerfiles(under:)) ?? [] }

    static func subdirectories(of url: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.sorted().map { url.appendingPathComponent($0) }
            .filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
    }

    /// Every regular file under `url` whose name looks like a Dockerfile.
    static func dockerfiles(under url: URL) -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey])
        else {
            return []
        }
        var found: [URL] = []
        for case let file as URL in enumerator {
            let name = file.lastPathComponent
            if name == "Dockerfile" || name.hasSuffix(".Dockerfile") || name.hasPrefix("Dockerfile.") {
                found.append(file)
            }
        }
        return found.sorted { $0.path < $1.path }
    }
}

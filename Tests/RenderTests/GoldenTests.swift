import Foundation
import TestSupport
import Testing

@testable import Render

/// Every file `berth render` writes for each pattern, committed under `Tests/RenderTests/Golden/`, so a
/// template change shows as a diff in review. Update them with `scripts/update-golden.sh`.
@Suite struct GoldenTests {
    static let root = Repository.url("Tests/RenderTests/Golden")
    static var updating: Bool { ProcessInfo.processInfo.environment["BERTH_UPDATE_GOLDEN"] == "1" }

    static func rendered(_ pattern: Pattern) -> [GeneratedFile] {
        var spec = RenderSpec()
        spec.pattern = pattern
        return Renderer.render(spec)
    }

    /// Every regular file under `directory`, relative, sorted.
    static func files(under directory: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory.path) else { return [] }
        var found: [String] = []
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(
                atPath: directory.appendingPathComponent(path).path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                found.append(path)
            }
        }
        return found.sorted()
    }

    @Test(arguments: Pattern.allCases)
    func renderedTreeMatchesTheGoldenFiles(_ pattern: Pattern) throws {
        let directory = Self.root.appendingPathComponent(pattern.rawValue)
        let files = Self.rendered(pattern)
        if Self.updating {
            try? FileManager.default.removeItem(at: directory)
            for file in files {
                let url = directory.appendingPathComponent(file.path)
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(file.contents.utf8).write(to: url)
            }
            return
        }
        #expect(
            Self.files(under: directory) == files.map(\.path).sorted(),
            "the set of files changed: run scripts/update-golden.sh and review the diff")
        for file in files {
            let golden = try? String(contentsOf: directory.appendingPathComponent(file.path), encoding: .utf8)
            #expect(golden == file.contents, "\(pattern.rawValue)/\(file.path) differs from its golden file")
        }
    }
}

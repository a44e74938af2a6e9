import Foundation
import Testing

/// The optional outside corpora (BuildKit's parser cases, WSO2's Dockerfiles and charts, cosign's
/// signatures): real inputs written elsewhere, never copied into the repository.
///
/// Found through `BERTH_CORPUS`, else the `corpus` folder beside the package's parent (where CI puts
/// it), else `.corpus/` in the package, where `scripts/fetch-corpora.sh` clones them. Absent, the
/// tests that read them are skipped; with `CI` set they fail.
public enum Corpus {
    /// How to get the corpora, for skip and failure messages.
    public static let howToGet =
        "set BERTH_CORPUS to a corpus folder or run scripts/fetch-corpora.sh (it clones the upstream sources into .corpus/)"

    /// The corpus root, when one exists.
    public static let root: URL? = {
        var candidates: [URL] = []
        if let configured = ProcessInfo.processInfo.environment["BERTH_CORPUS"], !configured.isEmpty {
            candidates.append(URL(fileURLWithPath: configured))
        }
        candidates.append(Repository.root.deletingLastPathComponent().appendingPathComponent("shared/corpus"))
        candidates.append(Repository.url(".corpus"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }()

    /// Whether `relativePath` (e.g. `buildkit-parser`) exists in the corpus.
    public static func contains(_ relativePath: String) -> Bool {
        guard let root else { return false }
        return FileManager.default.fileExists(atPath: root.appendingPathComponent(relativePath).path)
    }

    /// The corpus folder `relativePath`, or nil after recording a failure under CI.
    ///
    /// Use it inside a test guarded by ``enabled(_:)`` so that a local run reports a skip.
    public static func require(
        _ relativePath: String, sourceLocation: SourceLocation = #_sourceLocation
    ) -> URL? {
        if let root, contains(relativePath) { return root.appendingPathComponent(relativePath) }
        if Environment.isCI {
            Issue.record("corpus '\(relativePath)' is missing: \(howToGet)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// Runs the test when the corpus folder is present, or under CI (where its absence fails).
    public static func enabled(_ relativePath: String) -> ConditionTrait {
        .enabled(
            if: contains(relativePath) || Environment.isCI,
            Comment(rawValue: "needs corpus '\(relativePath)': \(howToGet)"))
    }
}

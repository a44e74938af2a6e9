import Foundation
import TestSupport
import Testing

@testable import Dockerfile

/// BuildKit's own parser cases: every positive case dumps to exactly its `result`, every negative
/// case is rejected.
@Suite(Corpus.enabled("buildkit-parser")) struct BuildKitCorpusTests {
    static let positive =
        Corpus.root.map {
            TestPaths.subdirectories(of: $0.appendingPathComponent("buildkit-parser/testfiles"))
        } ?? []
    static let negative =
        Corpus.root.map {
            TestPaths.subdirectories(of: $0.appendingPathComponent("buildkit-parser/testfiles-negative"))
        } ?? []

    @Test func corpusIsPresent() {
        guard Corpus.require("buildkit-parser") != nil else { return }
        #expect(Self.positive.count >= 30, "expected BuildKit's testfiles in the corpus")
        #expect(Self.negative.count >= 4)
    }

    @Test(arguments: positive)
    func positiveCaseDumpsToResult(_ directory: URL) throws {
        let source = try Data(contentsOf: directory.appendingPathComponent("Dockerfile"))
        var expected = try String(contentsOf: directory.appendingPathComponent("result"), encoding: .utf8)
        // BuildKit's test compares against the file with Windows line endings normalised.
        expected = expected.replacingOccurrences(of: "\r\n", with: "\n")
        let parsed = try DockerfileParser().parse(bytes: [UInt8](source), file: directory.lastPathComponent)
        #expect(parsed.buildKitDump() + "\n" == expected, "\(directory.lastPathComponent)")
    }

    @Test(arguments: negative)
    func negativeCaseIsRejected(_ directory: URL) throws {
        let source = try Data(contentsOf: directory.appendingPathComponent("Dockerfile"))
        #expect(throws: DockerfileParseError.self, "\(directory.lastPathComponent)") {
            try DockerfileParser().parse(bytes: [UInt8](source), file: directory.lastPathComponent)
        }
    }

    /// BuildKit's `testfile-line` case: start and end lines of every instruction.
    @Test func lineNumbersMatchBuildKit() throws {
        guard let corpus = Corpus.require("buildkit-parser") else { return }
        let url = corpus.appendingPathComponent("testfile-line/Dockerfile")
        let parsed = try DockerfileParser().parse(bytes: [UInt8](try Data(contentsOf: url)))
        let lines = parsed.instructions.map { [$0.startLine, $0.endLine] }
        #expect(lines == [[5, 5], [11, 12], [17, 31]])
    }
}

import Foundation
import Testing

@testable import Dockerfile

/// BuildKit's own parser cases: every positive case dumps to exactly its `result`, every negative
/// case is rejected.
@Suite struct BuildKitCorpusTests {
    static let positive = TestPaths.subdirectories(
        of: TestPaths.corpus.appendingPathComponent("buildkit-parser/testfiles"))
    static let negative = TestPaths.subdirectories(
        of: TestPaths.corpus.appendingPathComponent("buildkit-parser/testfiles-negative"))

    @Test func corpusIsPresent() {
        #expect(Self.positive.count >= 30, "expected BuildKit's testfiles under ../shared/corpus")
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
        let url = TestPaths.corpus.appendingPathComponent("buildkit-parser/testfile-line/Dockerfile")
        let parsed = try DockerfileParser().parse(bytes: [UInt8](try Data(contentsOf: url)))
        let lines = parsed.instructions.map { [$0.startLine, $0.endLine] }
        #expect(lines == [[5, 5], [11, 12], [17, 31]])
    }
}

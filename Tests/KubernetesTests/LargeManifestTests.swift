import BerthCore
import Foundation
import Kubernetes
import Rules
import TestSupport
import Testing

/// Large inputs: the same findings however a set is split into files, and a run budget that
/// refuses input rather than grow.
@Suite struct LargeManifestTests {
    /// The defective fixtures copied into `copies` namespaces, each copy of each file one part.
    static func parts(copies: Int) throws -> [(file: String, text: String)] {
        let fixtures = try DeploymentSetTests.fixtures("defective")
        var parts: [(file: String, text: String)] = []
        for copy in 0..<copies {
            for fixture in fixtures {
                let text = String(decoding: fixture.bytes, as: UTF8.self)
                    .replacingOccurrences(of: "namespace: apim\n", with: "namespace: apim-\(copy)\n")
                    .replacingOccurrences(of: ".apim.svc", with: ".apim-\(copy).svc")
                parts.append(("part-\(copy)-\(fixture.file)", text))
            }
        }
        return parts
    }

    /// A finding without its file, at a line of the whole stream.
    /// A finding without the file names a message cites for objects in other files: split into
    /// parts, the same object is in another file; in the whole stream, it is in the same one.
    static func key(_ finding: Finding, lineOffset: Int) -> String {
        let message = finding.message.replacing(#/ \(part-[0-9]+-[a-z]+\.yaml\)/#, with: "")
        return
            "\(finding.location.line + lineOffset):\(finding.location.column) \(finding.severity) \(finding.rule) \(message)"
    }

    @Test func findingsOnALargeManifestEqualTheFindingsOnItsParts() throws {
        let copies = 40
        let parts = try Self.parts(copies: copies)
        // The whole stream: the parts one after another, each starting a new document.
        var whole = ""
        var offsets: [String: Int] = [:]
        for part in parts {
            offsets[part.file] = whole.split(separator: "\n", omittingEmptySubsequences: false).count - 1
            whole += part.text.hasSuffix("\n") ? part.text : part.text + "\n"
            whole += "---\n"
        }
        let checker = KubernetesChecker()
        let configuration = CheckConfiguration()
        let single = checker.check(inputs: [("whole.yaml", Array(whole.utf8))], configuration: configuration)
        let split = checker.check(
            inputs: parts.map { ($0.file, Array($0.text.utf8)) }, configuration: configuration)
        #expect(single.reports.allSatisfy { $0.error == nil })
        #expect(split.reports.allSatisfy { $0.error == nil })
        #expect(single.objectCount == split.objectCount)
        let perCopyObjects = checker.check(
            inputs: try Self.parts(copies: 1).map { ($0.file, Array($0.text.utf8)) }, configuration: configuration
        ).objectCount
        #expect(single.objectCount == copies * perCopyObjects)

        let wholeFindings = single.reports.flatMap(\.findings).map { Self.key($0, lineOffset: 0) }.sorted()
        let partFindings = split.reports.flatMap { report in
            report.findings.map { Self.key($0, lineOffset: offsets[report.file] ?? -1_000_000) }
        }.sorted()
        // Each copy keeps its own defects: a single copy's count, times the copies.
        let one = checker.check(
            inputs: try Self.parts(copies: 1).map { ($0.file, Array($0.text.utf8)) }, configuration: configuration)
        let perCopy = one.reports.flatMap(\.findings).count
        #expect(perCopy > 0)
        #expect(wholeFindings.count == perCopy * copies)
        // The cluster-scoped StorageClass is one object in every copy: split over files, it is one
        // duplicate note (the copies judged apart); in one stream there is nothing to choose between.
        let duplicated = partFindings.filter { $0.contains(" kubernetes-object-duplicated ") }
        #expect(duplicated.count == 1 && duplicated.first?.contains("StorageClass/nfs") == true)
        #expect(wholeFindings == partFindings.filter { !$0.contains(" kubernetes-object-duplicated ") })
    }

    /// Files padded with comments (cheap to parse) that together exceed the run's budget: the
    /// file that would pass it is refused by name, and the run exits 2 instead of growing.
    @Test func aRunOverSeveralLargeFilesRespectsTheBudget() throws {
        let fileBytes = 6 << 20
        let budgetMiB = 16
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-budget-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let object = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d}\ndata: {k: v}\n"
        let comment = "# " + String(repeating: "x", count: 1021) + "\n"
        for index in 1...3 {
            var text = String(format: object, index)
            text.reserveCapacity(fileBytes + 1024)
            while text.utf8.count < fileBytes { text += comment }
            try Data(text.utf8).write(to: root.appendingPathComponent("m\(index).yaml"))
        }
        // Two files fit the budget; the third would pass it.
        #expect(2 * fileBytes < budgetMiB << 20 && 3 * fileBytes > budgetMiB << 20)
        let run = try CheckKubernetesCommandTests.run(["check", root.path])
        #expect(run.status == 2, "\(run.stdout.prefix(2000))\(run.stderr.prefix(2000))")
        let output = run.stdout + run.stderr
        #expect(output.contains("m3.yaml: more than"), "\(output.prefix(2000))")
        #expect(output.contains("\(budgetMiB) MiB budget of one run"), "\(output.prefix(2000))")
        for checked in ["m1.yaml", "m2.yaml"] {
            #expect(!output.contains("\(checked): more than"), "\(output.prefix(2000))")
        }
    }
}

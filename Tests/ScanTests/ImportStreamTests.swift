import Foundation
import ImageTestSupport
import Testing

@testable import Scan

/// `berth db import` reads JSON files element by element.
@Suite struct ImportStreamTests {
    static func elements(_ text: String) throws -> [String] {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let path = builder.root + "/input.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var found: [String] = []
        try JSONElementStream(path: path).forEachElement { found.append(String(decoding: $0, as: UTF8.self)) }
        return found
    }

    @Test func arrayItemsWithBracketsCommasAndEscapesInStrings() throws {
        let text = #" [ {"id": "a,]}", "x": [1, [2]]}, {"id": "b \"q\" \\"} ,"s", 3 ] "#
        #expect(
            try Self.elements(text) == [#" {"id": "a,]}", "x": [1, [2]]}"#, #" {"id": "b \"q\" \\"} "#, #""s""#, " 3 "])
        #expect(try Self.elements("[]").isEmpty)
    }

    @Test func objectMembersComeAsOneMemberObjects() throws {
        let found = try Self.elements(#"{"glibc": {"CVE-1": {"releases": {}}}, "zlib": {}}"#)
        #expect(found == [#"{"glibc": {"CVE-1": {"releases": {}}}}"#, #"{ "zlib": {}}"#])
    }

    @Test(arguments: [
        ("[{\"id\": \"a\"}, {\"id\": ", "truncated"),
        ("[1] [2]", "text after the top-level JSON value"),
        ("\"just a string\"", "not a JSON array or object"),
        ("[1}", "mismatched bracket"),
        ("   ", "empty file"),
    ])
    func damagedFilesAreClearErrors(text: String, reason: String) throws {
        #expect {
            try Self.elements(text)
        } throws: { error in
            (error as? ScanError)?.description.contains(reason) == true
        }
    }

    /// A large array of OSV records imports record by record and gives the same database as the
    /// same records one file each.
    @Test func aLargeArrayImportsLikeOneFilePerRecord() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        var records: [String] = []
        for index in 0..<3000 {
            records.append(
                #"{"id": "BIG-\#(index)", "aliases": ["CVE-2099-\#(index)"], "summary": "x, [y] {z}", "affected": [{"package": {"ecosystem": "Maven", "name": "g:a\#(index % 50)"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.\#(index)"}]}]}]}"#
            )
        }
        let array = builder.root + "/all.json"
        try ("[\n" + records.joined(separator: ",\n") + "\n]\n").write(toFile: array, atomically: true, encoding: .utf8)
        let folder = builder.root + "/all"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (index, record) in records.enumerated() {
            try record.write(toFile: folder + "/BIG-\(index).json", atomically: true, encoding: .utf8)
        }
        let fromArray = builder.root + "/array.sqlite"
        let fromFolder = builder.root + "/folder.sqlite"
        let imported = try VulnerabilityDatabase.importRecords(into: fromArray) { add throws(ScanError) in
            try SourceLoader.stream(array, into: add)
        }
        #expect(imported.map(\.imported) == [3000])
        try VulnerabilityDatabase.importRecords(into: fromFolder) { add throws(ScanError) in
            try SourceLoader.stream(folder, into: add)
        }
        let a = try VulnerabilityDatabase.open(path: fromArray)
        let b = try VulnerabilityDatabase.open(path: fromFolder)
        for name in ["g:a0", "g:a17", "g:a49"] {
            let left = try a.records(ecosystem: "Maven", name: name).sorted { $0.id < $1.id }
            let right = try b.records(ecosystem: "Maven", name: name).sorted { $0.id < $1.id }
            #expect(left.count == 60)
            #expect(left == right)
        }
        #expect(try a.sources().map(\.records) == [3000])
    }

    @Test func aBrokenRecordInAnArrayNamesItsIndexAndLeavesNoDatabase() throws {
        let builder = try TestImageBuilder()
        defer { builder.cleanUp() }
        let array = builder.root + "/all.json"
        try #"[{"id": "A-1"}, {"id": "A-2", "affected": [{"package": {"ecosystem": "Maven"}}]}]"#.write(
            toFile: array, atomically: true, encoding: .utf8)
        let database = builder.root + "/db/v.sqlite"
        #expect {
            try VulnerabilityDatabase.importRecords(into: database) { add throws(ScanError) in
                try SourceLoader.stream(array, into: add)
            }
        } throws: { error in
            (error as? ScanError)?.description.contains("all.json[1]") == true
        }
        #expect(!FileManager.default.fileExists(atPath: database))
    }
}

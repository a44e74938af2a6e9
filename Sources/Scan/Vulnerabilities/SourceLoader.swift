import Foundation

/// Reads what `berth db import` is given: a folder or zip of OSV JSON, one OSV file, or the Debian tracker's JSON.
public enum SourceLoader {
    public struct Batch: Sendable {
        public var source: String
        public var kind: String
        public var records: [VulnerabilityRecord]
    }

    /// Largest JSON file read (the Debian tracker's is about 80 MB).
    static let maximumFileSize = 1 << 30

    /// Reads every record of `path` into memory, grouped by source (small inputs and tests;
    /// `berth db import` streams with `stream`).
    public static func load(_ path: String) throws(ScanError) -> [Batch] {
        var batches: [Batch] = []
        try stream(path) { source, kind, record throws(ScanError) in
            if let index = batches.firstIndex(where: { $0.source == source }) {
                batches[index].records.append(record)
            } else {
                batches.append(Batch(source: source, kind: kind, records: [record]))
            }
        }
        return batches
    }

    /// Hands every record of `path` to `sink` with its source name and kind, one at a time: OSV
    /// records of a folder, zip or file as `osv:NAME`, each Debian tracker file as
    /// `debian-tracker:NAME`. A JSON file is read element by element (`JSONElementStream`), so an
    /// array of any number of records is imported in bounded memory.
    public static func stream(
        _ path: String,
        into sink: (_ source: String, _ kind: String, _ record: VulnerabilityRecord) throws(ScanError) -> Void
    ) throws(ScanError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .database(path: path, reason: "no such file or directory")
        }
        let base = (path as NSString).lastPathComponent
        let osvSource = "osv:" + base
        if isDirectory.boolValue {
            guard let enumerator = FileManager.default.enumerator(atPath: path) else {
                throw .database(path: path, reason: "cannot list directory")
            }
            var files: [String] = []
            for case let relative as String in enumerator where relative.hasSuffix(".json") { files.append(relative) }
            for relative in files.sorted() {
                try streamFile(
                    path + "/" + relative, base: (relative as NSString).lastPathComponent, osvSource: osvSource,
                    sink: sink)
            }
            return
        }
        if try isZip(path) {
            let zip = try ZipReader(Array(try read(path)), subject: path)
            for entry in zip.entries where entry.name.hasSuffix(".json") {
                let content = try zip.read(entry, limit: 64 << 20)
                try collect(
                    Data(content), subject: "\(path)!/\(entry.name)", base: entry.name, osvSource: osvSource,
                    sink: sink)
            }
            return
        }
        try streamFile(path, base: base, osvSource: osvSource, sink: sink)
    }

    private static func isZip(_ path: String) throws(ScanError) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .database(path: path, reason: "cannot read")
        }
        defer { try? handle.close() }
        let magic = [UInt8]((try? handle.read(upToCount: 4)) ?? Data())
        return magic == [0x50, 0x4b, 0x03, 0x04] || magic == [0x50, 0x4b, 0x05, 0x06]
    }

    /// One JSON file: an array of OSV records, one OSV record, or the Debian tracker's object,
    /// read element by element.
    private static func streamFile(
        _ path: String, base: String, osvSource: String,
        sink: (String, String, VulnerabilityRecord) throws(ScanError) -> Void
    ) throws(ScanError) {
        let stream = JSONElementStream(path: path)
        switch try stream.container() {
        case .array:
            var index = 0
            try stream.forEachElement { element throws(ScanError) in
                try sink(osvSource, "osv", try OSVImporter.parse(element, subject: "\(path)[\(index)]"))
                index += 1
            }
        case .object:
            // An OSV record has an `id` at the top level; the tracker maps source packages to issues.
            var tracker: DebianTrackerImporter.Accumulator?
            var members: [String: Any] = [:]
            try stream.forEachElement { element throws(ScanError) in
                let member: [String: Any]
                do {
                    guard let object = try JSONSerialization.jsonObject(with: element) as? [String: Any] else {
                        throw ScanError.invalidRecord(subject: path, reason: "not JSON")
                    }
                    member = object
                } catch {
                    throw .invalidRecord(subject: path, reason: "not JSON")
                }
                if tracker == nil && members.isEmpty && DebianTrackerImporter.looksLikeTracker(member) {
                    tracker = DebianTrackerImporter.Accumulator()
                }
                if tracker != nil {
                    try tracker?.add(member, subject: path)
                } else {
                    members.merge(member) { _, new in new }
                    guard members.count < 4096 else {
                        throw .invalidRecord(
                            subject: path, reason: "neither an OSV record nor the Debian tracker's JSON")
                    }
                }
            }
            if let tracker {
                for record in tracker.records() { try sink("debian-tracker:" + base, "debian-tracker", record) }
            } else {
                try sink(osvSource, "osv", try OSVImporter.parse(members, subject: path))
            }
        case nil:
            throw .invalidRecord(subject: path, reason: "neither an OSV record nor the Debian tracker's JSON")
        }
    }

    private static func read(_ path: String) throws(ScanError) -> Data {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? Int
        else {
            throw .database(path: path, reason: "cannot read")
        }
        guard size <= maximumFileSize else {
            throw .database(path: path, reason: "larger than \(maximumFileSize) bytes")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .database(path: path, reason: "cannot read")
        }
        return data
    }

    private static func collect(
        _ data: Data, subject: String, base: String, osvSource: String,
        sink: (String, String, VulnerabilityRecord) throws(ScanError) -> Void
    ) throws(ScanError) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .invalidRecord(subject: subject, reason: "not JSON")
        }
        if let list = object as? [[String: Any]] {
            for (index, document) in list.enumerated() {
                try sink(osvSource, "osv", try OSVImporter.parse(document, subject: "\(subject)[\(index)]"))
            }
        } else if let document = object as? [String: Any] {
            if DebianTrackerImporter.looksLikeTracker(document) {
                for record in try DebianTrackerImporter.parse(document, subject: subject) {
                    try sink("debian-tracker:" + base, "debian-tracker", record)
                }
            } else {
                try sink(osvSource, "osv", try OSVImporter.parse(document, subject: subject))
            }
        } else {
            throw .invalidRecord(subject: subject, reason: "neither an OSV record nor the Debian tracker's JSON")
        }
    }
}

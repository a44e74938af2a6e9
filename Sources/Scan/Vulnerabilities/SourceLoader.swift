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

    public static func load(_ path: String) throws(ScanError) -> [Batch] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .database(path: path, reason: "no such file or directory")
        }
        let base = (path as NSString).lastPathComponent
        if isDirectory.boolValue {
            guard let enumerator = FileManager.default.enumerator(atPath: path) else {
                throw .database(path: path, reason: "cannot list directory")
            }
            var osv: [VulnerabilityRecord] = []
            var batches: [Batch] = []
            for case let relative as String in enumerator where relative.hasSuffix(".json") {
                let file = path + "/" + relative
                try collect(
                    try read(file), subject: file, base: (relative as NSString).lastPathComponent, osv: &osv,
                    batches: &batches)
            }
            if !osv.isEmpty { batches.insert(Batch(source: "osv:" + base, kind: "osv", records: osv), at: 0) }
            return batches
        }
        let data = try read(path)
        if data.starts(with: [0x50, 0x4b, 0x03, 0x04]) || data.starts(with: [0x50, 0x4b, 0x05, 0x06]) {
            let zip = try ZipReader(Array(data), subject: path)
            var osv: [VulnerabilityRecord] = []
            var batches: [Batch] = []
            for entry in zip.entries where entry.name.hasSuffix(".json") {
                let content = try zip.read(entry, limit: 64 << 20)
                try collect(
                    Data(content), subject: "\(path)!/\(entry.name)", base: entry.name, osv: &osv, batches: &batches)
            }
            if !osv.isEmpty { batches.insert(Batch(source: "osv:" + base, kind: "osv", records: osv), at: 0) }
            return batches
        }
        var osv: [VulnerabilityRecord] = []
        var batches: [Batch] = []
        try collect(data, subject: path, base: base, osv: &osv, batches: &batches)
        if !osv.isEmpty { batches.insert(Batch(source: "osv:" + base, kind: "osv", records: osv), at: 0) }
        return batches
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
        _ data: Data, subject: String, base: String, osv: inout [VulnerabilityRecord], batches: inout [Batch]
    ) throws(ScanError) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .invalidRecord(subject: subject, reason: "not JSON")
        }
        if let list = object as? [[String: Any]] {
            for (index, document) in list.enumerated() {
                osv.append(try OSVImporter.parse(document, subject: "\(subject)[\(index)]"))
            }
        } else if let document = object as? [String: Any] {
            if DebianTrackerImporter.looksLikeTracker(document) {
                batches.append(
                    Batch(
                        source: "debian-tracker:" + base, kind: "debian-tracker",
                        records: try DebianTrackerImporter.parse(document, subject: subject)))
            } else {
                osv.append(try OSVImporter.parse(document, subject: subject))
            }
        } else {
            throw .invalidRecord(subject: subject, reason: "neither an OSV record nor the Debian tracker's JSON")
        }
    }
}

import Foundation
import GRDB

/// Reads rpm's SQLite database (`rpmdb.sqlite`, rpm 4.16 and later): each row of `Packages` holds
/// one package header blob.
enum RPMCataloger {
    /// Header tags read here (rpm's `rpmtag.h` numbers).
    enum Tag: Int32 {
        case name = 1000
        case version = 1001
        case release = 1002
        case epoch = 1003
        case license = 1014
        case arch = 1022
        case sourceRPM = 1044
    }

    /// Parses the database bytes; the content is written to a private temporary file for SQLite.
    static func parse(sqlite content: [UInt8], path: String) throws(ScanError) -> [OSPackageRecord] {
        let directory = NSTemporaryDirectory() + "berth-rpmdb-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let file = directory + "/rpmdb.sqlite"
            try Data(content).write(to: URL(fileURLWithPath: file))
            let queue = try DatabaseQueue(path: file)
            let blobs = try queue.read { db in try Data.fetchAll(db, sql: "SELECT blob FROM Packages ORDER BY hnum") }
            try queue.close()
            var records: [OSPackageRecord] = []
            for (index, blob) in blobs.enumerated() {
                guard let record = try header([UInt8](blob), subject: "\(path) package \(index + 1)") else { continue }
                records.append(record)
            }
            return records
        } catch let error as ScanError {
            throw error
        } catch {
            throw .invalidArchive(subject: path, reason: "cannot read the rpm database: \(error)")
        }
    }

    /// One package header: `il` index entries of 16 bytes, then `dl` bytes of data.
    static func header(_ blob: [UInt8], subject: String) throws(ScanError) -> OSPackageRecord? {
        func be32(_ offset: Int) -> Int32? {
            guard offset >= 0, offset + 4 <= blob.count else { return nil }
            return Int32(
                bitPattern: UInt32(blob[offset]) << 24 | UInt32(blob[offset + 1]) << 16 | UInt32(blob[offset + 2]) << 8
                    | UInt32(blob[offset + 3]))
        }
        guard let indexCount = be32(0), let dataLength = be32(4), indexCount >= 0, indexCount < 100_000, dataLength >= 0
        else {
            throw .invalidArchive(subject: subject, reason: "not an rpm header")
        }
        let dataStart = 8 + Int(indexCount) * 16
        guard dataStart + Int(dataLength) <= blob.count else {
            throw .invalidArchive(subject: subject, reason: "header data runs past the blob")
        }
        var strings: [Int32: String] = [:]
        var integers: [Int32: Int32] = [:]
        for entry in 0..<Int(indexCount) {
            let base = 8 + entry * 16
            guard let tag = be32(base), let type = be32(base + 4), let offset = be32(base + 8),
                Tag(rawValue: tag) != nil
            else { continue }
            let start = dataStart + Int(offset)
            guard offset >= 0, start < dataStart + Int(dataLength) else { continue }
            switch type {
            case 4:
                integers[tag] = be32(start)
            case 6, 8, 9:
                let end = blob[start..<(dataStart + Int(dataLength))].firstIndex(of: 0) ?? (dataStart + Int(dataLength))
                strings[tag] = String(decoding: blob[start..<end], as: UTF8.self)
            default:
                continue
            }
        }
        guard let name = strings[Tag.name.rawValue], let version = strings[Tag.version.rawValue], !name.isEmpty else {
            return nil
        }
        // gpg-pubkey entries are keys, not packages.
        if name == "gpg-pubkey" { return nil }
        var full = version
        if let release = strings[Tag.release.rawValue], !release.isEmpty { full += "-" + release }
        if let epoch = integers[Tag.epoch.rawValue] { full = "\(epoch):" + full }
        var sourceName: String?
        if let source = strings[Tag.sourceRPM.rawValue], source.hasSuffix(".src.rpm") {
            let parts = source.dropLast(".src.rpm".count).split(separator: "-")
            if parts.count >= 3 { sourceName = parts.dropLast(2).joined(separator: "-") }
        }
        let license = strings[Tag.license.rawValue]
        return OSPackageRecord(
            type: .rpm, name: name, version: full, architecture: strings[Tag.arch.rawValue],
            sourceName: sourceName ?? name, sourceVersion: full, licenses: license.map { [$0] } ?? [])
    }
}

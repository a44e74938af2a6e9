import Foundation

/// A package read from an OS package database before the distribution is known.
struct OSPackageRecord: Sendable, Equatable, Codable {
    var type: PackageType
    var name: String
    var version: String
    var architecture: String?
    var sourceName: String?
    var sourceVersion: String?
    var licenses: [String]
}

/// Reads dpkg's `status` file and the per-package files of `status.d` (distroless images).
enum DpkgCataloger {
    /// Installed packages of a status file; `requireInstalled` is false for status.d files, which have no Status.
    static func parse(_ text: String, requireInstalled: Bool = true) -> [OSPackageRecord] {
        var records: [OSPackageRecord] = []
        for paragraph in ControlFile.paragraphs(text) {
            guard let name = paragraph["Package"], let version = paragraph["Version"], !name.isEmpty else { continue }
            if let status = paragraph["Status"] {
                let words = status.split(separator: " ")
                guard words.last == "installed" else { continue }
            } else if requireInstalled {
                continue
            }
            var sourceName = name
            var sourceVersion = version
            if let source = paragraph["Source"] {
                let parts = source.split(separator: " ", maxSplits: 1)
                if let first = parts.first { sourceName = String(first) }
                if parts.count == 2 {
                    sourceVersion = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "() "))
                }
            }
            records.append(
                OSPackageRecord(
                    type: .deb, name: name, version: version, architecture: paragraph["Architecture"],
                    sourceName: sourceName, sourceVersion: sourceVersion, licenses: []))
        }
        return records
    }
}

/// Reads apk's `installed` database.
enum ApkCataloger {
    static func parse(_ text: String) -> [OSPackageRecord] {
        var records: [OSPackageRecord] = []
        var fields: [Character: String] = [:]
        func flush() {
            if let name = fields["P"], let version = fields["V"] {
                records.append(
                    OSPackageRecord(
                        type: .apk, name: name, version: version, architecture: fields["A"],
                        sourceName: fields["o"] ?? name, sourceVersion: version,
                        licenses: fields["L"].map { [$0] } ?? []))
            }
            fields = [:]
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                flush()
                continue
            }
            guard line.count >= 2, line.dropFirst().first == ":", let key = line.first else { continue }
            // Only the first of repeated keys is kept (F:/R: repeat per file; P/V/A/o/L do not).
            if fields[key] == nil { fields[key] = String(line.dropFirst(2)) }
        }
        flush()
        return records
    }
}

/// dpkg control-file paragraphs: `Key: value` with continuation lines.
enum ControlFile {
    static func paragraphs(_ text: String) -> [[String: String]] {
        var result: [[String: String]] = []
        var current: [String: String] = [:]
        var lastKey: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                if !current.isEmpty { result.append(current) }
                current = [:]
                lastKey = nil
                continue
            }
            if line.first == " " || line.first == "\t" {
                if let lastKey { current[lastKey, default: ""] += "\n" + line.trimmingCharacters(in: .whitespaces) }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            current[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            lastKey = key
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}

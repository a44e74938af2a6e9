import Foundation

/// Files of an image layout or archive, opened by their path inside it.
protocol BlobStore: Sendable {
    /// A human-readable name of the container of the files, for messages.
    var location: String { get }
    /// Opens the member at `name`, or nil when there is none.
    func open(_ name: String) throws(ImageError) -> (any ByteStream)?
}

extension BlobStore {
    /// Reads a small member whole (manifests, configs, indexes).
    func readSmall(_ name: String, limit: Int = 16 << 20) throws(ImageError) -> Data? {
        guard let stream = try open(name) else { return nil }
        let bytes = try readFully(stream, count: limit + 1)
        guard bytes.count <= limit else {
            throw .invalidImage(subject: "\(location)/\(name)", reason: "larger than \(limit) bytes")
        }
        return Data(bytes)
    }

    /// The path of a blob named by `digest` in an OCI layout.
    static func blobPath(_ digest: String) throws(ImageError) -> String {
        let parts = digest.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, ["sha256", "sha512"].contains(parts[0]),
            parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase }), !parts[1].isEmpty
        else {
            throw .invalidImage(subject: "digest '\(digest.prefix(140))'", reason: "not a sha256 or sha512 digest")
        }
        return "blobs/\(parts[0])/\(parts[1])"
    }
}

/// A directory on disk (an OCI layout).
struct DirectoryStore: BlobStore {
    let root: String
    var location: String { root }

    func open(_ name: String) throws(ImageError) -> (any ByteStream)? {
        let path = root + "/" + name
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try FileRangeStream(path: path)
    }
}

/// An uncompressed tar archive whose members are read in place, by offset, never extracted.
struct TarStore: BlobStore {
    let path: String
    let members: [String: (offset: Int64, size: Int64)]
    var location: String { path }

    init(path: String) throws(ImageError) {
        self.path = path
        let reader = TarReader(try FileRangeStream(path: path), subject: path)
        var members: [String: (offset: Int64, size: Int64)] = [:]
        var links: [String: String] = [:]
        while let entry = try reader.next() {
            guard let name = normalisedArchiveName(entry.name) else { continue }
            switch entry.kind {
            case .regular: members[name] = (reader.dataOffset, entry.size)
            case .hardLink, .symbolicLink:
                links[name] = entry.kind == .hardLink ? entry.linkName : relativeTarget(name, entry.linkName)
            default: break
            }
        }
        // docker save links identical layers to one another.
        for (name, target) in links {
            if let normalised = normalisedArchiveName(target), let member = members[normalised] {
                members[name] = member
            }
        }
        self.members = members
    }

    func open(_ name: String) throws(ImageError) -> (any ByteStream)? {
        guard let member = members[name] else { return nil }
        return try FileRangeStream(path: path, offset: member.offset, length: member.size)
    }
}

private func relativeTarget(_ name: String, _ target: String) -> String {
    if target.hasPrefix("/") { return target }
    let directory = name.split(separator: "/").dropLast().joined(separator: "/")
    return directory.isEmpty ? target : directory + "/" + target
}

/// `./a/b` and `/a/b` become `a/b`; names that climb out with `..` are refused.
func normalisedArchiveName(_ name: String) -> String? {
    var parts: [Substring] = []
    for part in name.split(separator: "/", omittingEmptySubsequences: true) {
        if part == "." { continue }
        if part == ".." {
            guard !parts.isEmpty else { return nil }
            parts.removeLast()
            continue
        }
        parts.append(part)
    }
    return parts.joined(separator: "/")
}

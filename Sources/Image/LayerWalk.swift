import Foundation

/// What a layer says about one path, in the order the layer's tar lists it.
public enum FileEvent: Sendable, Equatable {
    /// A regular file the selector asked for, with its whole content.
    case file(path: String, content: [UInt8])
    /// A regular file the selector asked for but larger than the size limit; its content is skipped.
    case oversized(path: String, size: Int64)
    case symbolicLink(path: String, target: String)
    /// A hard link to `target`, an earlier member of the same layer or a lower layer.
    case hardLink(path: String, target: String)
    /// `.wh.NAME`: the path and everything under it are deleted from lower layers.
    case whiteout(path: String)
    /// `.wh..wh..opq`: everything under the directory from lower layers is deleted.
    case opaque(directory: String)
}

/// A problem met while reading an image that did not stop the reading.
public struct ImageWarning: Sendable, Equatable, CustomStringConvertible {
    public var subject: String
    public var message: String

    public var description: String { "\(subject): \(message)" }
}

extension Image {
    /// Streams every layer in order and reports selected files, links and whiteouts.
    ///
    /// Paths are absolute and normalised (`/etc/os-release`). `selecting` decides from a path whether
    /// its content is wanted; content is read whole only up to `maximumFileSize`. Links are reported
    /// when `selecting` accepts their path. Whiteouts and opaque directories are always reported.
    /// Memory stays bounded by the largest selected file, whatever the layer size.
    public func walk(
        selecting: (String) -> Bool, maximumFileSize: Int64,
        visit: (LayerInfo, FileEvent) -> Void
    ) throws(ImageError) -> [ImageWarning] {
        var warnings: [ImageWarning] = []
        switch content {
        case .directory(let root):
            try walkDirectory(
                root, selecting: selecting, maximumFileSize: maximumFileSize, warnings: &warnings
            ) { visit(layers[0], $0) }
        case .store(let store, let paths):
            for (layer, path) in zip(layers, paths) {
                try walkLayer(
                    store, path: path, layer: layer, selecting: selecting, maximumFileSize: maximumFileSize,
                    warnings: &warnings
                ) { visit(layer, $0) }
            }
        }
        return warnings
    }

    /// Streams the layer at `index` alone, as `walk` does for every layer, and returns the warnings
    /// met in it. A root-filesystem image (`dir:`) has one layer, index 0.
    public func walk(
        layer index: Int, selecting: (String) -> Bool, maximumFileSize: Int64, visit: (FileEvent) -> Void
    ) throws(ImageError) -> [ImageWarning] {
        var warnings: [ImageWarning] = []
        switch content {
        case .directory(let root):
            guard index == 0 else { return [] }
            try walkDirectory(
                root, selecting: selecting, maximumFileSize: maximumFileSize, warnings: &warnings, visit: visit)
        case .store(let store, let paths):
            guard layers.indices.contains(index), paths.indices.contains(index) else { return [] }
            try walkLayer(
                store, path: paths[index], layer: layers[index], selecting: selecting,
                maximumFileSize: maximumFileSize, warnings: &warnings, visit: visit)
        }
        return warnings
    }

    /// Opens a layer blob, checks its digest as it streams and removes its compression.
    func layerStream(_ store: any BlobStore, path: String, layer: LayerInfo) throws(ImageError) -> (
        content: any ByteStream, blob: any ByteStream
    ) {
        let subject = "layer \(layer.digest ?? path)"
        guard let raw = try store.open(path) else {
            throw .notFound(subject: store.location, reason: "layer blob '\(path)' is missing")
        }
        // An OCI layout names blobs by their digest; a docker archive's layer.tar by its diff-id.
        let blob = DigestingStream(raw, expected: layer.digest, subject: subject)
        var stream: any ByteStream = blob
        let magic = try readFully(stream, count: 4)
        stream = PrefixedStream(prefix: magic, stream)
        if magic.count >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
            stream = try GzipStream(stream, subject: subject)
            if layer.digest == nil, let diffID = layer.diffID {
                stream = DigestingStream(stream, expected: diffID, subject: subject)
            }
        } else if magic == [0x28, 0xb5, 0x2f, 0xfd] {
            stream = try ZstdStream(stream, subject: subject)
            if layer.digest == nil, let diffID = layer.diffID {
                stream = DigestingStream(stream, expected: diffID, subject: subject)
            }
        } else if layer.digest == nil, let diffID = layer.diffID {
            stream = DigestingStream(stream, expected: diffID, subject: subject)
        }
        return (stream, blob)
    }

    private func walkLayer(
        _ store: any BlobStore, path: String, layer: LayerInfo, selecting: (String) -> Bool,
        maximumFileSize: Int64, warnings: inout [ImageWarning], visit: (FileEvent) -> Void
    ) throws(ImageError) {
        let subject = "layer \(layer.digest ?? path)"
        let (stream, blob) = try layerStream(store, path: path, layer: layer)
        let reader = TarReader(stream, subject: subject)
        while let entry = try reader.next() {
            guard let normalised = normalisedLayerPath(entry.name) else {
                warnings.append(
                    ImageWarning(subject: subject, message: "skipped '\(entry.name.prefix(300))': path leaves the root")
                )
                continue
            }
            let name = normalised.split(separator: "/").last.map(String.init) ?? ""
            if name.hasPrefix(".wh.") {
                let parent = String(normalised.dropLast(name.count).dropLast())
                if name == ".wh..wh..opq" {
                    visit(.opaque(directory: parent.isEmpty ? "/" : parent))
                } else {
                    visit(.whiteout(path: parent + "/" + name.dropFirst(4)))
                }
                continue
            }
            switch entry.kind {
            case .regular:
                guard selecting(normalised) else { continue }
                if entry.size > maximumFileSize {
                    visit(.oversized(path: normalised, size: entry.size))
                } else {
                    visit(.file(path: normalised, content: try reader.readContent(limit: Int(entry.size))))
                }
            case .sparse:
                if selecting(normalised) {
                    warnings.append(ImageWarning(subject: subject, message: "skipped sparse file '\(normalised)'"))
                }
            case .symbolicLink:
                if selecting(normalised) { visit(.symbolicLink(path: normalised, target: entry.linkName)) }
            case .hardLink:
                guard selecting(normalised) else { continue }
                guard let target = normalisedLayerPath(entry.linkName) else {
                    warnings.append(
                        ImageWarning(
                            subject: subject, message: "skipped hard link '\(normalised)': target leaves the root"))
                    continue
                }
                visit(.hardLink(path: normalised, target: target))
            case .directory, .other:
                continue
            }
        }
        try reader.finish()
        // Bytes after the compressed stream still count towards the blob's digest.
        try drain(blob)
    }

    private func walkDirectory(
        _ root: String, selecting: (String) -> Bool, maximumFileSize: Int64, warnings: inout [ImageWarning],
        visit: (FileEvent) -> Void
    ) throws(ImageError) {
        let rootURL = URL(fileURLWithPath: root).standardizedFileURL
        let keys: [URLResourceKey] = [.isRegularFileKey, .isSymbolicLinkKey, .fileSizeKey]
        guard
            let enumerator = FileManager.default.enumerator(
                at: rootURL, includingPropertiesForKeys: keys, options: [],
                errorHandler: { _, _ in true })
        else {
            throw .io(path: root, reason: "cannot list directory")
        }
        let prefixLength = rootURL.path.count
        for case let url as URL in enumerator {
            var relative = String(url.standardizedFileURL.path.dropFirst(prefixLength))
            if !relative.hasPrefix("/") { relative = "/" + relative }
            guard selecting(relative) else { continue }
            guard let values = try? url.resourceValues(forKeys: Set(keys)) else { continue }
            if values.isSymbolicLink == true {
                if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: url.path) {
                    visit(.symbolicLink(path: relative, target: target))
                }
            } else if values.isRegularFile == true {
                let size = Int64(values.fileSize ?? 0)
                if size > maximumFileSize {
                    visit(.oversized(path: relative, size: size))
                    continue
                }
                do {
                    let stream = try FileRangeStream(path: url.path)
                    visit(.file(path: relative, content: try readFully(stream, count: Int(size))))
                } catch {
                    warnings.append(ImageWarning(subject: root, message: error.description))
                }
            }
        }
    }
}

/// A layer member's name as an absolute path; nil when any component is `..`.
func normalisedLayerPath(_ name: String) -> String? {
    var parts: [Substring] = []
    for part in name.split(separator: "/", omittingEmptySubsequences: true) {
        if part == "." { continue }
        if part == ".." { return nil }
        parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
}

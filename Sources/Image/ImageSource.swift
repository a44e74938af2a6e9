/// Where an image comes from, in the transport syntax skopeo, syft and Trivy share.
public enum ImageSource: Sendable, Equatable, CustomStringConvertible {
    /// `oci:PATH[:REF]`: an OCI image layout directory, optionally one tagged manifest of it.
    case ociLayout(path: String, reference: String?)
    /// `oci-archive:PATH`: a tar of an OCI image layout.
    case ociArchive(path: String)
    /// `docker-archive:PATH`: the tar `docker save` and `podman save` write.
    case dockerArchive(path: String)
    /// `dir:PATH`: an unpacked root file system, read as a single layer.
    case directory(path: String)
    /// `docker://HOST/REPO[:TAG|@DIGEST]`, or a bare reference: an image in a registry.
    case registry(reference: String)

    /// Parses a transport-qualified reference; a string without a known transport is a registry reference.
    public init(parsing text: String) throws(ImageError) {
        guard !text.isEmpty, text.utf8.count <= 4096 else { throw .invalidReference(text) }
        func rest(_ prefix: String) -> String? {
            text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : nil
        }
        if let value = rest("oci:") {
            guard !value.isEmpty else { throw .invalidReference(text) }
            // The reference follows the last ':' unless that colon belongs to the path.
            if let colon = value.lastIndex(of: ":"), !value[value.index(after: colon)...].contains("/") {
                let path = String(value[..<colon])
                let reference = String(value[value.index(after: colon)...])
                guard !path.isEmpty else { throw .invalidReference(text) }
                self = .ociLayout(path: path, reference: reference.isEmpty ? nil : reference)
            } else {
                self = .ociLayout(path: value, reference: nil)
            }
        } else if let value = rest("oci-archive:") {
            guard !value.isEmpty else { throw .invalidReference(text) }
            self = .ociArchive(path: Self.stripArchiveReference(value))
        } else if let value = rest("docker-archive:") {
            guard !value.isEmpty else { throw .invalidReference(text) }
            self = .dockerArchive(path: Self.stripArchiveReference(value))
        } else if let value = rest("dir:") {
            guard !value.isEmpty else { throw .invalidReference(text) }
            self = .directory(path: value)
        } else if let value = rest("docker://") {
            guard !value.isEmpty else { throw .invalidReference(text) }
            self = .registry(reference: value)
        } else if text.contains("://") || text.hasPrefix("/") || text.hasPrefix(".") {
            throw .invalidReference(text)
        } else {
            self = .registry(reference: text)
        }
    }

    /// skopeo lets archive transports name one image inside (`PATH:REF`); only a path is read here.
    private static func stripArchiveReference(_ value: String) -> String {
        if let colon = value.lastIndex(of: ":"), !value[value.index(after: colon)...].contains("/") {
            let path = String(value[..<colon])
            if !path.isEmpty { return path }
        }
        return value
    }

    public var description: String {
        switch self {
        case .ociLayout(let path, let reference): return "oci:\(path)" + (reference.map { ":\($0)" } ?? "")
        case .ociArchive(let path): return "oci-archive:\(path)"
        case .dockerArchive(let path): return "docker-archive:\(path)"
        case .directory(let path): return "dir:\(path)"
        case .registry(let reference): return "docker://\(reference)"
        }
    }
}

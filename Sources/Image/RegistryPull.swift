import BerthCore
import Foundation
import OCI

/// Copies an image from a registry into a private OCI layout, so `docker://` images are read by the
/// same verified, streaming code as local ones. Manifests and blobs are checked against their
/// digests as they arrive; layers are stored as they were served (compressed), never unpacked.
public enum RegistryPull {
    /// The platform picked from an index when none is asked for.
    public static let defaultPlatform = Platform(os: "linux", architecture: "amd64")

    /// The tag the copied manifest carries in the layout.
    public static let layoutReference = "pulled"

    /// Copies `reference` (`HOST/REPO[:TAG|@DIGEST]`) into `directory` (which must not exist) and
    /// returns the source to open it with.
    public static func fetch(
        _ reference: String, into directory: String, credentials: RegistryCredentials?, tlsVerify: Bool,
        platform: Platform?
    ) async throws(ImageError) -> ImageSource {
        let image: ImageReference
        do {
            image = try ImageReference(parsing: reference)
        } catch {
            throw .invalidReference(reference)
        }
        let subject = "docker://\(reference)"
        func failed(_ error: OCIError) -> ImageError { .notFound(subject: subject, reason: "\(error)") }
        var found = credentials
        if found == nil {
            do {
                found = try RegistryCredentials.lookup(host: image.host)
            } catch {
                throw failed(error)
            }
        }
        let client = RegistryClient(host: image.host, credentials: found, tlsVerify: tlsVerify)
        let blobs = directory + "/blobs/sha256"
        do {
            try FileManager.default.createDirectory(atPath: blobs, withIntermediateDirectories: true)
        } catch {
            throw .io(path: directory, reason: "\(error)")
        }
        func store(_ data: Data, _ digest: Digest) throws(ImageError) {
            do {
                try data.write(to: URL(fileURLWithPath: blobs + "/" + digest.encoded))
            } catch {
                throw .io(path: blobs, reason: "\(error)")
            }
        }
        do {
            var manifest = try await client.manifest(repository: image.repository, reference: image.reference)
            if MediaType.isIndex(manifest.mediaType) {
                let index = try decode(IndexDocument.self, manifest.data, subject: subject)
                let wanted = platform ?? defaultPlatform
                guard
                    let child = index.manifests.first(where: { $0.platform == wanted })
                        ?? (platform == nil && index.manifests.count == 1 ? index.manifests.first : nil)
                else {
                    let offered = index.manifests.compactMap { $0.platform?.description }
                    throw ImageError.notFound(
                        subject: subject,
                        reason: "no manifest for \(wanted) in the index (offered: \(offered.joined(separator: ", ")))")
                }
                manifest = try await client.manifest(repository: image.repository, reference: child.digest)
            }
            try store(manifest.data, manifest.digest)
            let document = try decode(PulledManifest.self, manifest.data, subject: subject)
            for descriptor in [document.config] + document.layers {
                let digest = try Digest(parsing: descriptor.digest)
                let path = blobs + "/" + digest.encoded
                if FileManager.default.fileExists(atPath: path) { continue }
                _ = try await client.downloadBlob(repository: image.repository, digest: digest, to: path)
            }
            let index: [String: Any] = [
                "schemaVersion": 2, "mediaType": MediaType.ociIndex,
                "manifests": [
                    [
                        "mediaType": manifest.mediaType, "digest": manifest.digest.description,
                        "size": manifest.data.count,
                        "annotations": ["org.opencontainers.image.ref.name": layoutReference],
                    ]
                ],
            ]
            try JSONSerialization.data(withJSONObject: index).write(
                to: URL(fileURLWithPath: directory + "/index.json"))
            try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(
                to: URL(fileURLWithPath: directory + "/oci-layout"))
        } catch let error as ImageError {
            throw error
        } catch let error as OCIError {
            throw failed(error)
        } catch {
            throw .io(path: directory, reason: "\(error)")
        }
        return .ociLayout(path: directory, reference: layoutReference)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data, subject: String) throws(ImageError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw .invalidImage(subject: subject, reason: "the manifest is not valid JSON of its kind: \(error)")
        }
    }
}

/// The parts of an image manifest a pull needs.
struct PulledManifest: Decodable {
    struct Descriptor: Decodable { var digest: String }
    var config: Descriptor
    var layers: [Descriptor]
}

extension Image {
    /// The same image, reported as coming from `source` with `tags` (a registry image read from its
    /// local copy).
    public func reported(as source: ImageSource, tags: [String]) -> Image {
        Image(
            source: source, manifestDigest: manifestDigest, configDigest: configDigest, platform: platform,
            tags: tags, labels: labels, environment: environment, layers: layers, content: content)
    }
}

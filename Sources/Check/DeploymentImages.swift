import BerthCore
import Foundation
import Kubernetes

/// One container image a deployment would run, and where it is named.
public struct DeploymentImage: Sendable, Equatable {
    /// The manifest file (or rendered chart) naming it.
    public var file: String
    /// The object, as `Kind/name`.
    public var object: String
    /// The container name.
    public var container: String
    /// The image reference as written.
    public var image: String
}

/// The images the pod-bearing objects of manifests, charts and Kustomize directories would run:
/// what an admission controller checks, gathered the way `berth check` reads its inputs.
public enum DeploymentImages {
    /// Every container and init container image under `paths` (`-` reads `standardInput`), and the
    /// inputs that could not be read, parsed or rendered.
    public static func collect(
        paths: [String], helmArguments: [String] = [], standardInput: () -> [UInt8] = { [] }
    ) throws(CheckSessionError) -> (images: [DeploymentImage], errors: [String]) {
        let files: [String]
        do {
            files = try FileDiscovery().files(
                in: paths.filter { $0 != "-" }, include: KubernetesInputs.isManifestName)
        } catch {
            throw .discovery("\(error)")
        }
        var collected = KubernetesInputs.collect(files: files, roots: paths, helmArguments: helmArguments)
        if paths.contains("-") { collected.inputs.append(("-", standardInput())) }
        if collected.inputs.isEmpty && collected.errors.isEmpty { throw .nothingToCheck(paths) }
        var images: [DeploymentImage] = []
        var errors = collected.errors.compactMap(\.error)
        let parser = ManifestParser()
        for (file, bytes) in collected.inputs {
            let parsed: ParsedManifest
            do {
                parsed = try parser.parse(bytes: bytes, file: file)
            } catch {
                errors.append("\(file): \(error)")
                continue
            }
            for object in parsed.objects {
                for container in object.pod?.allContainers ?? [] {
                    guard let image = container.image else { continue }
                    images.append(
                        DeploymentImage(
                            file: file, object: object.displayName, container: container.name, image: image))
                }
            }
        }
        return (images, errors)
    }
}

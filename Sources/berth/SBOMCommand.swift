import ArgumentParser
import BerthCore
import Foundation
import Image
import OCI
import Scan

/// Options shared by the commands that read an image.
struct ImageOptions: ParsableArguments {
    @Argument(
        help:
            "The image: oci:PATH[:REF], oci-archive:PATH, docker-archive:PATH, dir:PATH or docker://HOST/REPO[:TAG] (berth scan also reads sbom:PATH)."
    )
    var image: String

    @Option(help: "The platform to pick from an index, as os/arch[/variant].")
    var platform: String?

    @Option(help: "Registry credentials USER:PASSWORD (default: $REGISTRY_AUTH_FILE, then ~/.docker/config.json).")
    var creds: String?

    @Option(
        help: "Keep per-layer results here by diff-id (default: $BERTH_LAYER_CACHE, else the user's cache directory).")
    var layerCache: String?

    @Flag(help: "Read every layer; neither use nor fill the layer cache.")
    var noLayerCache = false

    /// Cataloguing options: the layer cache unless turned off.
    var catalogOptions: CatalogOptions {
        CatalogOptions(
            layerCache: noLayerCache ? nil : LayerCache(directory: layerCache ?? LayerCache.defaultDirectory()))
    }

    @Option(
        name: .customLong("tls-verify"),
        help: "Verify the registry's TLS certificate (false also allows plain HTTP, as skopeo's flag does).")
    var tlsVerify: Bool = true

    /// Opens the image and hands it to `body`; a registry image is first copied, verified, into a
    /// temporary OCI layout that is removed afterwards. Every failure is a `ScanError` naming what
    /// could not be read.
    func withImage<T>(_ body: (Image) throws(ScanError) -> T) async throws(ScanError) -> T {
        var temporary: String?
        defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
        let opened: Image
        do throws(ImageError) {
            let source = try ImageSource(parsing: image)
            var chosen: Platform?
            if let platform { chosen = try Platform(parsing: platform) }
            if case .registry(let reference) = source {
                let directory = NSTemporaryDirectory() + "berth-pull-\(UUID().uuidString.lowercased())"
                temporary = directory
                var credentials: RegistryCredentials?
                if let creds {
                    do {
                        credentials = try RegistryCredentials(parsing: creds)
                    } catch {
                        throw ImageError.invalidReference("--creds: \(error)")
                    }
                }
                let local = try await RegistryPull.fetch(
                    reference, into: directory, credentials: credentials, tlsVerify: tlsVerify, platform: chosen)
                let tag = (try? ImageReference(parsing: reference))?.tag
                opened = try Image.open(local, platform: nil).reported(as: source, tags: tag.map { [$0] } ?? [])
            } else {
                opened = try Image.open(source, platform: chosen)
            }
        } catch {
            throw .image(error)
        }
        return try body(opened)
    }

    /// The file of `sbom:PATH`, an SBOM `berth sbom --format json` wrote, which `berth scan` reads
    /// instead of an image.
    var sbomPath: String? { image.hasPrefix("sbom:") ? String(image.dropFirst("sbom:".count)) : nil }

    func validate() throws {
        if let sbomPath {
            if sbomPath.isEmpty { throw ValidationError("sbom: takes the path of a berth sbom --format json file") }
            return
        }
        do {
            _ = try ImageSource(parsing: image)
            if let platform { _ = try Platform(parsing: platform) }
        } catch {
            throw ValidationError(error.description)
        }
        if let creds, !creds.contains(":") { throw ValidationError("--creds takes USER:PASSWORD") }
        if noLayerCache && layerCache != nil { throw ValidationError("--layer-cache and --no-layer-cache conflict") }
    }
}

struct SBOMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sbom",
        abstract: "List the packages inside an image (OS packages, Java archives, the JDK, WSO2 products).",
        discussion: "Exit codes: 0 written, 2 the image could not be read."
    )

    @OptionGroup var imageOptions: ImageOptions

    @Option(help: "Output format: cyclonedx-json, spdx-json, json or table.")
    var format: String = "table"

    @Option(help: "Write to this file (atomically) instead of standard output.")
    var output: String?

    @Flag(help: "Do not print warnings met while reading the image.")
    var quiet = false

    func validate() throws {
        if imageOptions.sbomPath != nil {
            throw ValidationError("berth sbom reads an image; sbom:PATH is an input of berth scan")
        }
        guard SBOMFormat(rawValue: format) != nil else {
            throw ValidationError(
                "unknown format '\(format)': use \(SBOMFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let catalog: Catalog
        do {
            let options = imageOptions.catalogOptions
            catalog = try await imageOptions.withImage { image throws(ScanError) in
                try Cataloger.catalog(image, options: options)
            }
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        if !quiet {
            for warning in catalog.warnings { Terminal.error("warning: \(warning)") }
        }
        let text = SBOMWriter.render(catalog, format: SBOMFormat(rawValue: format) ?? .table)
        try writeOutput(text, to: output)
    }
}

/// Writes a command's result to standard output or, atomically, to a file.
func writeOutput(_ text: String, to output: String?) throws {
    guard let output else {
        Terminal.write(text)
        return
    }
    do {
        try AtomicFile.write(Data(text.utf8), to: output)
    } catch {
        Terminal.error("\(error)")
        throw ExitCode(2)
    }
}

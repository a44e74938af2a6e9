import ArgumentParser
import BerthCore
import Foundation
import Image
import Scan

/// Options shared by the commands that read an image.
struct ImageOptions: ParsableArguments {
    @Argument(
        help: "The image: oci:PATH[:REF], oci-archive:PATH, docker-archive:PATH, dir:PATH or docker://HOST/REPO[:TAG].")
    var image: String

    @Option(help: "The platform to pick from an index, as os/arch[/variant].")
    var platform: String?

    /// Opens the image; every failure is a `ScanError` naming what could not be read.
    func open() throws(ScanError) -> Image {
        do throws(ImageError) {
            let source = try ImageSource(parsing: image)
            var chosen: Platform?
            if let platform { chosen = try Platform(parsing: platform) }
            return try Image.open(source, platform: chosen)
        } catch {
            throw .image(error)
        }
    }

    func validate() throws {
        do {
            _ = try ImageSource(parsing: image)
            if let platform { _ = try Platform(parsing: platform) }
        } catch {
            throw ValidationError(error.description)
        }
    }
}

struct SBOMCommand: ParsableCommand {
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
        guard SBOMFormat(rawValue: format) != nil else {
            throw ValidationError(
                "unknown format '\(format)': use \(SBOMFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let catalog: Catalog
        do {
            catalog = try Cataloger.catalog(try imageOptions.open())
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

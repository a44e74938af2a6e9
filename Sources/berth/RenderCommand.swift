import ArgumentParser
import BerthCore
import Foundation
import Render
import YAMLSupport

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Generate hardened images and the deployment from berth.yaml (default: the reference architecture).",
        discussion: """
            Reads --spec (or ./berth.yaml when present; otherwise the built-in default, the seed's \
            reference architecture: control plane, gateways, traffic managers and Identity Server as key \
            manager) and writes images/<component>/ (Dockerfile, docker-entrypoint.sh) and the rest under \
            --out. A bad spec is reported in full (FILE:LINE:COLUMN) with exit 2 and nothing is written. \
            Re-rendering replaces only files Berth generated.
            """
    )

    @Option(help: "The spec (default: ./berth.yaml if present, else the built-in default).")
    var spec: String?

    @Option(help: "Output directory.")
    var out: String = "deploy"

    @Option(
        help:
            "Render a built-in pattern instead of a spec: \(Pattern.allCases.map(\.rawValue).joined(separator: ", ")).")
    var pattern: String?

    func validate() throws {
        if let pattern, Pattern(rawValue: pattern) == nil {
            throw ValidationError(
                "unknown pattern '\(pattern)': use \(Pattern.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if spec != nil, pattern != nil { throw ValidationError("give --spec or --pattern, not both") }
    }

    func run() throws {
        var renderSpec = RenderSpec()
        var source = "built-in default (\(renderSpec.pattern.rawValue))"
        let path = spec ?? (FileManager.default.fileExists(atPath: "berth.yaml") && pattern == nil ? "berth.yaml" : nil)
        if let path {
            let bytes: [UInt8]
            do {
                bytes = try BoundedInput.read(path, limit: YAMLLimits.configuration.maximumBytes)
            } catch {
                Terminal.error("\(error)")
                throw ExitCode(2)
            }
            do {
                renderSpec = try RenderSpec.parse(bytes: bytes, file: path)
            } catch {
                FileHandle.standardError.write(Data((error.description + "\n").utf8))
                Terminal.error(
                    "\(error.items.count) problem\(error.items.count == 1 ? "" : "s") in \(path); nothing written")
                throw ExitCode(2)
            }
            source = path
        } else if let pattern {
            renderSpec.pattern = Pattern(rawValue: pattern)!
            source = "built-in pattern \(pattern)"
        }
        let files = Renderer.render(renderSpec).map { ($0.path, $0.contents, $0.executable) }
        let tree = OutputTree(directory: out)
        let written: Int
        let removed: Int
        do {
            let conflicts = try tree.conflicts(with: files)
            if !conflicts.isEmpty {
                Terminal.error(
                    "\(out) holds files Berth did not generate: \(conflicts.prefix(5).joined(separator: ", ")); render into an empty directory or remove them"
                )
                throw ExitCode(2)
            }
            (written, removed) = try tree.write(files)
        } catch let error as BerthError {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }
        Terminal.write(
            "rendered \(files.count) files from \(source) into \(out)/ (\(written) written, \(removed) removed)\n")
    }
}

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Write a commented berth.yaml for a pattern.")

    @Option(help: "Pattern: \(Pattern.allCases.map(\.rawValue).joined(separator: ", ")).")
    var pattern: String = Pattern.apimISKM.rawValue

    @Option(help: "Where to write the spec ('-' for standard output).")
    var output: String = "berth.yaml"

    @Flag(help: "Overwrite an existing file.")
    var force = false

    func validate() throws {
        if Pattern(rawValue: pattern) == nil {
            throw ValidationError(
                "unknown pattern '\(pattern)': use \(Pattern.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        var spec = RenderSpec()
        spec.pattern = Pattern(rawValue: pattern)!
        if output == "-" {
            Terminal.write(SpecWriter.spec(spec))
            return
        }
        if FileManager.default.fileExists(atPath: output), !force {
            Terminal.error("\(output) exists; use --force to replace it")
            throw ExitCode(2)
        }
        try AtomicFile.write(Data(SpecWriter.spec(spec).utf8), to: output)
        Terminal.write("wrote \(output) (\(spec.pattern.rawValue))\n")
    }
}

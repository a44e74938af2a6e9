import ArgumentParser
import BerthCore
import Dockerfile
import Foundation

struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse Dockerfiles exactly as BuildKit does and print the result.",
        discussion: """
            --format buildkit prints BuildKit's S-expression dump; --format json prints, per file, a \
            JSON array with one object per instruction (cmd, subCmd, json, original, startLine, \
            endLine, flags, value, heredocs). With several files, JSON output is one object keyed by \
            file. A file that cannot be parsed is reported as FILE:LINE: message on standard error, \
            the other files are still parsed, and the exit code is 2.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case buildkit, json
    }

    @Argument(help: "Dockerfiles to parse, or - for standard input. None: a built-in example.")
    var files: [String] = []

    @Option(help: "Output format: buildkit or json.")
    var format: Format = .buildkit

    @Option(help: ArgumentHelp("BuildKit parser release to reproduce: current or v0.13.", visibility: .hidden))
    var dialect: String = BuildKitDialect.current.rawValue

    @Option(help: "Largest file to parse, in bytes.")
    var maxFileSize: Int = 8 << 20

    func validate() throws {
        if BuildKitDialect(rawValue: dialect) == nil {
            throw ValidationError("unknown dialect '\(dialect)': use current or v0.13")
        }
        if maxFileSize <= 0 { throw ValidationError("--max-file-size must be positive") }
    }

    func run() throws {
        let parser = DockerfileParser(
            options: ParserOptions(dialect: BuildKitDialect(rawValue: dialect)!, maxBytes: maxFileSize))
        var failed = false
        var outputs: [(String, String)] = []
        let files = self.files.isEmpty ? [BuiltInExample.name] : self.files
        for file in files {
            do {
                let bytes =
                    file == BuiltInExample.name && self.files.isEmpty
                    ? Array(BuiltInExample.dockerfile.utf8) : try BoundedInput.read(file, limit: maxFileSize)
                let parsed = try parser.parse(bytes: bytes, file: file)
                outputs.append((file, format == .json ? parsed.jsonDump() : parsed.buildKitDump()))
            } catch let error as DockerfileParseError {
                failed = true
                Terminal.error(error.description)
            } catch {
                failed = true
                Terminal.error("\(error)")
            }
        }
        var out = ""
        if format == .json, files.count > 1 {
            var writer = JSONWriter()
            writer.raw("{")
            for (index, (file, json)) in outputs.enumerated() {
                writer.key(file, first: index == 0)
                writer.raw(json)
            }
            writer.raw("}")
            out = writer.output + "\n"
        } else {
            for (_, text) in outputs { out += text + "\n" }
        }
        Terminal.write(out)
        if failed { throw ExitCode(2) }
    }
}

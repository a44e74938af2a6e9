import ArgumentParser
import BerthCore
import Tags

struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Parse, validate and make image tags in the WSO2 scheme.",
        discussion: """
            {product-version}[.{update-level}] | {product-version}[.{update-timestamp}[.{release}]][-{os}{os-version}], \
            e.g. 4.5.0, 4.7.0.1, 5.8.0-alpine3.10, 5.8.0.1570523290000-ubuntu24.04, 5.8.0.1570523290000.2-rocky9.
            """,
        subcommands: [Parse.self, Validate.self, Make.self]
    )

    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a tag's parts (REF may be a full image reference).")

        @Argument(help: "A tag or an image reference, e.g. wso2/wso2am:4.5.0-alpine3.20.")
        var reference: String

        @Option(help: "Output format: text or json.")
        var format: String = "text"

        func validate() throws {
            guard ["text", "json"].contains(format) else { throw ValidationError("--format must be text or json") }
        }

        func run() throws {
            guard let split = TaggedReference(reference) else {
                Terminal.error("'\(reference)' has no tag")
                throw ExitCode(2)
            }
            let tag: WSO2Tag
            do {
                tag = try WSO2Tag.parse(split.tag)
            } catch {
                Terminal.error(error.description)
                throw ExitCode(2)
            }
            if format == "json" {
                var writer = JSONWriter()
                writer.raw("{")
                writer.key("reference", first: true)
                writer.string(reference)
                writer.key("repository")
                writer.stringOrNull(split.repository)
                writer.key("tag")
                writer.string(split.tag)
                writer.key("digest")
                writer.stringOrNull(split.digest)
                writer.key("productVersion")
                writer.string(tag.productVersion)
                writer.key("updateLevel")
                if let level = tag.updateLevel { writer.number(level) } else { writer.raw("null") }
                writer.key("updateTimestamp")
                writer.stringOrNull(tag.updateTimestamp)
                writer.key("release")
                if let release = tag.release { writer.number(release) } else { writer.raw("null") }
                writer.key("os")
                writer.stringOrNull(tag.os)
                writer.key("osVersion")
                writer.stringOrNull(tag.osVersion)
                writer.key("kind")
                writer.string(tag.kind)
                writer.raw("}\n")
                Terminal.write(writer.output)
            } else {
                var lines = ["product version: \(tag.productVersion)"]
                if let level = tag.updateLevel { lines.append("update level:    \(level)") }
                if let timestamp = tag.updateTimestamp { lines.append("update time:     \(timestamp)") }
                if let release = tag.release { lines.append("release:         \(release)") }
                lines.append("os:              \(tag.os.map { $0 + (tag.osVersion ?? "") } ?? "ubuntu (default)")")
                lines.append("kind:            \(tag.kind)")
                Terminal.write(lines.joined(separator: "\n") + "\n")
            }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check tags against the scheme: exit 0 when all are valid, 1 otherwise.")

        @Argument(help: "Tags or image references.")
        var references: [String]

        func validate() throws {
            if references.isEmpty { throw ValidationError("name at least one tag") }
        }

        func run() throws {
            var invalid = 0
            for reference in references {
                guard let split = TaggedReference(reference) else {
                    Terminal.write("\(reference): invalid: no tag\n")
                    invalid += 1
                    continue
                }
                do {
                    let tag = try WSO2Tag.parse(split.tag)
                    Terminal.write("\(reference): valid (\(tag.kind))\n")
                } catch {
                    Terminal.write("\(reference): invalid: \(error.reason)\n")
                    invalid += 1
                }
            }
            if invalid > 0 { throw ExitCode(1) }
        }
    }

    struct Make: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the tag for a product version, update and OS.")

        @Option(help: "Product version, e.g. 4.5.0.")
        var productVersion: String

        @Option(help: "Four-part update level, e.g. 1 for 4.7.0.1.")
        var updateLevel: Int?

        @Option(help: "Update timestamp (10 to 14 digits).")
        var updateTimestamp: String?

        @Option(help: "Docker release number (needs --update-timestamp).")
        var release: Int?

        @Option(help: "Base OS platform: ubuntu, alpine, rocky, ...")
        var os: String?

        @Option(help: "Base OS version, e.g. 3.20.")
        var osVersion: String?

        func run() throws {
            let candidate = WSO2Tag(
                productVersion: productVersion, updateLevel: updateLevel, updateTimestamp: updateTimestamp,
                release: release, os: os, osVersion: osVersion)
            do {
                // Round-trip through the parser so only scheme tags are ever printed.
                let parsed = try WSO2Tag.parse(candidate.description)
                guard parsed == candidate else {
                    Terminal.error("these parts do not form a tag in the WSO2 scheme: \(candidate.description)")
                    throw ExitCode(2)
                }
                Terminal.write(parsed.description + "\n")
            } catch let error as WSO2Tag.ParseError {
                Terminal.error(error.description)
                throw ExitCode(2)
            }
        }
    }
}

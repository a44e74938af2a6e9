import BerthCore
import Dockerfile

/// A file fetched over the network by a RUN command (curl, wget) or by ADD.
struct Download {
    var instruction: Instruction
    /// Position of the downloading command in the RUN's script; -1 for ADD.
    var commandIndex: Int
    var program: String
    /// The URL as written (variables kept).
    var url: String
    /// The URL with build arguments and ENV expanded, nil when a variable has no value.
    var resolvedURL: String?
    /// The file written, when the download goes to a file.
    var target: String?
    /// The command the download is piped into, when it is streamed.
    var pipedInto: ShellScript.Command?
}

enum Downloads {
    static let curlOptionsWithValue: Set<String> = [
        "-o", "--output", "-H", "--header", "-d", "--data", "--data-binary", "--data-raw", "--data-urlencode",
        "-u", "--user", "-A", "--user-agent", "-e", "--referer", "-x", "--proxy", "-X", "--request", "-w",
        "--write-out", "-m", "--max-time", "-C", "--continue-at", "-r", "--range", "-T", "--upload-file", "-F",
        "--form", "--retry", "--retry-delay", "--retry-max-time", "--connect-timeout", "--cacert", "--capath",
        "--cert", "--key", "-b", "--cookie", "-c", "--cookie-jar", "--resolve", "--limit-rate", "-K", "--config",
        "--output-dir", "-E", "--proto", "--proto-redir", "--tlsv1.2", "--ciphers", "-y", "-Y", "--interface",
        "--dns-servers", "--expect100-timeout", "--max-filesize", "--netrc-file", "--oauth2-bearer", "-z",
    ]
    static let wgetOptionsWithValue: Set<String> = [
        "-O", "--output-document", "-o", "--output-file", "-a", "--append-output", "-P", "--directory-prefix",
        "-t", "--tries", "-T", "--timeout", "-U", "--user-agent", "--header", "--user", "--password",
        "--http-user", "--http-password", "-e", "--execute", "-i", "--input-file", "-B", "--base", "--post-data",
        "--post-file", "--ca-certificate", "--certificate", "--private-key", "-w", "--wait", "-Q", "--quota",
        "--limit-rate", "-l", "--level",
    ]

    /// Files that are themselves checksums, signatures or keys: fetching them is part of verifying.
    static func isVerificationMaterial(_ url: String) -> Bool {
        let lower = url.lowercased()
        let suffixes = [
            ".sha256", ".sha512", ".sha1", ".md5", ".asc", ".sig", ".gpg", ".pub", ".sha256sum", ".sha512sum",
            ".pem", ".key", ".minisig", ".sha256.txt", "sha256sums", "sha512sums", "checksums.txt", ".keys",
        ]
        return suffixes.contains { lower.hasSuffix($0) }
    }

    static func isLocal(_ url: String) -> Bool {
        guard let scheme = url.range(of: "://") else { return false }
        var host = url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" }
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        let name = host.hasPrefix("[") ? String(host.prefix { $0 != "]" }) + "]" : String(host.prefix { $0 != ":" })
        return name == "localhost" || name.hasPrefix("127.") || name == "[::1]" || name == "0.0.0.0"
            || name.hasSuffix(".localhost")
    }

    static func basename(_ url: String) -> String {
        let path = url.split(separator: "?").first.map(String.init) ?? url
        return path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Every download in `stage` (computed once per stage and shared by the rules).
    static func find(in stage: Stage, context: DockerfileContext) -> [Download] {
        if let cached = context.downloadsByStage[stage.index] { return cached }
        let found = scan(stage, context: context)
        context.downloadsByStage[stage.index] = found
        return found
    }

    static func scan(_ stage: Stage, context: DockerfileContext) -> [Download] {
        var found: [Download] = []
        for (position, instruction) in stage.instructions.enumerated() {
            switch instruction.keyword {
            case "ADD":
                for source in instruction.arguments.dropLast()
                where source.contains("://") && !TemplateText.isTemplate(source) {
                    let resolved = resolve(source, position: position, stage: stage, context: context)
                    found.append(
                        Download(
                            instruction: instruction, commandIndex: -1, program: "ADD", url: source,
                            resolvedURL: resolved,
                            target: instruction.arguments.last, pipedInto: nil))
                }
            case "RUN":
                let script = context.script(of: instruction)
                for (index, command) in script.commands.enumerated() {
                    let program = command.program
                    guard program == "curl" || program == "wget" else { continue }
                    let valued = program == "curl" ? curlOptionsWithValue : wgetOptionsWithValue
                    var urls: [String] = []
                    var target: String?
                    var toStdout = false
                    var remoteName = program == "wget"
                    var directory: String?
                    let arguments = Array(command.arguments)
                    var i = 0
                    while i < arguments.count {
                        let argument = arguments[i]
                        if argument == "--" {
                            urls += arguments[(i + 1)...]
                            break
                        }
                        if argument.hasPrefix("--") {
                            let (name, inline) = splitLong(argument)
                            let value =
                                inline ?? (valued.contains(name) && i + 1 < arguments.count ? arguments[i + 1] : nil)
                            if inline == nil, valued.contains(name) { i += 1 }
                            switch (program, name) {
                            case ("curl", "--output"), ("wget", "--output-document"):
                                if value == "-" { toStdout = true } else { target = value }
                            case ("curl", "--remote-name"), ("curl", "--remote-name-all"):
                                remoteName = true
                            case ("curl", "--url"):
                                if let value { urls.append(value) }
                            case ("wget", "--directory-prefix"), ("curl", "--output-dir"):
                                directory = value
                            default:
                                break
                            }
                        } else if argument.hasPrefix("-"), argument.count > 1 {
                            // Short options, possibly combined (-fsSLo file, -qO-).
                            let letters = Array(argument.dropFirst())
                            for (offset, letter) in letters.enumerated() {
                                let option = "-" + String(letter)
                                guard valued.contains(option) else {
                                    if program == "curl", letter == "O" { remoteName = true }
                                    continue
                                }
                                let rest = String(letters[(offset + 1)...])
                                var value: String?
                                if !rest.isEmpty {
                                    value = rest
                                } else if i + 1 < arguments.count {
                                    value = arguments[i + 1]
                                    i += 1
                                }
                                if (program == "curl" && letter == "o") || (program == "wget" && letter == "O") {
                                    if value == "-" { toStdout = true } else { target = value }
                                } else if program == "wget", letter == "P" {
                                    directory = value
                                }
                                break
                            }
                        } else {
                            urls.append(argument)
                        }
                        i += 1
                    }
                    if command.redirectTargets.first != nil, target == nil {
                        target = command.redirectTargets.first
                    }
                    // A template expression is filled in later: what it downloads is unknown.
                    for url in urls where !TemplateText.isTemplate(url) {
                        let resolved = resolve(url, position: position, stage: stage, context: context)
                        var file = target
                        if file == nil, !toStdout, remoteName, !command.pipesToNext {
                            file = (directory.map { $0 + "/" } ?? "") + basename(resolved ?? url)
                        }
                        found.append(
                            Download(
                                instruction: instruction, commandIndex: index, program: program, url: url,
                                resolvedURL: resolved, target: file, pipedInto: script.pipeTarget(of: index)))
                    }
                }
            default:
                break
            }
        }
        return found
    }

    /// `word` with the stage's variables expanded; nil when one has no value. Shell variables set
    /// inside the RUN itself are not known here, so such a word stays unresolved.
    static func resolve(_ word: String, position: Int, stage: Stage, context: DockerfileContext) -> String? {
        guard word.contains("$") else { return word }
        let scope = context.scope(before: position, in: stage)
        return ParsedDockerfile.expand(word, scope: scope, lexer: ShellLexer(escapeToken: context.parsed.escapeToken))
    }

    static func splitLong(_ argument: String) -> (String, String?) {
        guard let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }

    static let checksumPrograms: Set<String> = [
        "sha256sum", "sha512sum", "sha384sum", "sha224sum", "sha1sum", "shasum", "b2sum", "md5sum", "sha3sum",
    ]

    /// True when a command verifies something: a checksum check, a signature check.
    static func isVerification(_ command: ShellScript.Command, file: String?) -> Bool {
        let program = command.program
        let arguments = command.arguments
        if checksumPrograms.contains(program) {
            if arguments.contains(where: {
                $0 == "-c" || $0 == "--check" || ($0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("c"))
            }) {
                return true
            }
            if let file {
                let name = basename(file)
                return arguments.contains { $0 == file || basename($0) == name }
            }
            return false
        }
        switch program {
        case "gpg", "gpg2":
            return arguments.contains("--verify") || arguments.contains("--verify-files")
        case "gpgv", "gpgv2", "minisign", "signify":
            return true
        case "cosign":
            return arguments.first.map { $0.hasPrefix("verify") } ?? false
        case "openssl":
            return arguments.contains("dgst") && (arguments.contains("-verify") || arguments.contains("-signature"))
        case "rpm":
            return arguments.contains("-K") || arguments.contains("--checksig")
        default:
            return false
        }
    }
}

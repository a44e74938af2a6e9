import Foundation

/// A user name and password (or token) for a registry.
public struct RegistryCredentials: Sendable, Hashable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Parses `USER:PASS` as `--creds` takes it; the password may contain `:`.
    public init(parsing text: String) throws(OCIError) {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else {
            throw OCIError.credentials("credentials must have the form USER:PASSWORD")
        }
        self.init(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
    }

    /// The value of an `Authorization: Basic` header.
    public var basicAuthorization: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }

    /// The credentials files consulted, in order: `$REGISTRY_AUTH_FILE`, containers' `auth.json` under
    /// `$XDG_RUNTIME_DIR`, then Docker's `config.json` (`$DOCKER_CONFIG` or `~/.docker`).
    public static func authFiles(environment: [String: String]) -> [String] {
        var files: [String] = []
        if let file = environment["REGISTRY_AUTH_FILE"], !file.isEmpty { files.append(file) }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            files.append(runtime + "/containers/auth.json")
        }
        if let docker = environment["DOCKER_CONFIG"], !docker.isEmpty {
            files.append(docker + "/config.json")
        } else if let home = environment["HOME"], !home.isEmpty {
            files.append(home + "/.docker/config.json")
        }
        return files
    }

    /// The stored credentials for `host`, from the first credentials file that has an entry for it.
    ///
    /// A missing file is skipped; a file that exists but cannot be parsed is an error naming it, so a
    /// typo never silently turns into anonymous access.
    public static func lookup(
        host: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(OCIError) -> RegistryCredentials? {
        for file in authFiles(environment: environment) {
            guard FileManager.default.fileExists(atPath: file) else { continue }
            guard let data = FileManager.default.contents(atPath: file) else {
                throw OCIError.credentials("cannot read '\(file)'")
            }
            if let found = try lookup(host: host, in: data, file: file) { return found }
        }
        return nil
    }

    /// The entry for `host` in one `auths` document (`{"auths": {"host": {"auth": base64(user:pass)}}}`).
    public static func lookup(host: String, in data: Data, file: String) throws(OCIError) -> RegistryCredentials? {
        struct Entry: Decodable {
            var auth: String?
            var username: String?
            var password: String?
        }
        struct Document: Decodable { var auths: [String: Entry]? }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch {
            throw OCIError.credentials("'\(file)' is not a JSON credentials file")
        }
        guard let auths = document.auths else { return nil }
        let names = candidateKeys(for: host)
        for (key, entry) in auths where names.contains(normalisedKey(key)) {
            if let auth = entry.auth, !auth.isEmpty {
                guard let decoded = Data(base64Encoded: auth), let text = String(data: decoded, encoding: .utf8) else {
                    throw OCIError.credentials("'\(file)': the auth of '\(key)' is not base64 of USER:PASSWORD")
                }
                do {
                    return try RegistryCredentials(parsing: text)
                } catch {
                    throw OCIError.credentials("'\(file)': the auth of '\(key)' is not USER:PASSWORD")
                }
            }
            if let username = entry.username, let password = entry.password {
                return RegistryCredentials(username: username, password: password)
            }
        }
        return nil
    }

    /// Keys are written as `host`, `https://host`, or `https://host/v1/`.
    private static func normalisedKey(_ key: String) -> String {
        var text = Substring(key)
        for prefix in ["https://", "http://"] where text.hasPrefix(prefix) { text = text.dropFirst(prefix.count) }
        if let slash = text.firstIndex(of: "/") { text = text[..<slash] }
        return String(text)
    }

    private static func candidateKeys(for host: String) -> Set<String> {
        let hub: Set<String> = ["docker.io", "index.docker.io", "registry-1.docker.io"]
        return hub.contains(host) ? hub : [host]
    }
}

/// A `WWW-Authenticate` challenge: its scheme and parameters (`realm`, `service`, `scope`).
public struct AuthenticationChallenge: Sendable, Hashable {
    public var scheme: String
    public var parameters: [String: String]

    /// Parses `Bearer realm="…",service="…",scope="…"`; quoted values may contain commas.
    public init?(header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else {
            guard !trimmed.isEmpty else { return nil }
            scheme = trimmed.lowercased()
            parameters = [:]
            return
        }
        scheme = trimmed[..<space].lowercased()
        parameters = [:]
        var rest = trimmed[trimmed.index(after: space)...]
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let name = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        value.append(character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        break
                    } else {
                        value.append(character)
                    }
                }
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            parameters[name] = value
        }
    }
}

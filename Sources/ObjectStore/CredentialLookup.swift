import Foundation

extension AWSCredentials {
    /// Finds credentials the way the AWS tools do, in order:
    ///
    /// 1. `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (with `AWS_SESSION_TOKEN` when set);
    /// 2. the shared credentials file, `AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`, profile
    ///    `AWS_PROFILE` (else `default`): `aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`.
    ///
    /// A named profile or file that is missing is an error; no credentials at all is an error too.
    public static func lookup(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        homeDirectory: String = NSHomeDirectory()
    ) throws -> AWSCredentials {
        if let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty {
            guard let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
                throw ObjectStoreError.credentials("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
            }
            let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token)
        }
        let configuredFile = environment["AWS_SHARED_CREDENTIALS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let file = configuredFile ?? "\(homeDirectory)/.aws/credentials"
        let configuredProfile = environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
        let profile = configuredProfile ?? "default"
        guard FileManager.default.fileExists(atPath: file) else {
            if configuredFile != nil {
                throw ObjectStoreError.credentials("credentials file '\(file)' does not exist")
            }
            throw ObjectStoreError.credentials(
                "none found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or write '\(file)'")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ObjectStoreError.credentials("cannot read credentials file '\(file)'")
        }
        let sections = parseINI(String(decoding: data, as: UTF8.self))
        guard let values = sections[profile] else {
            throw ObjectStoreError.credentials("profile '\(profile)' is not in '\(file)'")
        }
        guard let key = values["aws_access_key_id"], !key.isEmpty, let secret = values["aws_secret_access_key"],
            !secret.isEmpty
        else {
            throw ObjectStoreError.credentials(
                "profile '\(profile)' in '\(file)' lacks aws_access_key_id or aws_secret_access_key")
        }
        let token = (values["aws_session_token"] ?? values["aws_security_token"]).flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token)
    }

    /// `[section]` headers and `name = value` lines; `#` and `;` start comments; names are lowercased.
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                var name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                // The config file spells named profiles `[profile NAME]`; accept it here too.
                if name.hasPrefix("profile ") {
                    name = name.dropFirst("profile ".count).trimmingCharacters(in: .whitespaces)
                }
                current = name
                sections[name, default: [:]] = sections[name, default: [:]]
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[section, default: [:]][name] = value
        }
        return sections
    }
}

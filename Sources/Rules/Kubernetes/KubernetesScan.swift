import BerthCore
import Foundation
import Kubernetes

/// Helpers shared by the Kubernetes rules: where a text line sits, and what counts as a secret.
enum KubernetesScan {
    /// One line of a ConfigMap or Secret value, with its file line.
    struct DataLine {
        var object: KubernetesObject
        var key: String
        var text: String
        var node: ManifestNode
        /// The line to report: the value's own line for a `|` block, else the key's.
        var reportNode: ManifestNode
    }

    /// Every line of every `data`/`stringData` value of the ConfigMaps (and `stringData` of Secrets).
    static func configMapLines(_ set: ManifestSet) -> [DataLine] {
        var out: [DataLine] = []
        for view in set.configData {
            let entries =
                view.object.kind == "ConfigMap" ? view.entries : (view.object.root["stringData"]?.entries ?? [])
            for entry in entries {
                guard let text = entry.value.string else { continue }
                for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    var report = entry.value
                    if case .scalar(_, .literal) = entry.value.value {
                        report.keyLine = entry.value.line(ofTextLine: offset)
                        report.keyColumn = entry.value.column(ofTextLine: line)
                    }
                    out.append(
                        DataLine(
                            object: view.object, key: entry.key, text: String(line), node: entry.value,
                            reportNode: report))
                }
            }
        }
        return out
    }

    static let secretWords = [
        "password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "api-key", "privatekey", "private_key",
        "credential",
    ]

    /// True when a name looks like it holds a secret (`DB_PASSWORD`, `apiToken`, `client-secret`).
    static func isSecretName(_ name: String) -> Bool {
        let lower = name.lowercased()
        if lower.hasSuffix("_file") || lower.hasSuffix("path") || lower.hasSuffix("_ref") || lower.hasSuffix("name")
            || lower.hasSuffix("url") || lower.hasSuffix("uri") || lower.hasSuffix("endpoint")
        {
            return false
        }
        return secretWords.contains { lower.contains($0) }
    }

    /// True when a literal value is a real value, not a placeholder or a reference.
    static func isLiteralSecret(_ value: String) -> Bool {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.hasPrefix("$") || trimmed.hasPrefix("{{") || trimmed.hasPrefix("/") {
            return false
        }
        // A switch (`enable_token_encryption = true`, `allow_credentials: false`) holds no secret.
        if SettingValue.isSwitch(trimmed.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))) { return false }
        if trimmed.hasPrefix("secret:") || trimmed.hasPrefix("vault:") || trimmed.hasPrefix("$secret{") { return false }
        return true
    }

    /// True when a config-file line sets a secret-looking key to a literal secret. Not a secret: a
    /// nested object (`"passwordChange": {`), or a display label that only spells its key
    /// (`"client_credentials": "Client Credentials"`, `"API_KEY": "API Key"` in WSO2's portal settings).
    static func isSecretAssignment(key: String, value: String) -> Bool {
        guard isSecretName(key), isLiteralSecret(value) else { return false }
        if value.hasPrefix("{") || value.hasPrefix("[") { return false }
        func letters(_ text: String) -> String { String(text.lowercased().filter { $0.isLetter || $0.isNumber }) }
        return letters(key) != letters(value)
    }

    /// `key = "value"`, `key: value` or `key=value` on one config-file line: (key, value).
    static func assignment(in line: String) -> (key: String, value: String)? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("#") || trimmed.hasPrefix("//") || trimmed.hasPrefix("<!--") { return nil }
        if let xml = xmlElement(trimmed) { return xml }
        guard let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else { return nil }
        let key = trimmed[..<separator].trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'"))
        var value = trimmed[trimmed.index(after: separator)...].trimmingCharacters(in: .whitespaces)
        if let comment = value.range(of: " #") { value = String(value[..<comment.lowerBound]) }
        value = value.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"',"))
        guard !key.isEmpty, !key.contains(" ") else { return nil }
        return (key, value)
    }

    /// `<Password>admin</Password>`: (element, text).
    static func xmlElement(_ line: String) -> (key: String, value: String)? {
        guard line.hasPrefix("<"), let close = line.firstIndex(of: ">") else { return nil }
        let name = String(line[line.index(after: line.startIndex)..<close])
        guard !name.hasPrefix("/"), !name.contains(" "),
            let end = line.range(of: "</" + name + ">")
        else { return nil }
        return (name, String(line[line.index(after: close)..<end.lowerBound]))
    }

    /// Hosts named in `scheme://host[:port]` URLs on a line.
    static func urlHosts(in line: String) -> [String] {
        var hosts: [String] = []
        var rest = line[...]
        while let scheme = rest.range(of: "://") {
            let name = String(rest[..<scheme.lowerBound].reversed().prefix { $0.isLetter || $0.isNumber }.reversed())
            var after = rest[scheme.upperBound...]
            // `user[:password]@` comes before the host.
            let authority = after.prefix { !"/?#\"' ".contains($0) }
            if let at = authority.lastIndex(of: "@") { after = after[after.index(after: at)...] }
            let host = after.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
            // An s3:// location names a bucket, not a host.
            if !host.isEmpty, name.lowercased() != "s3" { hosts.append(String(host).lowercased()) }
            rest = after
        }
        return hosts
    }

    /// True when the container is declared to serve: it has ports, or a Service selects its pod.
    static func isServing(_ container: Container, object: KubernetesObject, set: ManifestSet) -> Bool {
        guard !container.isInit, object.kind != "Job", object.kind != "CronJob" else { return false }
        return !container.ports.isEmpty || !set.services(serving: object).isEmpty
    }

    /// The container's or the pod's security-context value at `key`, container first.
    static func securityValue(_ key: String, container: Container, pod: PodTemplate) -> ManifestNode? {
        container.node.at("securityContext", key) ?? pod.spec.at("securityContext", key)
    }
}

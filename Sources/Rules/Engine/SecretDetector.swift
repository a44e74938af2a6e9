import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one place that recognises key material and credential shapes, for the Dockerfile and the
/// Kubernetes rules alike.
///
/// It recognises what a value *is*, whatever it is called: PEM private keys in every label
/// (`-----BEGIN RSA PRIVATE KEY-----`, `OPENSSH`, `EC`, `DSA`, `ENCRYPTED`, `PGP ... BLOCK`, SSH2,
/// PuTTY), OpenSSH key bodies, base64-wrapped PEM, DER private keys, PKCS#12 and Java keystores that
/// hold a private key, access tokens with a well-known prefix (GitHub, GitLab, Slack, npm, PyPI,
/// Docker Hub, Stripe), Azure connection-string keys, AWS secret access keys, and values stored
/// under well-known credential names (`AZURE_STORAGE_KEY`, OCI `key_content`). Public keys and
/// certificates are not secrets and never match. Nothing it returns repeats a secret: a match names
/// the kind and shows a redacted prefix.
public enum SecretDetector {
    /// Key material or a credential found in a value.
    public struct Match: Sendable, Hashable {
        /// What was found, with its article: "an RSA private key", "a GitHub personal access token".
        public var kind: String
        /// What may be shown of it: a PEM label, a token's type prefix and two characters, or nothing.
        public var shown: String
        /// 0-based line of the match in the scanned text.
        public var line: Int

        public init(kind: String, shown: String, line: Int = 0) {
            self.kind = kind
            self.shown = shown
            self.line = line
        }

        /// `kind ('shown')`, for messages.
        public var summary: String { shown.isEmpty ? kind : "\(kind) ('\(shown)')" }
    }

    // MARK: - Placeholders

    /// Words that mark an example value rather than a real secret.
    static let placeholderWords: Set<String> = [
        "changeme", "changeit", "replaceme", "placeholder", "dummy", "redacted", "todo", "tbd", "fixme", "none",
        "null", "nil", "undefined", "notset", "unset", "empty", "secret", "yoursecret", "yourpassword",
        "yourtoken", "yourkey", "mysecret", "mypassword", "insertpasswordhere", "passwordhere", "tokenhere",
    ]

    /// True when `value` stands in for a secret instead of being one: a reference (`$VAR`, `${...}`,
    /// `$env{...}`, `$secret{...}`), a template (`{{ ... }}`, `<%= ... %>`, `@VAR@`, `%VAR%`,
    /// `__VAR__`), an angle- or square-bracketed name (`<password>`, `[token]`), a run of one character
    /// (`xxxx`, `****`), or an example word (`changeme`, `changeit`, `your-token-here`, anything with
    /// `example`).
    public static func isPlaceholder(_ value: String) -> Bool {
        let trimmed = value.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'`"))
        if trimmed.isEmpty || trimmed.hasPrefix("$") || TemplateText.isTemplate(trimmed) { return true }
        // Example words and stand-ins are short; a long value is not one.
        guard trimmed.utf8.count <= 256 else { return false }
        if let first = trimmed.first, let last = trimmed.last, trimmed.count > 2,
            (first == "<" && last == ">") || (first == "[" && last == "]") || (first == "@" && last == "@")
                || (first == "%" && last == "%") || (trimmed.hasPrefix("__") && trimmed.hasSuffix("__"))
        {
            return true
        }
        let lower = trimmed.lowercased()
        if lower.contains("example") || lower.contains("changeme") || lower.contains("change_me")
            || lower.contains("change-me") || lower.contains("replace_me") || lower.contains("replace-me")
            || lower.contains("your-") || lower.contains("your_") || lower.hasPrefix("your")
        {
            return true
        }
        let letters = String(lower.filter { $0.isLetter || $0.isNumber })
        if placeholderWords.contains(letters) { return true }
        // `xxxxxxxx`, `********`, `00000000`, `...`: one repeated character says nothing.
        return Set(trimmed.utf8).count == 1 && trimmed.utf8.count > 2
    }

    // MARK: - Text

    /// Every piece of key material or credential in `text`, in text order (at most one a line).
    public static func matches(in text: String) -> [Match] {
        guard text.utf8.count >= 20 else { return [] }
        var found: [(offset: Int, match: Match)] = []
        let bytes = Array(text.utf8)
        var pemBlocks: [Range<Int>] = []
        scanPEM(bytes, into: &found, blocks: &pemBlocks)
        scanTokens(bytes, into: &found)
        scanAssignments(bytes, into: &found)
        scanBase64Runs(bytes, skipping: pemBlocks, into: &found)
        // One match a line, the first in the text; lines counted once over the sorted offsets.
        found.sort { $0.offset < $1.offset }
        var out: [Match] = []
        var line = 0
        var counted = 0
        for (offset, match) in found {
            while counted < offset {
                if bytes[counted] == UInt8(ascii: "\n") { line += 1 }
                counted += 1
            }
            if out.last?.line == line { continue }
            var located = match
            located.line = line
            out.append(located)
        }
        return out
    }

    /// The first match in `text`, or nil.
    public static func firstMatch(in text: String) -> Match? { matches(in: text).first }

    /// Key material or a credential judged by the name it is stored under: AWS secret access keys,
    /// Azure storage and Batch account keys, the OCI CLI's `key_content`, and other `*_KEY` names
    /// holding a random base64 key. Key ids, fingerprints and public keys are not credentials.
    public static func credential(name: String, value: String) -> Match? {
        let trimmed = value.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'"))
        // Every shape below is 20 characters or more.
        guard trimmed.utf8.count >= 20, !isPlaceholder(trimmed) else { return nil }
        if let match = firstMatch(in: trimmed) { return Match(kind: match.kind, shown: match.shown) }
        let key = normalisedName(name)
        if awsSecretNames.contains(key), isAWSSecret(trimmed) {
            return Match(kind: "an AWS secret access key", shown: redacted(trimmed, keeping: 4))
        }
        if let kind = azureKeyNames[key], isRandomBase64(trimmed, minimum: 40) {
            return Match(kind: kind, shown: redacted(trimmed, keeping: 4))
        }
        if key == "keycontent", isRandomBase64(trimmed, minimum: 40) {
            return Match(kind: "an OCI API signing key", shown: redacted(trimmed, keeping: 4))
        }
        // Public by design: public and publishable keys, reCAPTCHA site keys, GPG fingerprints, SSH
        // public-key blobs (`AAAAC3NzaC1lZDI1NTE5...`).
        if key.hasSuffix("key"),
            !["public", "pub", "site", "gpg", "pgp", "fingerprint", "keyid", "path", "file", "name"]
                .contains(where: key.contains),
            !trimmed.hasPrefix("AAAA"), isRandomBase64(trimmed, minimum: 32)
        {
            return Match(kind: "a key", shown: redacted(trimmed, keeping: 4))
        }
        return nil
    }

    /// True for a name that holds a credential by convention, whatever its value's shape:
    /// `AWS_SECRET_ACCESS_KEY`, `AZURE_STORAGE_KEY`, `AccountKey`, `key_content`.
    public static func isCredentialName(_ name: String) -> Bool {
        let key = normalisedName(name)
        return awsSecretNames.contains(key) || azureKeyNames[key] != nil || key == "keycontent"
    }

    /// `value` cut to its first `keeping` characters and an ellipsis.
    public static func redacted(_ value: String, keeping: Int) -> String {
        value.count <= keeping ? String(repeating: "*", count: value.count) : String(value.prefix(keeping)) + "…"
    }

    static let awsSecretNames: Set<String> = ["awssecretaccesskey", "secretaccesskey", "awssecretkey"]
    static let azureKeyNames: [String: String] = [
        "accountkey": "an Azure storage account key", "azurestoragekey": "an Azure storage account key",
        "azurestorageaccountkey": "an Azure storage account key",
        "azurestorageaccesskey": "an Azure storage account key",
        "storageaccountkey": "an Azure storage account key", "storageaccesskey": "an Azure storage account key",
        "azurebatchaccesskey": "an Azure Batch account key", "azurebatchaccountkey": "an Azure Batch account key",
        "azurebatchkey": "an Azure Batch account key", "batchaccountkey": "an Azure Batch account key",
        "batchaccesskey": "an Azure Batch account key", "sharedaccesskey": "an Azure shared access key",
    ]

    static func normalisedName(_ name: String) -> String {
        String(name.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    /// 40 characters of base64 with letters and digits: the shape of an AWS secret access key.
    static func isAWSSecret(_ value: String) -> Bool {
        value.utf8.count == 40 && value.utf8.allSatisfy(isBase64Byte) && isRandom(value)
    }

    /// At least `minimum` characters of (URL-safe) base64, mixed case with digits, not a hex digest.
    static func isRandomBase64(_ value: String, minimum: Int) -> Bool {
        value.utf8.count >= minimum
            && value.utf8.allSatisfy { isBase64Byte($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
            && isRandom(value)
    }

    /// Upper case, lower case and digits, with many distinct characters: not a word, not hex.
    static func isRandom(_ value: String) -> Bool {
        var upper = false
        var lower = false
        var digit = false
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): upper = true
            case UInt8(ascii: "a")...UInt8(ascii: "z"): lower = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = true
            default: break
            }
        }
        return upper && lower && digit && Set(value.utf8).count >= 12 && !isPlaceholder(value)
    }

    static func isBase64Byte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    // MARK: PEM and SSH

    /// PEM labels that hold a private key contain `PRIVATE KEY`; `PUBLIC KEY`, `CERTIFICATE` and
    /// `PGP PUBLIC KEY BLOCK` do not. A header with no key body after it (a grep pattern, a
    /// documentation stub) is not a key.
    static func scanPEM(_ bytes: [UInt8], into found: inout [(offset: Int, match: Match)], blocks: inout [Range<Int>]) {
        for start in occurrences(of: Array("-----BEGIN ".utf8), in: bytes) {
            let labelStart = start + 11
            guard let close = firstIndex(of: Array("-----".utf8), in: bytes, from: labelStart, limit: 80) else {
                continue
            }
            let label = String(decoding: bytes[labelStart..<close], as: UTF8.self)
            let bodyStart = close + 5
            let end = firstIndex(of: Array("-----END".utf8), in: bytes, from: bodyStart, limit: 1 << 20) ?? bytes.count
            blocks.append(start..<end)
            guard label.contains("PRIVATE KEY"), hasKeyBody(bytes, from: bodyStart) else { continue }
            found.append((start, Match(kind: pemKind(label, context: bytes), shown: "-----BEGIN \(label)-----")))
        }
        // The SSH.com (SSH2) format and PuTTY's key files.
        for start in occurrences(of: Array("---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----".utf8), in: bytes) {
            found.append(
                (start, Match(kind: "an SSH2 private key", shown: "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----")))
        }
        for start in occurrences(of: Array("PuTTY-User-Key-File-".utf8), in: bytes)
        where firstIndex(of: Array("Private-Lines:".utf8), in: bytes, from: start, limit: 4096) != nil {
            found.append((start, Match(kind: "a PuTTY private key", shown: "PuTTY-User-Key-File")))
        }
        // An OpenSSH private key's body ("openssh-key-v1") without its armour.
        for start in occurrences(of: Array("b3BlbnNzaC1rZXktdjE".utf8), in: bytes)
        where !blocks.contains(where: { $0.contains(start) }) {
            found.append((start, Match(kind: "an OpenSSH private key", shown: "b3BlbnNzaC1r…")))
        }
        // A whole PEM file, base64-encoded once more ("-----BEGIN" is "LS0tLS1CRUdJTi").
        for start in occurrences(of: Array("LS0tLS1CRUdJTi".utf8), in: bytes) {
            let run = bytes[start...].prefix { isBase64Byte($0) }
            let head = Array(run.prefix(96))
            guard let decoded = decodeBase64(head.prefix(head.count - head.count % 4)) else { continue }
            let text = String(decoding: decoded, as: UTF8.self)
            guard let labelRange = text.range(of: "-----BEGIN "),
                let close = text.range(of: "-----", range: labelRange.upperBound..<text.endIndex)
            else { continue }
            let label = String(text[labelRange.upperBound..<close.lowerBound])
            guard label.contains("PRIVATE KEY"), run.count >= 120 else { continue }
            found.append(
                (start, Match(kind: pemKind(label, context: []) + " (base64-encoded PEM)", shown: "LS0tLS1CRUdJTi…")))
        }
    }

    static func pemKind(_ label: String, context: [UInt8]) -> String {
        if !context.isEmpty,
            firstIndex(of: Array("service_account".utf8), in: context, from: 0, limit: context.count) != nil
        {
            return "a GCP service-account private key"
        }
        switch label {
        case "RSA PRIVATE KEY": return "an RSA private key"
        case "EC PRIVATE KEY": return "an EC private key"
        case "DSA PRIVATE KEY": return "a DSA private key"
        case "OPENSSH PRIVATE KEY": return "an OpenSSH private key"
        case "ENCRYPTED PRIVATE KEY": return "an encrypted private key"
        case "PGP PRIVATE KEY BLOCK": return "a PGP private key"
        default: return "a private key"
        }
    }

    /// True when a PEM header is followed by a key body: optional `Proc-Type:`/`DEK-Info:` headers,
    /// then at least 16 base64 characters (line breaks may be written `\n` inside a quoted string).
    static func hasKeyBody(_ bytes: [UInt8], from start: Int) -> Bool {
        var index = start
        let end = min(bytes.count, start + 4096)
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\"), index + 1 < end,
                bytes[index + 1] == UInt8(ascii: "n") || bytes[index + 1] == UInt8(ascii: "r")
            {
                index += 2
                continue
            }
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
            {
                index += 1
                continue
            }
            // A `Name: value` header line of encrypted PEM: skip to its end.
            let word = bytes[index..<end].prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\\") }
            if word.contains(UInt8(ascii: ":")), !word.allSatisfy(isBase64Byte) {
                index += word.count
                continue
            }
            return bytes[index..<end].prefix(while: isBase64Byte).count >= 16
        }
        return false
    }

    // MARK: Tokens

    struct TokenShape {
        var prefix: String
        var kind: String
        var minimumBody: Int
    }

    /// Access tokens recognised by their documented prefixes.
    static let tokenShapes: [TokenShape] = [
        TokenShape(prefix: "ghp_", kind: "a GitHub personal access token", minimumBody: 30),
        TokenShape(prefix: "gho_", kind: "a GitHub OAuth token", minimumBody: 30),
        TokenShape(prefix: "ghu_", kind: "a GitHub app user token", minimumBody: 30),
        TokenShape(prefix: "ghs_", kind: "a GitHub app installation token", minimumBody: 30),
        TokenShape(prefix: "ghr_", kind: "a GitHub refresh token", minimumBody: 30),
        TokenShape(prefix: "github_pat_", kind: "a GitHub fine-grained token", minimumBody: 40),
        TokenShape(prefix: "glpat-", kind: "a GitLab personal access token", minimumBody: 20),
        TokenShape(prefix: "gldt-", kind: "a GitLab deploy token", minimumBody: 20),
        TokenShape(prefix: "glrt-", kind: "a GitLab runner token", minimumBody: 20),
        TokenShape(prefix: "glptt-", kind: "a GitLab pipeline trigger token", minimumBody: 20),
        TokenShape(prefix: "glcbt-", kind: "a GitLab CI job token", minimumBody: 20),
        TokenShape(prefix: "glft-", kind: "a GitLab feed token", minimumBody: 20),
        TokenShape(prefix: "gloas-", kind: "a GitLab OAuth application secret", minimumBody: 20),
        TokenShape(prefix: "GR1348941", kind: "a GitLab runner registration token", minimumBody: 20),
        TokenShape(prefix: "xoxb-", kind: "a Slack bot token", minimumBody: 20),
        TokenShape(prefix: "xoxp-", kind: "a Slack user token", minimumBody: 20),
        TokenShape(prefix: "xoxa-", kind: "a Slack app token", minimumBody: 20),
        TokenShape(prefix: "xoxr-", kind: "a Slack refresh token", minimumBody: 20),
        TokenShape(prefix: "xoxs-", kind: "a Slack session token", minimumBody: 20),
        TokenShape(prefix: "xoxe-", kind: "a Slack token", minimumBody: 20),
        TokenShape(prefix: "xapp-", kind: "a Slack app-level token", minimumBody: 20),
        TokenShape(prefix: "npm_", kind: "an npm access token", minimumBody: 36),
        TokenShape(prefix: "pypi-AgEIcHlwaS5vcmc", kind: "a PyPI API token", minimumBody: 40),
        TokenShape(prefix: "dckr_pat_", kind: "a Docker Hub access token", minimumBody: 20),
        TokenShape(prefix: "sk_live_", kind: "a Stripe secret key", minimumBody: 20),
        TokenShape(prefix: "rk_live_", kind: "a Stripe restricted key", minimumBody: 20),
    ]

    static func isTokenByte(_ byte: UInt8) -> Bool {
        isBase64Byte(byte) && byte != UInt8(ascii: "=") && byte != UInt8(ascii: "+") && byte != UInt8(ascii: "/")
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    static func scanTokens(_ bytes: [UInt8], into found: inout [(offset: Int, match: Match)]) {
        for shape in tokenShapes {
            let prefix = Array(shape.prefix.utf8)
            for start in occurrences(of: prefix, in: bytes) {
                // A token starts a word: `xghp_` is something else.
                if start > 0, isTokenByte(bytes[start - 1]) { continue }
                let body = bytes[(start + prefix.count)...].prefix(while: isTokenByte)
                let text = String(decoding: body, as: UTF8.self)
                guard body.count >= shape.minimumBody, Set(body).count >= 8, !isPlaceholder(text) else { continue }
                found.append((start, Match(kind: shape.kind, shown: shape.prefix + String(text.prefix(2)) + "…")))
            }
        }
        // Slack incoming webhooks: the URL is the credential.
        let hook = Array("hooks.slack.com/services/T".utf8)
        for start in occurrences(of: hook, in: bytes) {
            let body = bytes[(start + hook.count)...].prefix { isTokenByte($0) || $0 == UInt8(ascii: "/") }
            guard body.count >= 30, body.filter({ $0 == UInt8(ascii: "/") }).count >= 2 else { continue }
            found.append((start, Match(kind: "a Slack webhook URL", shown: "hooks.slack.com/services/T…")))
        }
    }

    // MARK: Assignments in connection strings and credential files

    /// `AccountKey=...` and `SharedAccessKey=...` in Azure connection strings; `aws_secret_access_key
    /// = ...` in AWS credential files and command lines.
    static func scanAssignments(_ bytes: [UInt8], into found: inout [(offset: Int, match: Match)]) {
        let lower = bytes.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        let shapes: [(name: String, kind: String, aws: Bool)] = [
            ("accountkey=", "an Azure storage account key", false),
            ("sharedaccesskey=", "an Azure shared access key", false),
            ("aws_secret_access_key", "an AWS secret access key", true),
        ]
        for shape in shapes {
            let name = Array(shape.name.utf8)
            for start in occurrences(of: name, in: lower) {
                if start > 0, isTokenByte(lower[start - 1]) { continue }
                var index = start + name.count
                while index < bytes.count,
                    [
                        UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "\""),
                        UInt8(ascii: "'"),
                    ].contains(bytes[index])
                {
                    index += 1
                }
                let value = String(decoding: bytes[index...].prefix(while: isBase64Byte), as: UTF8.self)
                let matches = shape.aws ? isAWSSecret(value) : isRandomBase64(value, minimum: 40)
                guard matches else { continue }
                found.append((start, Match(kind: shape.kind, shown: redacted(value, keeping: 4))))
            }
        }
    }

    // MARK: DER, PKCS#12 and Java keystores in base64

    /// Long base64 runs that decode to a DER private key or a keystore holding one.
    static func scanBase64Runs(
        _ bytes: [UInt8], skipping blocks: [Range<Int>], into found: inout [(offset: Int, match: Match)]
    ) {
        var index = 0
        var block = 0  // blocks are in text order: the first one that may still hold a run
        while index < bytes.count {
            guard isBase64Byte(bytes[index]) else {
                index += 1
                continue
            }
            // A run is base64 up to its `=` padding: `KEYSTORE=MII...` is two runs.
            let start = index
            while index < bytes.count, isBase64Byte(bytes[index]), bytes[index] != UInt8(ascii: "=") { index += 1 }
            while index < bytes.count, bytes[index] == UInt8(ascii: "=") { index += 1 }
            let run = bytes[start..<index]
            guard run.count >= 60, start == 0 || !isTokenByte(bytes[start - 1]),
                run.first == UInt8(ascii: "M") || run.starts(with: Array("/u3+7".utf8))
                    || run.starts(with: Array("zs7Oz".utf8))
            else { continue }
            while block < blocks.count, blocks[block].upperBound <= start { block += 1 }
            if block < blocks.count, blocks[block].contains(start) { continue }
            let usable = run.prefix(min(run.count - run.count % 4, 4 << 20))
            guard let decoded = decodeBase64(usable), let match = binary(decoded, textual: false) else { continue }
            found.append((start, match))
        }
    }

    /// Key material in base64 text (a ConfigMap's `binaryData` value), or nil.
    public static func base64Value(_ text: String) -> Match? {
        let compact = Array(text.utf8.filter { !($0 == 32 || $0 == 10 || $0 == 13 || $0 == 9) })
        guard compact.allSatisfy(isBase64Byte), let decoded = decodeBase64(compact[...]) else { return nil }
        return binary(decoded, textual: true)
    }

    /// Key material in raw bytes: a DER private key, a PKCS#12 or Java keystore with a private key,
    /// or (when `textual`) text holding a PEM private key.
    public static func binary(_ bytes: [UInt8], textual: Bool = true) -> Match? {
        if bytes.starts(with: [0xFE, 0xED, 0xFE, 0xED]) || bytes.starts(with: [0xCE, 0xCE, 0xCE, 0xCE]) {
            return javaKeystoreHoldsKey(bytes)
                ? Match(kind: "a Java keystore with a private key", shown: "") : nil
        }
        if bytes.first == 0x30, let kind = derPrivateKeyKind(bytes) {
            return Match(kind: kind, shown: "")
        }
        if textual, let text = String(bytes: bytes.prefix(1 << 20), encoding: .utf8) {
            return firstMatch(in: text).map { Match(kind: $0.kind, shown: $0.shown) }
        }
        return nil
    }

    /// One DER element's tag, header length and content length (nil for indefinite length).
    static func derElement(_ bytes: [UInt8], at offset: Int) -> (tag: UInt8, header: Int, length: Int?)? {
        guard offset + 1 < bytes.count else { return nil }
        let tag = bytes[offset]
        let first = bytes[offset + 1]
        if first < 0x80 { return (tag, 2, Int(first)) }
        if first == 0x80 { return (tag, 2, nil) }
        let count = Int(first & 0x7F)
        guard count <= 4, offset + 1 + count < bytes.count else { return nil }
        var length = 0
        for byte in bytes[(offset + 2)...(offset + 1 + count)] { length = length << 8 | Int(byte) }
        return (tag, 2 + count, length)
    }

    static let pkcs7Data: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01]
    static let pkcs7Signed: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02]
    static let keyBag: [UInt8] = [0x06, 0x0B, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x0C, 0x0A, 0x01, 0x01]
    static let shroudedKeyBag: [UInt8] = [0x06, 0x0B, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x0C, 0x0A, 0x01, 0x02]
    static let pbes2: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x05, 0x0D]
    static let pkcs12PBE: [UInt8] = [0x06, 0x0A, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x0C, 0x01]

    /// What private key a DER SEQUENCE is, if it is one: PKCS#8 (plain or encrypted), PKCS#1 RSA,
    /// SEC1 EC, or a PKCS#12 file whose key bags are visible. Certificates and public keys start
    /// with a SEQUENCE inside the SEQUENCE and never match.
    static func derPrivateKeyKind(_ bytes: [UInt8]) -> String? {
        guard let outer = derElement(bytes, at: 0), outer.tag == 0x30 else { return nil }
        let first = outer.header
        guard let element = derElement(bytes, at: first) else { return nil }
        if element.tag == 0x02, element.length == 1, first + 2 < bytes.count {
            let version = bytes[first + 2]
            let next = first + 3
            guard let following = derElement(bytes, at: next) else { return nil }
            switch (version, following.tag) {
            case (0, 0x30), (1, 0x30):
                // PrivateKeyInfo: AlgorithmIdentifier starts with an OID.
                return bytes.count > next + following.header && bytes[next + following.header] == 0x06
                    ? "a PKCS#8 private key (DER)" : nil
            case (0, 0x02):
                return "an RSA private key (DER)"
            case (1, 0x04):
                return "an EC private key (DER)"
            case (3, 0x30):
                let inner = next + following.header
                guard inner < bytes.count,
                    bytes[inner...].starts(with: pkcs7Data) || bytes[inner...].starts(with: pkcs7Signed)
                else {
                    return nil
                }
                return occurrences(of: keyBag, in: bytes).isEmpty && occurrences(of: shroudedKeyBag, in: bytes).isEmpty
                    ? nil : "a PKCS#12 keystore with a private key"
            default:
                return nil
            }
        }
        // EncryptedPrivateKeyInfo: SEQUENCE { SEQUENCE { PBES2 or PKCS#12 PBE OID, ... }, OCTET STRING }.
        if element.tag == 0x30 {
            let oid = first + element.header
            if oid < bytes.count, bytes[oid...].starts(with: pbes2) || bytes[oid...].starts(with: pkcs12PBE),
                let length = element.length, let octets = derElement(bytes, at: oid + length), octets.tag == 0x04
            {
                return "an encrypted private key (DER)"
            }
        }
        return nil
    }

    /// True when a JKS or JCEKS keystore has a private-key or secret-key entry (a truststore has
    /// only trusted-certificate entries).
    static func javaKeystoreHoldsKey(_ bytes: [UInt8]) -> Bool {
        var reader = BigEndianReader(bytes: bytes, offset: 4)
        guard let version = reader.u32(), let count = reader.u32() else { return false }
        for _ in 0..<min(count, 10_000) {
            guard let tag = reader.u32() else { return false }
            if tag == 1 || tag == 3 { return true }
            guard tag == 2, reader.skipUTF(), reader.skip(8) else { return false }
            if version == 2 { guard reader.skipUTF() else { return false } }
            guard let length = reader.u32(), reader.skip(Int(length)) else { return false }
        }
        return false
    }

    struct BigEndianReader {
        var bytes: [UInt8]
        var offset: Int

        mutating func u32() -> UInt32? {
            guard offset + 4 <= bytes.count else { return nil }
            defer { offset += 4 }
            return bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }

        mutating func skipUTF() -> Bool {
            guard offset + 2 <= bytes.count else { return false }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            offset += 2
            return skip(length)
        }

        mutating func skip(_ count: Int) -> Bool {
            guard count >= 0, offset + count <= bytes.count else { return false }
            offset += count
            return true
        }
    }

    // MARK: Byte helpers

    static func decodeBase64(_ run: ArraySlice<UInt8>) -> [UInt8]? {
        guard !run.isEmpty else { return nil }
        var text = String(decoding: run, as: UTF8.self)
        let remainder = run.count % 4
        if remainder != 0 { text += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: text).map { [UInt8]($0) }
    }

    /// Offsets of the non-overlapping occurrences of `needle` in `haystack` (memchr and memcmp:
    /// these scans run over whole ConfigMaps).
    static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        guard let first = needle.first, needle.count <= haystack.count else { return [] }
        var out: [Int] = []
        haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { pin in
                guard let base = hay.baseAddress, let pinBase = pin.baseAddress else { return }
                var offset = 0
                let last = hay.count - pin.count
                while offset <= last, let found = memchr(base + offset, Int32(first), last - offset + 1) {
                    let position = base.distance(to: UnsafeRawPointer(found))
                    if memcmp(base + position, pinBase, pin.count) == 0 {
                        out.append(position)
                        offset = position + pin.count
                    } else {
                        offset = position + 1
                    }
                }
            }
        }
        return out
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int, limit: Int) -> Int? {
        guard let first = needle.first else { return nil }
        let last = min(haystack.count - needle.count, start + limit)
        var index = start
        while index <= last {
            if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

import ArgumentParser
import BerthCore
import Check
import Foundation
import OCI
import Sign

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Subcommands contributed by the signing work.
let signSubcommands: [any ParsableCommand.Type] = [
    KeyCommand.self, SignCommand.self, VerifyCommand.self, AttestCommand.self, VerifyAttestationCommand.self,
]

/// How to reach a registry: credentials and TLS.
struct RegistryAccessOptions: ParsableArguments {
    @Option(
        name: .long, help: "Registry credentials USER:PASSWORD (default: $REGISTRY_AUTH_FILE, ~/.docker/config.json).")
    var creds: String?

    @Option(
        name: .customLong("tls-verify"),
        help: "Verify the registry's TLS certificate; false also allows plain HTTP (loopback tests).")
    var tlsVerify: Bool = true

    func validate() throws {
        if let creds, !creds.contains(":") { throw ValidationError("--creds takes USER:PASSWORD") }
    }

    var access: RegistryAccess {
        RegistryAccess(credentials: creds.flatMap { try? RegistryCredentials(parsing: $0) }, tlsVerify: tlsVerify)
    }
}

/// Reads the key password: `BERTH_PASSWORD`, else a prompt on the terminal, else a line of standard input.
enum PasswordReader {
    static func read(prompt: String, confirm: Bool) throws -> String {
        if let password = ProcessInfo.processInfo.environment["BERTH_PASSWORD"] { return password }
        if isatty(STDIN_FILENO) != 0 {
            let first = try ask(prompt)
            if confirm {
                guard try ask("Enter password again: ") == first else {
                    throw ValidationError("the passwords do not match")
                }
            }
            return first
        }
        return readLine(strippingNewline: true) ?? ""
    }

    private static func ask(_ prompt: String) throws -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var settings = termios()
        tcgetattr(STDIN_FILENO, &settings)
        var silent = settings
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &settings)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw ValidationError("no password given") }
        return line
    }
}

/// Runs a library call, turning its errors into one line on standard error and exit status 2.
func couldNotRun<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as SignError {
        Terminal.error(error.description)
        throw ExitCode(2)
    } catch let error as OCIError {
        Terminal.error(error.description)
        throw ExitCode(2)
    }
}

func readText(_ path: String, what: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ValidationError("\(what) \(path): cannot read file")
    }
    return String(decoding: data, as: UTF8.self)
}

/// `berth key generate`.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Manage signing keys.", subcommands: [KeyGenerateCommand.self])
}

struct KeyGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate an ECDSA P-256 key pair: PREFIX.pub (SPKI PEM) and PREFIX.key (encrypted PKCS#8 PEM).",
        discussion: """
            The private key is encrypted with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) under the password \
            in BERTH_PASSWORD, or one asked for on the terminal; `openssl pkey -in PREFIX.key` reads it.
            """)

    @Option(name: .long, help: "Path prefix of the key files.")
    var output: String = "cosign"

    @Flag(name: .long, help: "Replace existing key files.")
    var force = false

    func validate() throws {
        if output.isEmpty { throw ValidationError("--output must not be empty") }
        if !force {
            for path in [output + ".key", output + ".pub"] where FileManager.default.fileExists(atPath: path) {
                throw ValidationError("\(path) exists; pass --force to replace it")
            }
        }
    }

    func run() async throws {
        let password = try PasswordReader.read(prompt: "Enter password for private key: ", confirm: true)
        let key = SigningKey.generate()
        try await couldNotRun {
            let pem = try key.encryptedPEM(password: password)
            do {
                try AtomicFile.write(Data(pem.utf8), to: output + ".key")
                _ = chmod(output + ".key", 0o600)
                try AtomicFile.write(Data(key.publicKeyPEM.utf8), to: output + ".pub")
            } catch {
                throw SignError.file("cannot write \(output).key/.pub: \(error)")
            }
        }
        Terminal.write("Private key written to \(output).key\nPublic key written to \(output).pub\n")
    }
}

/// Loads the signing key named by `--key`.
func loadSigningKey(_ path: String) async throws -> SigningKey {
    let pem = try readText(path, what: "--key")
    let password =
        pem.contains("ENCRYPTED")
        ? try PasswordReader.read(prompt: "Enter password for private key: ", confirm: false) : nil
    return try await couldNotRun { try SigningKey(pem: pem, password: password) }
}

func registryReference(_ image: String) throws -> ImageReference {
    guard case .registry(let reference) = try? ImageLocation(parsing: image) else {
        throw ValidationError("IMAGE must be a registry reference (docker://HOST/REPO[:TAG|@DIGEST]), not '\(image)'")
    }
    return reference
}

/// `berth sign IMAGE --key FILE`.
struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign an image's digest and store the signature as cosign does (<alg>-<hex>.sig).")

    @Argument(help: "docker://HOST/REPO[:TAG|@DIGEST] or HOST/REPO[:TAG|@DIGEST]; tags are resolved to a digest first.")
    var image: String

    @Option(name: .long, help: "Private key (encrypted PKCS#8 PEM from `berth key generate`, or unencrypted PEM).")
    var key: String

    @Option(name: .long, help: "Annotation k=v recorded in the signed payload's optional section (repeatable).")
    var annotation: [String] = []

    @Flag(name: .long, help: "Also attach the signature as an OCI 1.1 referrer.")
    var referrers = false

    @Flag(name: .customLong("referrers-only"), help: "Attach only the OCI 1.1 referrer, no .sig tag.")
    var referrersOnly = false

    @Option(name: .long, help: "PEM certificate of the key (private PKI), stored with the signature.")
    var certificate: String?

    @Option(name: .customLong("certificate-chain"), help: "PEM intermediates and root of --certificate.")
    var certificateChain: String?

    @OptionGroup var registry: RegistryAccessOptions

    func validate() throws {
        _ = try registryReference(image)
        for item in annotation where !item.contains("=") || item.hasPrefix("=") {
            throw ValidationError("--annotation takes key=value, not '\(item)'")
        }
    }

    func run() async throws {
        let reference = try registryReference(image)
        let signingKey = try await loadSigningKey(key)
        var annotations: [String: String] = [:]
        for item in annotation {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            annotations[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        let result = try await couldNotRun {
            try await ImageSigner.sign(
                reference, key: signingKey, annotations: annotations,
                certificate: try certificate.map { try readText($0, what: "--certificate") },
                chain: try certificateChain.map { try readText($0, what: "--certificate-chain") },
                access: registry.access,
                tagConvention: !referrersOnly, referrer: referrers || referrersOnly)
        }
        var lines = "Signed \(result.image)\n"
        if let tag = result.tag { lines += "Signature: \(reference.name):\(tag)\n" }
        if let referrer = result.referrer { lines += "Referrer: \(reference.name)@\(referrer)\n" }
        Terminal.write(lines)
    }
}

/// Options shared by `verify` and `verify-attestation`.
struct VerificationOptions: ParsableArguments {
    @Option(name: .long, help: "Public key (SPKI PEM), repeatable: a signature by any of them is accepted.")
    var key: [String] = []

    @Option(
        name: .customLong("certificate-identity"), help: "Signer identity (SAN e-mail or URI) a certificate must carry."
    )
    var certificateIdentity: String?

    @Option(name: .customLong("certificate-oidc-issuer"), help: "OIDC issuer recorded in a Fulcio certificate.")
    var certificateOIDCIssuer: String?

    @Option(
        name: .customLong("certificate-chain"),
        help: "PEM file of CA certificates: self-signed ones are trust roots, the others intermediates.")
    var certificateChain: [String] = []

    @Option(
        name: .customLong("rekor-public-key"),
        help: "Rekor public key: each signature then needs a verified Rekor bundle.")
    var rekorPublicKey: String?

    @Option(name: .long, help: "Require the signed payload to name this repository (HOST/REPO).")
    var repository: String?

    @Flag(name: .customLong("check-repository"), help: "Require the signed payload to name the image's own repository.")
    var checkRepository = false

    @Option(name: .long, help: "Annotation k=v the signed payload must carry (repeatable).")
    var annotation: [String] = []

    @Option(name: .long, help: "text or json.")
    var format: String = "text"

    func validate() throws {
        if key.isEmpty && certificateIdentity == nil {
            throw ValidationError("give --key FILE or --certificate-identity ID with --certificate-chain FILE")
        }
        if certificateIdentity != nil && certificateChain.isEmpty {
            throw ValidationError("--certificate-identity needs --certificate-chain FILE (the trust roots)")
        }
        if !["text", "json"].contains(format) { throw ValidationError("unknown format '\(format)': use text or json") }
        for path in key + certificateChain + [rekorPublicKey].compactMap({ $0 })
        where !FileManager.default.isReadableFile(atPath: path) {
            throw ValidationError("\(path): cannot read file")
        }
    }

    func policy(image: ImageLocation) throws -> VerificationPolicy {
        var policy = VerificationPolicy()
        for path in key {
            do {
                policy.keys.append(try VerificationKey(pem: try readText(path, what: "--key")))
            } catch let error as SignError {
                throw ValidationError("--key \(path): \(error)")
            }
        }
        if let identity = certificateIdentity {
            let pems = try certificateChain.map { try readText($0, what: "--certificate-chain") }
            do {
                policy.certificate = try CertificateIdentity(
                    identity: identity, issuer: certificateOIDCIssuer, caPEMs: pems)
            } catch {
                throw ValidationError("--certificate-chain: \(error)")
            }
        }
        if let rekorPublicKey {
            do {
                policy.rekorKeys = [try VerificationKey(pem: try readText(rekorPublicKey, what: "--rekor-public-key"))]
            } catch let error as SignError {
                throw ValidationError("--rekor-public-key \(rekorPublicKey): \(error)")
            }
        }
        policy.repository = repository
        for item in annotation {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError("--annotation takes key=value, not '\(item)'")
            }
            policy.annotations[String(parts[0])] = String(parts[1])
        }
        if checkRepository, case .registry(let reference) = image { policy.repository = reference.name }
        return policy
    }

    func report(_ verdict: ImageVerdict, image: String) throws {
        if format == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            struct Report: Encodable {
                var image: String
                var digest: String
                var verified: Bool
                var signatures: [SignatureVerdict]
            }
            let data = try encoder.encode(
                Report(image: image, digest: verdict.digest, verified: verdict.verified, signatures: verdict.signatures)
            )
            Terminal.write(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            for signature in verdict.signatures {
                Terminal.write("\(signature.verified ? "ok  " : "FAIL") \(signature.source): \(signature.reason)\n")
            }
            let state =
                verdict.verified
                ? "verified"
                : verdict.signatures.isEmpty ? "NOT verified: no signature found" : "NOT verified"
            Terminal.write("\(image) (\(verdict.digest)): \(state)\n")
        }
    }
}

/// `berth verify IMAGE` and `berth verify --manifests PATH...`.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify an image's cosign signatures: exit 0 when one signs this digest, 1 when none does.",
        discussion: """
            IMAGE is docker://HOST/REPO[:TAG|@DIGEST] (or a bare reference), oci:PATH[:REF], or dir:PATH \
            (skopeo's layout: manifest.json and signature-N files), so copied images verify offline. \
            With --manifests, the arguments are Kubernetes manifests, directories, Helm charts or - and \
            every image their pods would run must be pinned by digest and verify.
            """)

    @Argument(help: "The image (docker://REF, REF, oci:PATH[:REF], dir:PATH), or with --manifests the paths.")
    var targets: [String]

    @Flag(name: .long, help: "Verify every image the Kubernetes objects under the paths would run.")
    var manifests = false

    @OptionGroup var verification: VerificationOptions

    @Option(
        name: .long,
        help:
            "Verify attestations of this predicate type (cyclonedx, spdx, slsaprovenance or a URI) instead of signatures."
    )
    var attestation: String?

    @OptionGroup var registry: RegistryAccessOptions

    func validate() throws {
        if targets.isEmpty { throw ValidationError("name an IMAGE, or paths with --manifests") }
        if !manifests && targets.count > 1 { throw ValidationError("verify one IMAGE at a time, or use --manifests") }
        if manifests && attestation != nil { throw ValidationError("--attestation does not combine with --manifests") }
        do {
            if !manifests { _ = try ImageLocation(parsing: targets[0]) }
            if let attestation { _ = try PredicateType.uri(for: attestation) }
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        if manifests { return try await verifyManifests() }
        let image = targets[0]
        let location = try ImageLocation(parsing: image)
        let policy = try verification.policy(image: location)
        let verdict: ImageVerdict
        if let attestation {
            let type = try PredicateType.uri(for: attestation)
            let loaded = try await couldNotRun {
                try await SignatureStore.load(location, kind: .attestation, access: registry.access)
            }
            verdict = AttestationVerifier(keys: policy.keys, predicateType: type).verify(
                loaded.signatures, manifestDigest: loaded.digest)
        } else {
            let loaded = try await couldNotRun {
                try await SignatureStore.load(location, kind: .signature, access: registry.access)
            }
            verdict = await SignatureVerifier(policy: policy).verify(loaded.signatures, manifestDigest: loaded.digest)
        }
        try verification.report(verdict, image: image)
        if !verdict.verified { throw ExitCode(1) }
    }

    private func verifyManifests() async throws {
        let collected: (images: [DeploymentImage], errors: [String])
        do {
            collected = try DeploymentImages.collect(paths: targets) {
                [UInt8](FileHandle.standardInput.readDataToEndOfFile())
            }
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }
        for error in collected.errors { Terminal.error(error) }
        var policy = try verification.policy(image: .directory("."))
        policy.repository = verification.repository
        let verdicts = await DeploymentVerification.verify(
            images: collected.images.map(\.image), policy: policy, checkRepository: verification.checkRepository,
            access: registry.access)
        if verification.format == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            Terminal.write(String(decoding: try encoder.encode(verdicts), as: UTF8.self) + "\n")
        } else {
            for verdict in verdicts {
                let users = collected.images.filter { $0.image == verdict.image }
                    .map { "\($0.object) container \($0.container) in \($0.file)" }
                Terminal.write(
                    "\(verdict.verified ? "ok  " : "FAIL") \(verdict.image): \(verdict.reason)\n"
                        + users.map { "       used by \($0)\n" }.joined())
            }
            let failed = verdicts.filter { !$0.verified }.count
            Terminal.write("\(verdicts.count) images, \(failed) not verified\n")
        }
        if !collected.errors.isEmpty { throw ExitCode(2) }
        if verdicts.isEmpty || verdicts.contains(where: { !$0.verified }) { throw ExitCode(1) }
    }
}

/// `berth verify-attestation IMAGE --type T --key FILE`.
struct VerifyAttestationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-attestation",
        abstract: "Verify an image's cosign attestations (DSSE, in-toto subject digest, predicate type).")

    @Argument(help: "The image: docker://REF, REF, oci:PATH[:REF] or dir:PATH.")
    var image: String

    @Option(name: .long, help: "Predicate type: cyclonedx, spdx, slsaprovenance, … or a URI.")
    var type: String

    @OptionGroup var verification: VerificationOptions

    @OptionGroup var registry: RegistryAccessOptions

    func validate() throws {
        do {
            _ = try ImageLocation(parsing: image)
            _ = try PredicateType.uri(for: type)
        } catch {
            throw ValidationError("\(error)")
        }
        if verification.key.isEmpty { throw ValidationError("verify-attestation needs --key FILE") }
    }

    func run() async throws {
        let location = try ImageLocation(parsing: image)
        let policy = try verification.policy(image: location)
        let loaded = try await couldNotRun {
            try await SignatureStore.load(location, kind: .attestation, access: registry.access)
        }
        let verdict = AttestationVerifier(keys: policy.keys, predicateType: try PredicateType.uri(for: type)).verify(
            loaded.signatures, manifestDigest: loaded.digest)
        try verification.report(verdict, image: image)
        if !verdict.verified { throw ExitCode(1) }
    }
}

/// `berth attest IMAGE --predicate FILE --type T --key FILE`.
struct AttestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Attest an image's digest: an in-toto statement in a DSSE envelope, stored as cosign does (.att).")

    @Argument(help: "docker://HOST/REPO[:TAG|@DIGEST] or HOST/REPO[:TAG|@DIGEST].")
    var image: String

    @Option(name: .long, help: "Predicate file (JSON), e.g. an SBOM from `berth sbom`.")
    var predicate: String

    @Option(name: .long, help: "Predicate type: cyclonedx, spdx, slsaprovenance, … or a URI.")
    var type: String = "custom"

    @Option(name: .long, help: "Private key (encrypted PKCS#8 PEM from `berth key generate`, or unencrypted PEM).")
    var key: String

    @Flag(name: .long, help: "Also attach the attestation as an OCI 1.1 referrer.")
    var referrers = false

    @OptionGroup var registry: RegistryAccessOptions

    func validate() throws {
        _ = try registryReference(image)
        do {
            _ = try PredicateType.uri(for: type)
        } catch {
            throw ValidationError("\(error)")
        }
        if !FileManager.default.isReadableFile(atPath: predicate) {
            throw ValidationError("--predicate \(predicate): cannot read file")
        }
    }

    func run() async throws {
        let reference = try registryReference(image)
        let predicateType = try PredicateType.uri(for: type)
        guard let body = FileManager.default.contents(atPath: predicate) else {
            throw ValidationError("--predicate \(predicate): cannot read file")
        }
        let signingKey = try await loadSigningKey(key)
        let result = try await couldNotRun {
            try await ImageSigner.attest(
                reference, predicate: body, predicateType: predicateType, key: signingKey, access: registry.access,
                referrer: referrers)
        }
        var lines = "Attested \(result.image) (\(predicateType))\n"
        if let tag = result.tag { lines += "Attestation: \(reference.name):\(tag)\n" }
        if let referrer = result.referrer { lines += "Referrer: \(reference.name)@\(referrer)\n" }
        Terminal.write(lines)
    }
}

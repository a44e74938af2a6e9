import Foundation
import SwiftASN1
import X509

/// Chain and identity checks of a signing certificate (Fulcio keyless, or a private PKI).
enum CertificateCheck {
    /// Fulcio's OIDC issuer extensions: v1 holds the raw string, v2 a DER UTF8String.
    static let issuerV1: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 1]
    static let issuerV2: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 8]

    /// Verifies the chain of `leafPEM` to the requirement's roots at `time` and its identity; returns its key.
    static func verify(
        leafPEM: String, chainPEM: String?, requirement: CertificateIdentity, at time: Date
    ) async -> Result<VerificationKey, CheckFailure> {
        guard let leaf = try? Certificate(pemEncoded: leafPEM) else {
            return .failure(CheckFailure("the certificate annotation is not a PEM certificate"))
        }
        var intermediates = requirement.intermediates
        if let chainPEM, let documents = try? PEMDocument.parseMultiple(pemString: chainPEM) {
            intermediates += documents.compactMap { try? Certificate(derEncoded: $0.derBytes) }
        }
        if time < leaf.notValidBefore || time > leaf.notValidAfter {
            return .failure(
                CheckFailure(
                    "expired certificate: valid \(iso(leaf.notValidBefore)) to \(iso(leaf.notValidAfter)), "
                        + "checked at \(iso(time))"))
        }
        var verifier = Verifier(rootCertificates: CertificateStore(requirement.roots)) {
            RFC5280Policy(validationTime: time)
            CodeSigningExtensions()
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
        guard case .validCertificate = result else {
            return .failure(CheckFailure("the certificate does not chain to the given roots"))
        }
        let names = identities(of: leaf)
        guard names.contains(requirement.identity) else {
            return .failure(
                CheckFailure(
                    "the certificate identity is \(names.isEmpty ? "empty" : names.joined(separator: ", ")), not \(requirement.identity)"
                ))
        }
        if let issuer = requirement.issuer {
            let actual = self.issuer(of: leaf)
            guard actual == issuer else {
                return .failure(CheckFailure("the certificate's OIDC issuer is \(actual ?? "absent"), not \(issuer)"))
            }
        }
        do {
            return .success(try VerificationKey(certificate: leaf))
        } catch {
            return .failure(CheckFailure(error.description))
        }
    }

    /// SAN e-mail addresses, URIs and DNS names.
    static func identities(of certificate: Certificate) -> [String] {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            switch name {
            case .rfc822Name(let value), .uniformResourceIdentifier(let value), .dnsName(let value): return value
            default: return nil
            }
        }
    }

    /// The OIDC issuer Fulcio recorded.
    static func issuer(of certificate: Certificate) -> String? {
        if let v2 = certificate.extensions[oid: issuerV2], let node = try? DER.parse(v2.value),
            let string = try? ASN1UTF8String(derEncoded: node)
        {
            return String(string)
        }
        if let v1 = certificate.extensions[oid: issuerV1] { return String(decoding: v1.value, as: UTF8.self) }
        return nil
    }

    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}

/// Marks the extensions a code-signing leaf carries as critical (SAN, extended key usage) as
/// understood: the identity is checked by ``CertificateCheck`` itself.
struct CodeSigningExtensions: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.subjectAlternativeName, .X509ExtensionID.extendedKeyUsage,
    ]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        .meetsPolicy
    }
}

extension CertificateIdentity {
    /// A requirement whose CA certificates come from PEM files: self-signed certificates become trust
    /// roots, the others intermediates.
    public init(identity: String, issuer: String?, caPEMs: [String]) throws(SignError) {
        var roots: [Certificate] = []
        var intermediates: [Certificate] = []
        for pem in caPEMs {
            let documents: [PEMDocument]
            do {
                documents = try PEMDocument.parseMultiple(pemString: pem)
            } catch {
                throw SignError.certificate("not a PEM certificate file")
            }
            for document in documents where document.discriminator == "CERTIFICATE" {
                let certificate: Certificate
                do {
                    certificate = try Certificate(derEncoded: document.derBytes)
                } catch {
                    throw SignError.certificate("cannot parse a certificate: \(error)")
                }
                if certificate.subject == certificate.issuer {
                    roots.append(certificate)
                } else {
                    intermediates.append(certificate)
                }
            }
        }
        guard !roots.isEmpty else { throw SignError.certificate("no self-signed root certificate among the CA files") }
        self.init(identity: identity, issuer: issuer, roots: roots, intermediates: intermediates)
    }
}

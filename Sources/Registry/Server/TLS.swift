import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL

/// HTTP/1.1, wrapped in TLS when a certificate and key are configured.
func serverBuilder(_ configuration: RegistryConfiguration, http1: HTTP1Channel.Configuration) throws
    -> HTTPServerBuilder
{
    guard let certificate = configuration.tlsCertificate, let key = configuration.tlsKey else {
        return .http1(configuration: http1)
    }
    let chain: [NIOSSLCertificateSource]
    let privateKey: NIOSSLPrivateKey
    do {
        chain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
    } catch {
        throw RegistryConfigurationError.invalid(
            path: certificate, reason: "cannot load the TLS certificate chain (PEM): \(error)")
    }
    do {
        privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
    } catch {
        throw RegistryConfigurationError.invalid(path: key, reason: "cannot load the TLS private key (PEM): \(error)")
    }
    let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(privateKey))
    return try .tls(.http1(configuration: http1), tlsConfiguration: tls)
}

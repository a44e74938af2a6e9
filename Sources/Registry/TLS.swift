import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL

/// HTTP/1.1, wrapped in TLS when a certificate and key are configured.
func serverBuilder(_ configuration: RegistryConfiguration, http1: HTTP1Channel.Configuration) throws -> HTTPServerBuilder {
    guard let certificate = configuration.tlsCertificate, let key = configuration.tlsKey else {
        return .http1(configuration: http1)
    }
    let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
    let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .file(key))
    return try .tls(.http1(configuration: http1), tlsConfiguration: tls)
}

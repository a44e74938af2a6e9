import Hummingbird
import Logging
import NIOCore

/// Per-request context: Hummingbird's core storage plus who is calling.
public struct RegistryRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated caller; anonymous until authentication runs.
    public var identity: Identity = .anonymous
    /// The caller's address, for logs and audit.
    public var remoteAddress: String?
    /// The connection, when it serves blob bodies with sendfile (plain HTTP on a live server).
    var sendfileChannel: ObjectIdentifier?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
        self.sendfileChannel =
            Sendfile.isEnabled(on: source.channel) ? ObjectIdentifier(source.channel) : nil
    }
}

/// Who is making a request.
public enum Identity: Sendable, Equatable {
    case anonymous
    case user(String)
    case robot(String)

    /// The name recorded in logs, tokens and the audit log (`""` for anonymous).
    public var name: String {
        switch self {
        case .anonymous: return ""
        case .user(let name), .robot(let name): return name
        }
    }
}

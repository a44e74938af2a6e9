/// Which container engine produced the data: the output names it, and some fields mean different
/// things per engine (Podman's defaulted PIDs limit and ulimits, `PidMode: private`).
public enum EngineKind: String, Sendable, Hashable, Codable {
    case docker
    case podman
    /// Docker-shaped data whose producer is not known (saved compat-API output, hand-written JSON).
    case unknown

    /// The engine named by an HTTP `Server` header: `Docker/28.2.2 (linux)`, `Libpod/4.3.1 (linux)`.
    public static func fromServerHeader(_ server: String) -> EngineKind {
        if server.hasPrefix("Libpod/") { return .podman }
        if server.hasPrefix("Docker/") { return .docker }
        return .unknown
    }

    /// Guesses the engine from the text of `GET /version`'s component names or server name.
    public static func fromVersion(componentNames: [String], platform: String?) -> EngineKind {
        let all = (componentNames + [platform ?? ""]).map { $0.lowercased() }
        if all.contains(where: { $0.contains("podman") }) { return .podman }
        if all.contains(where: { $0.contains("docker") || $0 == "engine" }) { return .docker }
        return .unknown
    }
}

import Foundation

/// What the audit knows about the engine itself: `daemon.json` and `GET /info`, each optional.
/// A daemon rule judges only the facts it has; a fact nobody reported is not decidable.
public struct DaemonFacts: Sendable, Hashable {
    public var engine: EngineKind
    /// Where the facts came from, for findings: the daemon.json path, else the endpoint.
    public var source: String
    /// The `daemon.json` settings, when a file was given.
    public var configuration: DaemonConfiguration?
    /// The engine's `GET /info`, when the engine was asked.
    public var info: EngineInfo?
    /// True when the engine was reached over plain TCP without TLS.
    public var plainTCP: Bool

    public init(
        engine: EngineKind, source: String, configuration: DaemonConfiguration? = nil, info: EngineInfo? = nil,
        plainTCP: Bool = false
    ) {
        self.engine = engine
        self.source = source
        self.configuration = configuration
        self.info = info
        self.plainTCP = plainTCP
    }

    public var subject: String {
        "\(engine == .unknown ? "engine" : engine.rawValue) daemon (\(source))"
    }
}

/// The `daemon.json` keys the benchmark asks about. Unknown keys are ignored.
public struct DaemonConfiguration: Sendable, Hashable {
    public var icc: Bool?
    public var logLevel: String?
    public var iptables: Bool?
    public var insecureRegistries: [String]
    public var storageDriver: String?
    public var storageOptions: [String]
    public var hosts: [String]
    public var tls: Bool?
    public var tlsVerify: Bool?
    public var usernsRemap: String?
    public var cgroupParent: String?
    public var authorizationPlugins: [String]
    public var logDriver: String?
    public var noNewPrivileges: Bool?
    public var liveRestore: Bool?
    public var userlandProxy: Bool?
    public var seccompProfile: String?
    public var experimental: Bool?
    public var defaultUlimits: [String]

    public static func decode(_ data: Data, file: String) throws -> DaemonConfiguration {
        guard let object = try JSONFields.parse(data, file: file) as? [String: Any] else {
            throw AuditError.malformed(file: file, field: "$", reason: "expected an object of daemon settings")
        }
        let json = JSONFields(object, path: "", file: file)
        return DaemonConfiguration(
            icc: try json.bool("icc"), logLevel: try json.string("log-level"), iptables: try json.bool("iptables"),
            insecureRegistries: try json.strings("insecure-registries"),
            storageDriver: try json.string("storage-driver"), storageOptions: try json.strings("storage-opts"),
            hosts: try json.strings("hosts"), tls: try json.bool("tls"), tlsVerify: try json.bool("tlsverify"),
            usernsRemap: try json.string("userns-remap"), cgroupParent: try json.string("cgroup-parent"),
            authorizationPlugins: try json.strings("authorization-plugins"), logDriver: try json.string("log-driver"),
            noNewPrivileges: try json.bool("no-new-privileges"), liveRestore: try json.bool("live-restore"),
            userlandProxy: try json.bool("userland-proxy"), seccompProfile: try json.string("seccomp-profile"),
            experimental: try json.bool("experimental"),
            defaultUlimits: (try json.object("default-ulimits"))?.object.keys.sorted() ?? [])
    }
}

/// The parts of `GET /info` the benchmark asks about.
public struct EngineInfo: Sendable, Hashable {
    /// `name=seccomp,profile=default`, `name=apparmor`, `name=selinux`, `name=userns`, `name=rootless`.
    public var securityOptions: [String]
    public var driver: String
    public var loggingDriver: String
    public var liveRestore: Bool?
    public var experimental: Bool?
    public var debug: Bool?
    public var swarmState: String
    /// Registries the engine reaches without TLS verification, loopback excluded.
    public var insecureRegistries: [String]
    public var authorizationPlugins: [String]
    public var cgroupDriver: String
    /// The engine, when the shape of the data names it (`podman info --format json`).
    public var engine: EngineKind?

    public func hasSecurityOption(_ name: String) -> Bool {
        securityOptions.contains { option in
            option.split(separator: ",").contains { $0 == "name=\(name)" } || option == name
        }
    }

    public static func decode(_ data: Data, file: String) throws -> EngineInfo {
        guard let object = try JSONFields.parse(data, file: file) as? [String: Any] else {
            throw AuditError.malformed(file: file, field: "$", reason: "expected the engine's info object")
        }
        let json = JSONFields(object, path: "", file: file)
        if let host = try json.object("host"), let security = try host.object("security") {
            return try podman(json, host: host, security: security)
        }
        var insecure: [String] = []
        if let registry = try json.object("RegistryConfig") {
            let loopback = ["127.0.0.0/8", "::1/128"]
            insecure += try registry.strings("InsecureRegistryCIDRs").filter { !loopback.contains($0) }
            if let indexes = try registry.object("IndexConfigs") {
                for name in indexes.object.keys.sorted() {
                    if let index = try indexes.object(name), try index.bool("Secure") == false {
                        insecure.append(name)
                    }
                }
            }
        }
        return EngineInfo(
            securityOptions: try json.strings("SecurityOptions"), driver: try json.string("Driver") ?? "",
            loggingDriver: try json.string("LoggingDriver") ?? "", liveRestore: try json.bool("LiveRestoreEnabled"),
            experimental: try json.bool("ExperimentalBuild"), debug: try json.bool("Debug"),
            swarmState: try json.object("Swarm")?.string("LocalNodeState") ?? "", insecureRegistries: insecure,
            authorizationPlugins: try json.object("Plugins")?.strings("Authorization") ?? [],
            cgroupDriver: try json.string("CgroupDriver") ?? "", engine: nil)
    }

    /// `podman info --format json`: security flags under `host.security`, the storage driver under `store`.
    static func podman(_ json: JSONFields, host: JSONFields, security: JSONFields) throws -> EngineInfo {
        var options: [String] = []
        for (key, name) in [
            ("seccompEnabled", "seccomp"), ("apparmorEnabled", "apparmor"), ("selinuxEnabled", "selinux"),
            ("rootless", "rootless"),
        ] where try security.bool(key) == true {
            options.append("name=\(name)")
        }
        return EngineInfo(
            securityOptions: options, driver: try json.object("store")?.string("graphDriverName") ?? "",
            loggingDriver: try host.string("logDriver") ?? "", liveRestore: nil, experimental: nil, debug: nil,
            swarmState: "", insecureRegistries: [], authorizationPlugins: [],
            cgroupDriver: try host.string("cgroupManager") ?? "", engine: .podman)
    }
}

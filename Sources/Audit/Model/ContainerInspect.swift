import Foundation

/// What the audit reads from one container's inspect JSON, normalised across engines.
///
/// Podman's native `podman inspect` differs from Docker's: capabilities carry a `CAP_` prefix,
/// `--cap-drop ALL` is expanded to the default set, `PidMode`/`UTSMode` say `private` for the
/// default, and PIDs limit, ulimits and `State.Health` are always filled in. The decoder reads
/// each of those for what it means, so one rule judges both.
public struct ContainerInspect: Sendable, Hashable {
    public var id: String
    /// Without the leading `/`.
    public var name: String
    /// The image the container was created from, by name when known (`Config.Image`, `ImageName`).
    public var image: String
    public var imageID: String
    public var engine: EngineKind
    /// Where the data came from: a file path or an endpoint.
    public var source: String
    /// `State.Status`: created, running, exited, ...
    public var status: String
    public var user: String
    public var labels: [String: String]
    /// True when a HEALTHCHECK is configured (`Config.Healthcheck.Test` set and not `NONE`).
    public var healthcheck: Bool
    /// `State.Health.Status` when the engine reports one; nil when empty or absent.
    public var healthStatus: String?
    public var appArmorProfile: String
    /// SELinux process label (`ProcessLabel`), empty when none.
    public var processLabel: String
    public var privileged: Bool
    /// Capability names without `CAP_`, upper case; `ALL` stays `ALL`.
    public var capAdd: [String]
    public var capDrop: [String]
    public var securityOpt: [String]
    public var networkMode: String
    public var pidMode: String
    public var ipcMode: String
    public var utsMode: String
    public var usernsMode: String
    /// Bytes; 0 is unlimited.
    public var memory: Int64
    public var nanoCpus: Int64
    public var cpuShares: Int64
    public var cpuQuota: Int64
    public var cpusetCpus: String
    public var readonlyRootfs: Bool
    public var restartPolicy: String
    public var restartRetries: Int64
    public var devices: [Device]
    /// Ulimits set for this container; Podman's engine defaults are left out (see `decode`).
    public var ulimits: [Ulimit]
    public var cgroupParent: String
    /// nil, 0 and -1 all mean unlimited.
    public var pidsLimit: Int64?
    public var mounts: [Mount]
    public var ports: [PortBinding]

    public struct Device: Sendable, Hashable {
        public var pathOnHost: String
        public var pathInContainer: String
        public var permissions: String
    }

    public struct Ulimit: Sendable, Hashable {
        public var name: String
        public var soft: Int64
        public var hard: Int64
    }

    public struct Mount: Sendable, Hashable {
        public var type: String
        public var source: String
        public var destination: String
        public var readWrite: Bool
        public var propagation: String
    }

    public struct PortBinding: Sendable, Hashable {
        /// `8080/tcp`.
        public var containerPort: String
        public var hostIP: String
        /// 0 when the engine picks one.
        public var hostPort: Int
    }

    /// Docker's default capability set (the one `--cap-drop ALL` removes).
    public static let defaultCapabilities: Set<String> = [
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "NET_RAW",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    ]

    /// True when every default capability is dropped (`--cap-drop ALL`, or Podman's expansion of it).
    public var dropsAllCapabilities: Bool {
        capDrop.contains("ALL") || Self.defaultCapabilities.isSubset(of: Set(capDrop))
    }

    /// `name` (image `image`, engine): how a finding names its subject.
    public var subject: String { "container '\(name)' (image \(image), \(engine.rawValue))" }

    /// Decodes `docker inspect` / `podman inspect` output: an array of containers or one container.
    public static func decodeAll(_ data: Data, file: String, engine: EngineKind? = nil) throws -> [ContainerInspect] {
        let root = try JSONFields.parse(data, file: file)
        if let array = root as? [Any] {
            return try array.enumerated().map { offset, item in
                guard let object = item as? [String: Any] else {
                    throw AuditError.malformed(file: file, field: "[\(offset)]", reason: "expected a container object")
                }
                return try decode(JSONFields(object, path: "[\(offset)]", file: file), engine: engine)
            }
        }
        if let object = root as? [String: Any] {
            return [try decode(JSONFields(object, path: "", file: file), engine: engine)]
        }
        throw AuditError.malformed(file: file, field: "$", reason: "expected a list of container objects")
    }

    /// True when the object has the fields only Podman's native inspect writes.
    static func looksLikePodman(_ json: JSONFields) -> Bool {
        ["ImageName", "IsInfra", "EffectiveCaps", "OCIRuntime", "ConmonPidFile"].contains(where: json.has)
    }

    static func capabilities(_ names: [String]) -> [String] {
        var out: [String] = []
        for raw in names {
            var name = raw.trimmingCharacters(in: .whitespaces).uppercased()
            if name.hasPrefix("CAP_") { name.removeFirst(4) }
            if !name.isEmpty, !out.contains(name) { out.append(name) }
        }
        return out
    }

    static func decode(_ json: JSONFields, engine given: EngineKind?) throws -> ContainerInspect {
        guard let id = try json.string("Id"), !id.isEmpty else { throw json.fail("Id", "a container id") }
        let engine = given ?? (looksLikePodman(json) ? .podman : (json.has("Platform") ? .docker : .unknown))
        let config = try json.object("Config")
        let host = try json.object("HostConfig")
        let state = try json.object("State")
        let imageID = try json.string("Image") ?? ""
        let imageName = try json.string("ImageName") ?? config?.string("Image") ?? ""
        var name = try json.string("Name") ?? ""
        if name.hasPrefix("/") { name.removeFirst() }
        if name.isEmpty { name = String(id.prefix(12)) }

        var healthcheck = false
        if let check = try config?.object("Healthcheck") {
            let test = try check.strings("Test")
            healthcheck = !test.isEmpty && test.first != "NONE"
        }
        var healthStatus: String?
        if let health = try state?.object("Health"), let status = try health.string("Status"), !status.isEmpty {
            healthStatus = status
        }
        // Podman reports `State.Health` with an empty status for containers without a check; Docker
        // omits it. A configured check that has not run yet reads as "starting".
        if healthcheck, healthStatus == nil { healthStatus = "starting" }

        let restart = try host?.object("RestartPolicy")
        var ulimits: [Ulimit] = []
        for item in try host?.objects("Ulimits") ?? [] {
            let ulimit = Ulimit(
                name: try item.string("Name") ?? "", soft: try item.int("Soft") ?? 0, hard: try item.int("Hard") ?? 0)
            // Podman writes its process limits for open files and processes into every container as
            // equal soft and hard values; those are the engine's defaults, not an override.
            if engine == .podman, ["RLIMIT_NOFILE", "RLIMIT_NPROC"].contains(ulimit.name), ulimit.soft == ulimit.hard {
                continue
            }
            ulimits.append(ulimit)
        }
        var devices: [Device] = []
        for item in try host?.objects("Devices") ?? [] {
            devices.append(
                Device(
                    pathOnHost: try item.string("PathOnHost") ?? "",
                    pathInContainer: try item.string("PathInContainer") ?? "",
                    permissions: try item.string("CgroupPermissions") ?? ""))
        }
        var mounts: [Mount] = []
        for item in try json.objects("Mounts") {
            mounts.append(
                Mount(
                    type: try item.string("Type") ?? "", source: try item.string("Source") ?? "",
                    destination: try item.string("Destination") ?? "", readWrite: try item.bool("RW") ?? true,
                    propagation: try item.string("Propagation") ?? ""))
        }
        // The ports actually published (`NetworkSettings.Ports`) when the engine reports them,
        // else the requested bindings (`HostConfig.PortBindings`).
        var ports: [PortBinding] = []
        let portMaps = [try json.object("NetworkSettings")?.object("Ports"), try host?.object("PortBindings")]
        for map in portMaps.compactMap({ $0 }) where ports.isEmpty {
            for key in map.object.keys.sorted() {
                for binding in try map.objects(key) {
                    let hostPort = try binding.string("HostPort") ?? ""
                    let port = PortBinding(
                        containerPort: key, hostIP: try binding.string("HostIp") ?? "",
                        hostPort: Int(hostPort.split(separator: "-").first ?? "") ?? 0)
                    if !ports.contains(port) { ports.append(port) }
                }
            }
        }
        var pidsLimit = try host?.int("PidsLimit")
        if let limit = pidsLimit, limit <= 0 { pidsLimit = nil }
        let pidMode = try host?.string("PidMode") ?? ""
        let utsMode = try host?.string("UTSMode") ?? ""

        return ContainerInspect(
            id: id, name: name, image: imageName.isEmpty ? imageID : imageName, imageID: imageID, engine: engine,
            source: json.file, status: try state?.string("Status") ?? "",
            user: try config?.string("User") ?? "", labels: try config?.stringMap("Labels") ?? [:],
            healthcheck: healthcheck, healthStatus: healthStatus,
            appArmorProfile: try json.string("AppArmorProfile") ?? "",
            processLabel: try json.string("ProcessLabel") ?? "",
            privileged: try host?.bool("Privileged") ?? false,
            capAdd: capabilities(try host?.strings("CapAdd") ?? []),
            capDrop: capabilities(try host?.strings("CapDrop") ?? []),
            securityOpt: try host?.strings("SecurityOpt") ?? [],
            networkMode: try host?.string("NetworkMode") ?? "",
            pidMode: pidMode == "private" ? "" : pidMode, ipcMode: try host?.string("IpcMode") ?? "",
            utsMode: utsMode == "private" ? "" : utsMode, usernsMode: try host?.string("UsernsMode") ?? "",
            memory: try host?.int("Memory") ?? 0, nanoCpus: try host?.int("NanoCpus") ?? 0,
            cpuShares: try host?.int("CpuShares") ?? 0, cpuQuota: try host?.int("CpuQuota") ?? 0,
            cpusetCpus: try host?.string("CpusetCpus") ?? "",
            readonlyRootfs: try host?.bool("ReadonlyRootfs") ?? false,
            restartPolicy: try restart?.string("Name") ?? "",
            restartRetries: try restart?.int("MaximumRetryCount") ?? 0,
            devices: devices, ulimits: ulimits, cgroupParent: try host?.string("CgroupParent") ?? "",
            pidsLimit: pidsLimit, mounts: mounts, ports: ports)
    }

    /// The value of a `--security-opt` key (`seccomp=x`, `seccomp:x`, `apparmor=x`, `label=x`...).
    public func securityOptions(_ key: String) -> [String] {
        securityOpt.compactMap { option in
            for separator in ["=", ":"] where option.hasPrefix(key + separator) {
                return String(option.dropFirst(key.count + 1))
            }
            return nil
        }
    }
}

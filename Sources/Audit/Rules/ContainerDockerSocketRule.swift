import BerthCore

/// CIS 5.32: the engine's socket is not mounted into a container.
public struct ContainerDockerSocketRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-docker-socket", cis: "5.32", scope: .container, practice: .leastPrivilege,
        severity: .error,
        summary: "container mounts the Docker or Podman socket",
        rationale: """
            Whoever can write to the engine's socket can start a privileged container with the host's \
            root filesystem mounted: a mounted docker.sock or podman.sock is root on the host.
            """,
        fix: "Do not mount the engine socket; use a narrowly scoped API proxy if the workload needs one.",
        fields: ["Mounts[].Source", "Mounts[].Destination"],
        triggering: [
            RuleExample(
                #"{"Id": "a1", "Mounts": [{"Type": "bind", "Source": "/var/run/docker.sock", "Destination": "/var/run/docker.sock"}]}"#
            ),
            RuleExample(
                #"{"Id": "a1", "Mounts": [{"Type": "bind", "Source": "/run/podman/podman.sock", "Destination": "/sock"}]}"#
            ),
        ],
        nonTriggering: [
            RuleExample(
                #"{"Id": "a1", "Mounts": [{"Type": "bind", "Source": "/srv/app.sock", "Destination": "/run/app.sock"}]}"#
            )
        ])

    public init() {}

    static func isEngineSocket(_ path: String) -> Bool {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return name == "docker.sock" || name == "podman.sock" || name == "containerd.sock"
    }

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        let violations = container.mounts.enumerated().compactMap { offset, mount -> Violation? in
            guard Self.isEngineSocket(mount.source) || Self.isEngineSocket(mount.destination) else { return nil }
            return Violation(
                "mounts the engine socket \(mount.source) at \(mount.destination)", field: "Mounts[\(offset)]")
        }
        return violations.isEmpty ? .pass : .fail(violations)
    }
}

import BerthCore

/// CIS 5.6: sensitive host directories are not mounted.
public struct ContainerSensitiveMountRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-sensitive-mount", cis: "5.6", scope: .container, severity: .error,
        summary: "container mounts a sensitive host directory",
        rationale: """
            A bind mount of /, /boot, /dev, /etc, /lib, /proc, /sys or /usr (or a path under them) \
            lets the container read or, when writable, change the host's system files. A read-only \
            mount is reported as a warning, a writable one as an error.
            """,
        fix: "Mount only the application's own directories, read-only where possible.",
        fields: ["Mounts[].Source", "Mounts[].RW"],
        triggering: [
            RuleExample(
                #"{"Id": "a1", "Mounts": [{"Type": "bind", "Source": "/", "Destination": "/host", "RW": true}]}"#),
            RuleExample(
                #"{"Id": "a1", "Mounts": [{"Type": "bind", "Source": "/etc/ssl", "Destination": "/s", "RW": false}]}"#
            ),
        ],
        nonTriggering: [
            RuleExample(
                #"{"Id": "a1", "Mounts": [{"Type": "bind", "Source": "/srv/app", "Destination": "/data", "RW": true}]}"#
            ),
            RuleExample(
                #"{"Id": "a1", "Mounts": [{"Type": "volume", "Source": "/var/lib/docker/volumes/v/_data", "Destination": "/etc/app"}]}"#
            ),
        ])

    /// Host directories the benchmark names.
    public static let sensitive = ["/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr"]

    public init() {}

    public static func isSensitive(_ path: String) -> Bool {
        var path = path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        if path == "/" { return true }
        return sensitive.contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        let violations = container.mounts.enumerated().compactMap { offset, mount -> Violation? in
            guard mount.type == "bind" || mount.type.isEmpty, Self.isSensitive(mount.source) else { return nil }
            return Violation(
                "mounts host \(mount.source) at \(mount.destination) \(mount.readWrite ? "read-write" : "read-only")",
                field: "Mounts[\(offset)].Source", severity: mount.readWrite ? nil : .warning)
        }
        return violations.isEmpty ? .pass : .fail(violations)
    }
}

import BerthCore

/// CIS 5.18: host devices are not exposed to containers.
public struct ContainerDevicesRule: ContainerAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-container-devices", cis: "5.18", scope: .container, practice: .leastPrivilege, severity: .warning,
        summary: "container is given host devices",
        rationale: """
            A host device in a container bypasses the filesystem's permissions: a disk device can be \
            read or written raw. Give only the devices the workload needs, with the least permissions.
            """,
        fix: "Remove --device, or restrict it (--device /dev/x:/dev/x:r).",
        fields: ["HostConfig.Devices"],
        triggering: [
            RuleExample(
                #"{"Id": "a1", "HostConfig": {"Devices": [{"PathOnHost": "/dev/sda", "PathInContainer": "/dev/sda", "CgroupPermissions": "rwm"}]}}"#
            )
        ],
        nonTriggering: [RuleExample(#"{"Id": "a1", "HostConfig": {"Devices": []}}"#)])

    public init() {}

    public func judge(_ container: ContainerInspect, context: AuditContext) -> Verdict {
        let violations = container.devices.enumerated().map { offset, device in
            let permissions = device.permissions.isEmpty ? "rwm" : device.permissions
            return Violation(
                "is given host device \(device.pathOnHost) as \(device.pathInContainer) (\(permissions))",
                field: "HostConfig.Devices[\(offset)]")
        }
        return violations.isEmpty ? .pass : .fail(violations)
    }
}

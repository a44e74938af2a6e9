import BerthCore

/// Every audit rule, in CIS order, and the recommendations no rule automates.
public enum AuditRules {
    public static let all: [any AuditRule] = [
        DaemonICCRule(), DaemonLogLevelRule(), DaemonIptablesRule(), DaemonInsecureRegistryRule(), DaemonAufsRule(),
        DaemonTLSRule(), DaemonUsernsRule(), DaemonCgroupParentRule(), DaemonBaseDeviceSizeRule(),
        DaemonAuthorizationRule(), DaemonRemoteLoggingRule(), DaemonNoNewPrivilegesRule(), DaemonLiveRestoreRule(),
        DaemonUserlandProxyRule(), DaemonExperimentalRule(),
        ImageUserRule(), ImageHealthcheckRule(), ImageUpdateAloneRule(), ImageAddInstructionRule(),
        DaemonSwarmRule(), ContainerUserRule(), ContainerAppArmorRule(), ContainerSELinuxRule(),
        ContainerCapabilitiesRule(), ContainerPrivilegedRule(), ContainerSensitiveMountRule(),
        ContainerPrivilegedPortRule(), ContainerHostNetworkRule(), ContainerMemoryRule(), ContainerCPURule(),
        ContainerWritableRootfsRule(), ContainerBindAddressRule(), ContainerRestartPolicyRule(), ContainerHostPIDRule(),
        ContainerHostIPCRule(), ContainerDevicesRule(), ContainerUlimitRule(), ContainerMountPropagationRule(),
        ContainerHostUTSRule(), ContainerSeccompRule(), ContainerCgroupParentRule(), ContainerNewPrivilegesRule(),
        ContainerHealthRule(), ContainerPidsLimitRule(), ContainerHostUsernsRule(), ContainerDockerSocketRule(),
    ]

    public static var descriptions: [AuditRuleDescription] { all.map { type(of: $0).description } }

    /// The recommendations of sections 2, 4 and 5 that engine data cannot answer.
    public static let manual: [ManualRecommendation] = [
        ManualRecommendation(
            cis: "2.1", title: "run the daemon as a non-root user, if possible",
            reason: "a rootless engine shows as name=rootless (audit-daemon-userns passes it); otherwise a host review"),
        ManualRecommendation(
            cis: "2.8", title: "configure the default ulimits appropriately",
            reason: "what is appropriate depends on the workloads"),
        ManualRecommendation(
            cis: "2.17", title: "apply a daemon-wide custom seccomp profile if appropriate",
            reason: "whether a custom profile is appropriate is a judgement; audit-container-seccomp catches unconfined"
        ),
        ManualRecommendation(
            cis: "4.2", title: "use only trusted base images",
            reason: "trust is a policy; see berth check's registry rules"),
        ManualRecommendation(
            cis: "4.3", title: "install no unnecessary packages", reason: "needs the image's package list and intent"),
        ManualRecommendation(
            cis: "4.4", title: "scan and rebuild images for security patches", reason: "needs vulnerability data"),
        ManualRecommendation(
            cis: "4.5", title: "enable content trust",
            reason:
                "a client-side setting (DOCKER_CONTENT_TRUST, Podman's policy.json) that the engine API does not expose"
        ),
        ManualRecommendation(
            cis: "4.8", title: "remove setuid and setgid permissions", reason: "needs the image's file system"),
        ManualRecommendation(
            cis: "4.10", title: "store no secrets in Dockerfiles", reason: "berth check's secret rules read Dockerfiles"
        ),
        ManualRecommendation(
            cis: "4.11", title: "install only verified packages",
            reason: "berth check's download rules read Dockerfiles"),
        ManualRecommendation(
            cis: "4.12", title: "validate all signed artifacts", reason: "needs signatures and a verification policy"),
        ManualRecommendation(
            cis: "5.7", title: "do not run sshd within containers",
            reason: "needs the container's processes (exec), which a read-only audit does not run"),
        ManualRecommendation(
            cis: "5.9", title: "open only needed ports", reason: "what is needed depends on the product"),
        ManualRecommendation(
            cis: "5.23", title: "do not use docker exec with --privileged",
            reason: "exec sessions are not in inspect data"),
        ManualRecommendation(
            cis: "5.24", title: "do not use docker exec with --user=root",
            reason: "exec sessions are not in inspect data"),
        ManualRecommendation(
            cis: "5.28", title: "always use the latest version of an image", reason: "needs the registry's current tags"
        ),
        ManualRecommendation(
            cis: "5.30", title: "do not use the default bridge docker0",
            reason: "needs network inspection (GET /networks), not read by this audit yet"),
    ]
}

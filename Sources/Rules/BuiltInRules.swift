import BerthCore

/// Every rule Berth ships, in catalogue order.
public enum BuiltInRules {
    public static let dockerfile: [any DockerfileRule] = [
        ImageUnpinnedRule(), UntrustedRegistryRule(), WSO2TagSchemeRule(), OfficialBaseImageRule(),
        UserMissingRule(), UserRootRule(), PrivilegeToolsRule(), DownloadUnverifiedRule(), PipedToShellRule(),
        PlainHTTPRule(), TLSVerificationDisabledRule(), ConsecutiveRunRule(), ArchiveLeftBehindRule(),
        PackageCacheKeptRule(), LatePurgeRule(), PortNotRequiredRule(), SecretInEnvRule(), ConfigBakedInRule(),
        OCILabelsMissingRule(), ShellFormEntrypointRule(), EntrypointSignalRule(), HealthcheckMissingRule(),
    ]

    /// Rules over the set of Kubernetes objects checked together.
    public static let kubernetes: [any KubernetesRule] = [
        UnmanagedPodRule(), SharedStorageRule(), AutoscalingRule(), RolloutRule(), DanglingReferenceRule(),
        ExposureRule(), RunAsRootRule(), PrivilegeRule(), ContainerImageUnpinnedRule(), ContainerRegistryRule(),
        ProbesMissingRule(), ResourcesMissingRule(), SecretLiteralRule(), EmbeddedDatabaseRule(), ConfigInlineRule(),
        ShutdownGraceRule(), NetworkPolicyMissingRule(), DeprecatedAPIRule(),
    ]

    /// Descriptions of every rule.
    public static var descriptions: [RuleDescription] {
        dockerfile.map { type(of: $0).description } + kubernetes.map { type(of: $0).description }
    }
}

import BerthCore

/// Every rule Berth ships, in catalogue order.
public enum BuiltInRules {
    public static let dockerfile: [any DockerfileRule] = [
        ImageUntaggedRule(), ImageLatestRule(), UntrustedRegistryRule(), WSO2TagSchemeRule(), OfficialBaseImageRule(),
        UserMissingRule(), UserRootRule(), PrivilegeToolsRule(), DownloadUnverifiedRule(), PipedToShellRule(),
        PlainHTTPRule(), TLSVerificationDisabledRule(), ConsecutiveRunRule(), ArchiveLeftBehindRule(),
        PackageCacheKeptRule(), LatePurgeRule(), PortNotRequiredRule(), SecretInEnvRule(), SecretInRunRule(),
        ConfigBakedInRule(),
        OCILabelsMissingRule(), ShellFormEntrypointRule(), EntrypointSignalRule(), HealthcheckMissingRule(),
    ]

    /// Rules over the set of Kubernetes objects checked together.
    public static let kubernetes: [any KubernetesRule] = [
        UnmanagedPodRule(),
        // Storage
        SingleWriterClaimSharedRule(), SharedDataPodLocalRule(), StorageClassMissingRule(),
        // Autoscaling
        HPATargetIncompleteRule(), HPAMinAboveMaxRule(), HPANotCPURule(), HPAAlphaAnnotationRule(),
        HPACPURequestMissingRule(), HPAMissingRule(),
        // Rollout
        RevisionHistoryZeroRule(), RecreateStrategyRule(), RolloutReadinessMissingRule(), MaxUnavailableAllRule(),
        // References
        ServiceSelectorUnmatchedRule(), ServiceTargetPortUndeclaredRule(), PDBSelectorUnmatchedRule(),
        NetworkPolicySelectorUnmatchedRule(), HPATargetMissingRule(), ProbePortUndeclaredRule(),
        ServiceAccountMissingRule(), RoleBindingRoleMissingRule(), RoleBindingSubjectMissingRule(),
        RouteParentMissingRule(), RouteBackendMissingRule(), IngressBackendMissingRule(),
        ConfigServiceHostMissingRule(), ObjectDuplicatedRule(),
        // Exposure
        HTTPServiceExposedRule(), GatewayTLSMissingRule(), HostPortRule(), IngressTLSMissingRule(),
        // Non-root user
        RunAsUserRootRule(), RunAsNonRootFalseRule(), RunAsNonRootUnsetRule(),
        // Privilege
        PrivilegedContainerRule(), PrivilegeEscalationRule(), CapabilitiesAddedRule(), CapabilitiesNotDroppedRule(),
        HostNamespaceRule(), HostPathRule(), SeccompUnconfinedRule(), RBACWildcardRule(), HardeningUnsetRule(),
        // Images
        ContainerImageUntaggedRule(), ContainerImageLatestRule(), ContainerRegistryRule(),
        ProbesMissingRule(), ResourcesMissingRule(), SecretLiteralRule(), EmbeddedDatabaseRule(),
        // Configuration
        ConfigOnLocalVolumeRule(), ConfigMapMissingRule(), WSO2ConfigBakedInRule(),
        ShutdownGraceRule(), NetworkPolicyMissingRule(),
        // API versions
        APIRemovedRule(), APISupersededRule(),
    ]

    /// Descriptions of every rule.
    public static var descriptions: [RuleDescription] {
        dockerfile.map { type(of: $0).description } + kubernetes.map { type(of: $0).description }
    }
}

/// A practice from the Berth practice catalog. Every rule and every render choice traces to one.
///
/// Keys are stable once released; the raw value is the key carried as `practice` in output.
public enum Practice: String, Sendable, CaseIterable, Codable, Hashable {
    // Using images in production
    case configViaVolume = "config-via-volume"
    case artifactsViaVolume = "artifacts-via-volume"
    case patchesViaVolume = "patches-via-volume"
    case officialBaseImage = "official-base-image"
    // Building images
    case minimalLayers = "minimal-layers"
    case noBuildLeftovers = "no-build-leftovers"
    case nonRootUser = "non-root-user"
    case verifiedDownload = "verified-download"
    case httpsOnly = "https-only"
    case pinnedImages = "pinned-images"
    case leastPrivilege = "least-privilege"
    case requiredPortsOnly = "required-ports-only"
    case imageMetadata = "image-metadata"
    case gracefulShutdown = "graceful-shutdown"
    case tagScheme = "tag-scheme"
    // Container security
    case vulnerabilityScan = "vulnerability-scan"
    case cisBenchmark = "cis-benchmark"
    case signedImages = "signed-images"
    case privateRegistry = "private-registry"
    case secretsManagement = "secrets-management"
    // Kubernetes
    case helmPackaging = "helm-packaging"
    case managedWorkloads = "managed-workloads"
    case configViaConfigMap = "config-via-configmap"
    case persistentStorage = "persistent-storage"
    case ingressExposure = "ingress-exposure"
    case cpuAutoscaling = "cpu-autoscaling"
    case rollingUpdates = "rolling-updates"
    case serviceInterconnect = "service-interconnect"
    case productionRDBMS = "production-rdbms"
    case centralizedLogging = "centralized-logging"
    case monitoring = "monitoring"
    case healthProbes = "health-probes"
    case resourceRequests = "resource-requests"
    case networkIsolation = "network-isolation"
    case currentAPIs = "current-apis"

    /// The practice's key, as written in the catalog.
    public var key: String { rawValue }
}

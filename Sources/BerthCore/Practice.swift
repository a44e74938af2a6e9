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
}

/// Where a practice sits in the catalogue.
public enum PracticeSection: String, Sendable, CaseIterable {
    case usingImages = "Using images in production"
    case buildingImages = "Building images"
    case containerSecurity = "Container security"
    case kubernetes = "Kubernetes"
}

extension Practice {
    /// The catalogue's section for the practice.
    public var section: PracticeSection {
        switch self {
        case .configViaVolume, .artifactsViaVolume, .patchesViaVolume, .officialBaseImage: .usingImages
        case .minimalLayers, .noBuildLeftovers, .nonRootUser, .verifiedDownload, .httpsOnly, .pinnedImages,
            .leastPrivilege, .requiredPortsOnly, .imageMetadata, .gracefulShutdown, .tagScheme:
            .buildingImages
        case .vulnerabilityScan, .cisBenchmark, .signedImages, .privateRegistry, .secretsManagement: .containerSecurity
        case .helmPackaging, .managedWorkloads, .configViaConfigMap, .persistentStorage, .ingressExposure,
            .cpuAutoscaling, .rollingUpdates, .serviceInterconnect, .productionRDBMS, .centralizedLogging, .monitoring,
            .healthProbes, .resourceRequests, .networkIsolation, .currentAPIs:
            .kubernetes
        }
    }

    /// What the practice asks for, in one sentence (Markdown).
    public var summary: String {
        switch self {
        case .configViaVolume:
            "configuration changes reach the container through a volume mount named `wso2-config-volume`, not baked into the image"
        case .artifactsViaVolume:
            "third-party libraries, OSGi bundles, Carbon Apps, keystores through `wso2-artifact-volume`"
        case .patchesViaVolume:
            "product patches through `wso2-patch-volume`"
        case .officialBaseImage:
            "an extended image builds FROM an official WSO2 product image"
        case .minimalLayers:
            "few instructions that create sizeable layers; related commands merged"
        case .noBuildLeftovers:
            "the distribution pack, package caches and build-only dependencies are removed in the layer that added them; only necessary packages"
        case .nonRootUser:
            "the final stage sets a non-root USER (WSO2 images: `wso2carbon`); nothing runs as root"
        case .verifiedDownload:
            "every downloaded file is checked by checksum, signature or GPG key"
        case .httpsOnly:
            "remote files only over HTTPS"
        case .pinnedImages:
            "FROM lines and container images name a specific, unique tag (a digest is best), never `latest` or no tag; an ARG in FROM is resolved to its default before judging"
        case .leastPrivilege:
            "no sudo/su, setuid, privileged mode, added capabilities or privilege escalation"
        case .requiredPortsOnly:
            "only the ports the product serves are exposed"
        case .imageMetadata:
            "OCI labels (`org.opencontainers.image.source`, `.version`, `.revision`, `.created`) so an image can be traced to its source"
        case .gracefulShutdown:
            "PID 1 receives SIGTERM: exec-form ENTRYPOINT/CMD, entrypoint scripts that `exec` or trap and forward signals; a grace period longer than any preStop hook"
        case .tagScheme:
            "image tags follow `{product-version}[.{update-timestamp}[.{release}]]-{os}{os-version}`"
        case .vulnerabilityScan:
            "every image layer is scanned against CVE data before use"
        case .cisBenchmark:
            "host, daemon and containers meet the CIS Docker Benchmark"
        case .signedImages:
            "images are signed and verified before running"
        case .privateRegistry:
            "images come from a private registry under your control, with RBAC and scanning"
        case .secretsManagement:
            "no secrets in images, env literals, args or ConfigMaps; Secrets are referenced"
        case .helmPackaging:
            "artefacts are packaged as a Helm chart"
        case .managedWorkloads:
            "pods come from Deployments (or other controllers), never naked"
        case .configViaConfigMap:
            "configuration files come from ConfigMaps"
        case .persistentStorage:
            "shared files use PersistentVolumes/Claims with the access mode the sharing needs (many pods: ReadWriteMany, e.g. NFS)"
        case .ingressExposure:
            "external traffic enters through an Ingress controller, with TLS"
        case .cpuAutoscaling:
            "scalable workloads have a HorizontalPodAutoscaler on CPU, and CPU requests for it to work"
        case .rollingUpdates:
            "updates roll (RollingUpdate, sane surge/unavailable) and can roll back (revision history kept)"
        case .serviceInterconnect:
            "internal components reach each other through Services whose selectors match real pods"
        case .productionRDBMS:
            "a production-grade external RDBMS, never the embedded H2"
        case .centralizedLogging:
            "logs go to stdout or a collector for a central system"
        case .monitoring:
            "metrics are exposed for a monitoring system"
        case .healthProbes:
            "readiness and liveness probes on every serving container"
        case .resourceRequests:
            "CPU and memory requests and limits on every container"
        case .networkIsolation:
            "NetworkPolicies admit only the flows the architecture needs (gateway to control plane, traffic manager, key manager; everything to the database)"
        case .currentAPIs:
            "no removed or deprecated Kubernetes API versions (e.g. `extensions/v1beta1`, `autoscaling/v2beta2`, `policy/v1beta1`, `apiextensions.k8s.io/v1beta1`)"
        }
    }

    /// Why, for a practice not in the WSO2 text but expected by operators of such platforms; nil for
    /// a practice the text states (its ``source`` says why).
    public var commonReason: String? {
        switch self {
        case .imageMetadata:
            "an image that names its source, version and revision can be traced, patched and audited when a vulnerability is announced"
        case .gracefulShutdown:
            "Kubernetes stops a pod with SIGTERM; a process that never sees it is killed after the grace period, dropping in-flight API calls"
        case .secretsManagement:
            "anything in an image, an environment literal or a ConfigMap is readable by everyone who can pull or describe it"
        case .healthProbes:
            "without readiness a pod gets traffic before the Carbon server is up; without liveness a hung server is never restarted"
        case .resourceRequests:
            "the scheduler places pods by their requests, the HPA scales on CPU relative to them, and limits stop one pod starving the node"
        case .networkIsolation:
            "without a policy every pod can reach the control plane, the key manager and the database"
        case .currentAPIs:
            "removed API versions make a chart fail to install on a current cluster"
        default: nil
        }
    }

    /// The words of the WSO2 best-practices text the practice comes from; nil for a practice that is
    /// not in the text but is what operators of such platforms expect.
    public var source: String? {
        switch self {
        case .configViaVolume: #""Configuration changes needs to be done via a volume mount""#
        case .artifactsViaVolume: #""Add new artifacts / non-configuration files ... via a volume mount""#
        case .patchesViaVolume: #""add patches via a volume mount""#
        case .officialBaseImage: #""using an official WSO2 product Docker image as the base""#
        case .minimalLayers: #""Minimizing the number of instructions ... sizeable image layers""#
        case .noBuildLeftovers: #""The product distribution pack and its dependencies are removed""#
        case .nonRootUser: #""Never run as root", "USER directive: Always""#
        case .verifiedDownload: #""Check for GPG keys, signed files or valid checksums""#
        case .httpsOnly: #""Always use HTTPS for files added remotely""#
        case .pinnedImages: #""From directive: Use specific / unique tag""#
        case .leastPrivilege: #""Drop privileges where necessary""#
        case .requiredPortsOnly: #""Expose only required ports""#
        case .imageMetadata: nil
        case .gracefulShutdown: nil
        case .tagScheme: #""These docker images are tagged in a manner ...""#
        case .vulnerabilityScan: #""Clair scans each container layer""#
        case .cisBenchmark: #""CIS ... Docker Benchmark", "Docker Bench for Security""#
        case .signedImages: #""Sign images and verify before running""#
        case .privateRegistry: #""use of your own private container registry""#
        case .secretsManagement: nil
        case .helmPackaging: #""WSO2 uses helm as the package manager""#
        case .managedWorkloads: #""Do not use naked pods""#
        case .configViaConfigMap: #""Use ConfigMaps to induce changes to configuration files""#
        case .persistentStorage: #""Use PersistentVolumes with required read/write access""#
        case .ingressExposure: #""Use Ingress Controller when exposing to external traffic""#
        case .cpuAutoscaling: #""Configure Horizontal Pod Autoscaling (HPA) based on CPU""#
        case .rollingUpdates: #""Use Kubernetes Rolling Updates ... roll back""#
        case .serviceInterconnect: #""Services are used to expose internal components""#
        case .productionRDBMS: #""A production grade RDBMS""#
        case .centralizedLogging: #""A centralized logging system""#
        case .monitoring: #""A monitoring system for Kubernetes""#
        case .healthProbes: nil
        case .resourceRequests: nil
        case .networkIsolation: nil
        case .currentAPIs: nil
        }
    }
}

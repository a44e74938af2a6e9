import BerthCore

/// What `berth render` does for each practice: the generator's side of the practice catalogue
/// (docs/practices.md lists these beside the rules that check the same practice).
public enum RenderChoices {
    /// Choices by practice, in catalogue order.
    public static let all: [Practice: [String]] = [
        .configViaVolume: [
            "each image declares `wso2-config-volume`; the chart mounts the component's ConfigMap there"
        ],
        .artifactsViaVolume: ["the chart mounts `wso2-artifact-volume` from a PersistentVolumeClaim"],
        .patchesViaVolume: ["the chart mounts `wso2-patch-volume` from a PersistentVolumeClaim"],
        .minimalLayers: ["download, verification, unpacking and clean-up happen in one RUN per image"],
        .noBuildLeftovers: [
            "the product zip, the package lists and build-only packages are removed in the RUN that added them"
        ],
        .nonRootUser: [
            "images run as the `wso2carbon` user (numeric UID and GID); pods set `runAsNonRoot` and that UID"
        ],
        .verifiedDownload: ["the product distribution is checked against its SHA-256 before it is unpacked"],
        .httpsOnly: ["distribution URLs must be `https://`; the spec refuses anything else"],
        .pinnedImages: ["base images are pinned to a version tag; chart images use the WSO2 tag scheme"],
        .leastPrivilege: [
            "no sudo; containers drop all capabilities and disallow privilege escalation, with a RuntimeDefault seccomp profile"
        ],
        .requiredPortsOnly: ["each image EXPOSEs only the ports its profile serves"],
        .imageMetadata: ["OCI labels for source, version, revision and creation time"],
        .gracefulShutdown: [
            "exec-form ENTRYPOINT; the pod's grace period is longer than its preStop hook"
        ],
        .tagScheme: ["image tags are made by the WSO2 tag scheme from the spec's product version and OS"],
        .privateRegistry: ["every image reference names the spec's private registry"],
        .secretsManagement: ["passwords and keystores come from Kubernetes Secrets, never literals"],
        .helmPackaging: ["a Helm chart with values.schema.json, plus the same objects as plain manifests"],
        .managedWorkloads: ["every component is a Deployment; no naked pods"],
        .configViaConfigMap: ["`deployment.toml` of each component comes from a ConfigMap"],
        .persistentStorage: [
            "shared artifacts and patches use ReadWriteMany claims; nothing shared uses ReadWriteOnce"
        ],
        .ingressExposure: ["the gateway and the portals are exposed through an Ingress with TLS"],
        .cpuAutoscaling: [
            "scalable components get an autoscaling/v2 HorizontalPodAutoscaler on CPU, and CPU requests"
        ],
        .rollingUpdates: [
            "RollingUpdate with bounded surge and unavailability, `revisionHistoryLimit` kept, PodDisruptionBudgets; the README gives upgrade and rollback commands"
        ],
        .serviceInterconnect: ["each component has a Service whose selector matches its pods' labels"],
        .productionRDBMS: ["the spec names an external database; the embedded H2 is never configured"],
        .centralizedLogging: ["logs go to standard output"],
        .monitoring: ["with `prometheus: true`, pods carry scrape annotations and the exporter port is open"],
        .healthProbes: ["readiness, liveness and startup probes on every server container"],
        .resourceRequests: ["CPU and memory requests and limits on every container"],
        .networkIsolation: [
            "default deny for ingress and egress, cluster DNS, and per component the flows the architecture needs in both directions (database included); gateways' egress is open to reach backends"
        ],
        .currentAPIs: ["only current API versions (apps/v1, autoscaling/v2, policy/v1, networking.k8s.io/v1)"],
    ]
}

import BerthCore
import Kubernetes

/// Kubernetes API versions that were removed or superseded, and what replaces them.
enum APIVersions {
    /// (apiVersion, kind or nil for every kind) -> (replacement, removed in).
    static let table: [String: (replacement: String, removedIn: String?)] = [
        "extensions/v1beta1/Deployment": ("apps/v1", "1.16"),
        "extensions/v1beta1/DaemonSet": ("apps/v1", "1.16"),
        "extensions/v1beta1/ReplicaSet": ("apps/v1", "1.16"),
        "extensions/v1beta1/NetworkPolicy": ("networking.k8s.io/v1", "1.16"),
        "extensions/v1beta1/PodSecurityPolicy": ("Pod Security admission", "1.25"),
        "extensions/v1beta1/Ingress": ("networking.k8s.io/v1", "1.22"),
        "apps/v1beta1/*": ("apps/v1", "1.16"),
        "apps/v1beta2/*": ("apps/v1", "1.16"),
        "networking.k8s.io/v1beta1/Ingress": ("networking.k8s.io/v1", "1.22"),
        "networking.k8s.io/v1beta1/IngressClass": ("networking.k8s.io/v1", "1.22"),
        "policy/v1beta1/PodDisruptionBudget": ("policy/v1", "1.25"),
        "policy/v1beta1/PodSecurityPolicy": ("Pod Security admission", "1.25"),
        "batch/v1beta1/CronJob": ("batch/v1", "1.25"),
        "batch/v2alpha1/CronJob": ("batch/v1", "1.21"),
        "autoscaling/v2beta1/HorizontalPodAutoscaler": ("autoscaling/v2", "1.25"),
        "autoscaling/v2beta2/HorizontalPodAutoscaler": ("autoscaling/v2", "1.26"),
        "rbac.authorization.k8s.io/v1beta1/*": ("rbac.authorization.k8s.io/v1", "1.22"),
        "rbac.authorization.k8s.io/v1alpha1/*": ("rbac.authorization.k8s.io/v1", "1.22"),
        "storage.k8s.io/v1beta1/StorageClass": ("storage.k8s.io/v1", "1.22"),
        "storage.k8s.io/v1beta1/CSIDriver": ("storage.k8s.io/v1", "1.22"),
        "storage.k8s.io/v1beta1/CSINode": ("storage.k8s.io/v1", "1.22"),
        "storage.k8s.io/v1beta1/VolumeAttachment": ("storage.k8s.io/v1", "1.22"),
        "storage.k8s.io/v1beta1/CSIStorageCapacity": ("storage.k8s.io/v1", "1.27"),
        "apiextensions.k8s.io/v1beta1/CustomResourceDefinition": ("apiextensions.k8s.io/v1", "1.22"),
        "admissionregistration.k8s.io/v1beta1/*": ("admissionregistration.k8s.io/v1", "1.22"),
        "scheduling.k8s.io/v1beta1/PriorityClass": ("scheduling.k8s.io/v1", "1.22"),
        "scheduling.k8s.io/v1alpha1/PriorityClass": ("scheduling.k8s.io/v1", "1.17"),
        "coordination.k8s.io/v1beta1/Lease": ("coordination.k8s.io/v1", "1.22"),
        "certificates.k8s.io/v1beta1/CertificateSigningRequest": ("certificates.k8s.io/v1", "1.22"),
        "discovery.k8s.io/v1beta1/EndpointSlice": ("discovery.k8s.io/v1", "1.25"),
        "events.k8s.io/v1beta1/Event": ("events.k8s.io/v1", "1.25"),
        "node.k8s.io/v1beta1/RuntimeClass": ("node.k8s.io/v1", "1.25"),
        "flowcontrol.apiserver.k8s.io/v1beta1/*": ("flowcontrol.apiserver.k8s.io/v1", "1.26"),
        "flowcontrol.apiserver.k8s.io/v1beta2/*": ("flowcontrol.apiserver.k8s.io/v1", "1.29"),
        "flowcontrol.apiserver.k8s.io/v1beta3/*": ("flowcontrol.apiserver.k8s.io/v1", "1.32"),
        "autoscaling/v1/HorizontalPodAutoscaler": ("autoscaling/v2", nil),
    ]

    /// The entry for `object`'s apiVersion and kind, if any.
    static func entry(for object: KubernetesObject) -> (replacement: String, removedIn: String?)? {
        table["\(object.apiVersion)/\(object.kind)"] ?? table["\(object.apiVersion)/*"]
    }
}

import BerthCore
import Kubernetes

/// An apiVersion that Kubernetes removed or deprecated, with its replacement.
public struct DeprecatedAPIRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-deprecated-api", practice: .currentAPIs, severity: .error, target: .kubernetes,
        summary: "an object uses a removed or deprecated Kubernetes API version",
        rationale: """
            current-apis: a removed apiVersion (extensions/v1beta1, apps/v1beta2, policy/v1beta1, \
            autoscaling/v2beta2, ...) makes the API server reject the manifest on a current cluster; \
            a deprecated one will on the next upgrade. The replacement is named in the finding.
            """,
        fix: "Move the object to the replacement apiVersion (and adjust fields that changed shape).",
        triggering: [
            RuleExample(
                """
                ↓apiVersion: autoscaling/v1
                kind: HorizontalPodAutoscaler
                metadata:
                  name: web
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
                  maxReplicas: 4
                  targetCPUUtilizationPercentage: 70
                ---
                ↓apiVersion: autoscaling/v2beta2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: api
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
                  minReplicas: 2
                  maxReplicas: 4
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: api
                spec:
                  minAvailable: 1
                  selector:
                    matchLabels: {app: api}
                """)
        ])

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

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        context.set.objects.compactMap { object in
            guard
                let entry = Self.table["\(object.apiVersion)/\(object.kind)"] ?? Self.table["\(object.apiVersion)/*"]
            else { return nil }
            let message: String
            if let removed = entry.removedIn {
                message =
                    "\(object.kind) \(object.apiVersion) was removed in Kubernetes \(removed): use \(entry.replacement)"
            } else {
                message = "\(object.kind) \(object.apiVersion) is superseded: use \(entry.replacement)"
            }
            return context.finding(
                Self.description, object, at: object.root["apiVersion"], message: message,
                severity: entry.removedIn == nil ? .info : nil)
        }
    }
}

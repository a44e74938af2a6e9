/// A Service: its selector, type and ports.
public struct ServiceView: Sendable {
    public var object: KubernetesObject
    public var selector: LabelSelector?
    public var type: String
    public var typeNode: ManifestNode?
    public var ports: [ServicePort]

    public struct ServicePort: Sendable {
        public var name: String?
        public var port: Int?
        /// `targetPort`, or `port` when absent.
        public var targetPort: ManifestNode?
        public var node: ManifestNode
    }

    public init?(_ object: KubernetesObject) {
        guard object.kind == "Service" else { return nil }
        self.object = object
        let spec = object.spec
        if let node = spec?["selector"], !node.isNull {
            selector = LabelSelector(labels: node.stringMap, node: node)
        }
        typeNode = spec?["type"]
        type = typeNode?.string ?? "ClusterIP"
        ports = (spec?["ports"]?.items ?? []).map {
            ServicePort(
                name: $0["name"]?.string, port: $0["port"]?.int, targetPort: $0["targetPort"] ?? $0["port"], node: $0)
        }
    }
}

/// An Ingress (networking.k8s.io/v1, or the old extensions/v1beta1 shape): backends and TLS.
public struct IngressView: Sendable {
    public var object: KubernetesObject
    public var backends: [Backend]
    public var tls: ManifestNode?

    public struct Backend: Sendable {
        public var service: String
        /// Port number or name.
        public var port: ManifestNode?
        public var node: ManifestNode
    }

    public init?(_ object: KubernetesObject) {
        guard object.kind == "Ingress" else { return nil }
        self.object = object
        let spec = object.spec
        tls = spec?["tls"]
        var backends: [Backend] = []
        func add(_ node: ManifestNode?) {
            guard let node else { return }
            if let service = node["service"], let name = service["name"]?.string {
                let port = service["port"]
                backends.append(Backend(service: name, port: port?["number"] ?? port?["name"], node: node))
            } else if let name = node["serviceName"]?.string {
                backends.append(Backend(service: name, port: node["servicePort"], node: node))
            }
        }
        add(spec?["defaultBackend"] ?? spec?["backend"])
        for rule in spec?["rules"]?.items ?? [] {
            for path in rule.at("http", "paths")?.items ?? [] { add(path["backend"]) }
        }
        self.backends = backends
    }
}

/// A HorizontalPodAutoscaler, autoscaling/v2 or v1.
public struct AutoscalerView: Sendable {
    public var object: KubernetesObject
    public var targetKind: String?
    public var targetName: String?
    public var targetNode: ManifestNode?
    public var minReplicas: Int
    public var minNode: ManifestNode?
    public var maxReplicas: Int?
    public var maxNode: ManifestNode?
    /// Resource names scaled on (`cpu`, `memory`); v1's `targetCPUUtilizationPercentage` counts as cpu,
    /// and an HPA with no metrics defaults to CPU.
    public var resourceMetrics: [String]
    /// The `metrics` node (v2) or nil.
    public var metricsNode: ManifestNode?
    public var isV1: Bool

    public init?(_ object: KubernetesObject) {
        guard object.kind == "HorizontalPodAutoscaler" else { return nil }
        self.object = object
        let spec = object.spec
        targetNode = spec?["scaleTargetRef"]
        targetKind = targetNode?["kind"]?.string
        targetName = targetNode?["name"]?.string
        minNode = spec?["minReplicas"]
        minReplicas = min(max(minNode?.int ?? 1, 0), Int(Int32.max))
        maxNode = spec?["maxReplicas"]
        maxReplicas = maxNode?.int.map { min(max($0, 0), Int(Int32.max)) }
        isV1 = object.apiVersion == "autoscaling/v1"
        metricsNode = spec?["metrics"]
        if isV1 {
            resourceMetrics = ["cpu"]
        } else if let metrics = metricsNode?.items, !metrics.isEmpty {
            resourceMetrics = metrics.compactMap { metric in
                (metric["resource"] ?? metric["containerResource"])?["name"]?.string
            }
        } else {
            resourceMetrics = ["cpu"]
        }
    }
}

/// A PodDisruptionBudget.
public struct DisruptionBudgetView: Sendable {
    public var object: KubernetesObject
    public var selector: LabelSelector

    public init?(_ object: KubernetesObject) {
        guard object.kind == "PodDisruptionBudget",
            let selector = try? LabelSelector(object.spec?["selector"], shape: Shape(file: object.file))
        else { return nil }
        self.object = object
        self.selector = selector
    }
}

/// A NetworkPolicy.
public struct NetworkPolicyView: Sendable {
    public var object: KubernetesObject
    public var podSelector: LabelSelector

    public init?(_ object: KubernetesObject) {
        guard object.kind == "NetworkPolicy",
            let selector = try? LabelSelector(object.spec?["podSelector"], shape: Shape(file: object.file))
        else { return nil }
        self.object = object
        podSelector = selector
    }
}

/// A PersistentVolumeClaim or PersistentVolume: access modes and storage class.
public struct VolumeClaimView: Sendable {
    public var object: KubernetesObject
    public var accessModes: [String]
    public var accessModesNode: ManifestNode?
    public var storageClassName: String?
    public var storageClassNode: ManifestNode?

    public init?(_ object: KubernetesObject) {
        guard object.kind == "PersistentVolumeClaim" || object.kind == "PersistentVolume" else { return nil }
        self.object = object
        accessModesNode = object.spec?["accessModes"]
        accessModes = accessModesNode?.items.compactMap(\.string) ?? []
        storageClassNode = object.spec?["storageClassName"]
        storageClassName = storageClassNode?.string
    }

    /// True when only one node (ReadWriteOnce) or one pod (ReadWriteOncePod) may write.
    public var isSingleWriter: Bool {
        !accessModes.isEmpty && !accessModes.contains("ReadWriteMany") && !accessModes.contains("ReadOnlyMany")
    }
}

/// A ConfigMap or Secret: its string data with positions.
public struct ConfigDataView: Sendable {
    public var object: KubernetesObject
    /// `data` and `stringData` entries (Secret `data` values are base64 and are left encoded).
    public var entries: [ManifestEntry]

    public init?(_ object: KubernetesObject) {
        guard object.kind == "ConfigMap" || object.kind == "Secret" else { return nil }
        self.object = object
        let data = object.root["data"]?.entries ?? []
        let stringData = object.root["stringData"]?.entries ?? []
        // One of the two is usually absent: share the other's entries rather than copy them.
        entries = stringData.isEmpty ? data : data.isEmpty ? stringData : data + stringData
    }
}

/// A Role or ClusterRole: its rules.
public struct RoleView: Sendable {
    public var object: KubernetesObject
    public var rules: [ManifestNode]

    public init?(_ object: KubernetesObject) {
        guard object.kind == "Role" || object.kind == "ClusterRole" else { return nil }
        self.object = object
        rules = object.root["rules"]?.items ?? []
    }
}

/// A RoleBinding or ClusterRoleBinding: the role it grants and to whom.
public struct RoleBindingView: Sendable {
    public var object: KubernetesObject
    public var roleKind: String?
    public var roleName: String?
    public var subjects: [ManifestNode]

    public init?(_ object: KubernetesObject) {
        guard object.kind == "RoleBinding" || object.kind == "ClusterRoleBinding" else { return nil }
        self.object = object
        roleKind = object.root.at("roleRef", "kind")?.string
        roleName = object.root.at("roleRef", "name")?.string
        subjects = object.root["subjects"]?.items ?? []
    }
}

/// The whole set of objects checked together, with indexes by kind, name, label and target.
public struct ManifestSet: Sendable {
    public var objects: [KubernetesObject]
    public var workloads: [KubernetesObject]
    public var services: [ServiceView]
    public var ingresses: [IngressView]
    public var autoscalers: [AutoscalerView]
    public var disruptionBudgets: [DisruptionBudgetView]
    public var networkPolicies: [NetworkPolicyView]
    public var claims: [VolumeClaimView]
    public var configData: [ConfigDataView]
    public var roles: [RoleView]
    public var roleBindings: [RoleBindingView]

    /// A kind and a name, the key of the name index (two strings, most short enough to be stored
    /// inline, rather than one joined string allocated per object).
    private struct KindName: Hashable {
        var kind: String
        var name: String
    }
    /// `kind/name` -> the first position in `objects`; `nextWithKindName` chains the others, in
    /// order (-1 ends a chain): one entry per name and four bytes per object, not an array each.
    private var firstWithKindName: [KindName: Int] = [:]
    private var nextWithKindName: [Int32] = []
    /// `key=value` of a pod label -> positions in `workloads`.
    private var workloadsByLabel: [String: [Int]] = [:]
    /// One `key=value` of each Service selector -> positions in `services`.
    private var servicesByLabel: [String: [Int]] = [:]
    /// `kind/name` of the target -> positions in `autoscalers`.
    private var autoscalersByTarget: [String: [Int]] = [:]

    public init(_ objects: [KubernetesObject]) {
        self.objects = objects
        workloads = objects.filter { $0.pod != nil }
        services = objects.compactMap(ServiceView.init)
        ingresses = objects.compactMap(IngressView.init)
        autoscalers = objects.compactMap(AutoscalerView.init)
        disruptionBudgets = objects.compactMap(DisruptionBudgetView.init)
        networkPolicies = objects.compactMap(NetworkPolicyView.init)
        claims = objects.compactMap(VolumeClaimView.init).filter { $0.object.kind == "PersistentVolumeClaim" }
        configData = objects.compactMap(ConfigDataView.init)
        roles = objects.compactMap(RoleView.init)
        roleBindings = objects.compactMap(RoleBindingView.init)
        nextWithKindName = Array(repeating: -1, count: objects.count)
        for index in objects.indices.reversed() {
            guard let name = objects[index].name else { continue }
            let key = KindName(kind: objects[index].kind, name: name)
            if let next = firstWithKindName[key] { nextWithKindName[index] = Int32(next) }
            firstWithKindName[key] = index
        }
        for (index, workload) in workloads.enumerated() {
            for (key, value) in workload.pod?.labels ?? [:] {
                workloadsByLabel["\(key)=\(value)", default: []].append(index)
            }
        }
        for (index, service) in services.enumerated() {
            guard let first = service.selector?.matchLabels.min(by: { $0.key < $1.key }) else { continue }
            servicesByLabel["\(first.key)=\(first.value)", default: []].append(index)
        }
        for (index, autoscaler) in autoscalers.enumerated() {
            guard let kind = autoscaler.targetKind, let name = autoscaler.targetName else { continue }
            autoscalersByTarget["\(kind)/\(name)", default: []].append(index)
        }
    }

    /// Objects of `kind`.
    public func objects(ofKind kind: String) -> [KubernetesObject] { objects.filter { $0.kind == kind } }

    /// The pod-bearing objects whose pods carry labels the selector matches, visible from `object`.
    public func workloads(selectedBy selector: LabelSelector, near object: KubernetesObject) -> [KubernetesObject] {
        let candidates: [KubernetesObject]
        if let first = selector.matchLabels.min(by: { $0.key < $1.key }) {
            candidates = (workloadsByLabel["\(first.key)=\(first.value)"] ?? []).map { workloads[$0] }
        } else {
            candidates = workloads
        }
        return candidates.filter { workload in
            guard workload.sharesNamespace(with: object), let pod = workload.pod else { return false }
            return selector.matches(pod.labels)
        }
    }

    /// The object of `kind` named `name` visible from `object`.
    public func object(kind: String, named name: String, near object: KubernetesObject) -> KubernetesObject? {
        var position = firstWithKindName[KindName(kind: kind, name: name)] ?? -1
        while position >= 0 {
            if objects[position].sharesNamespace(with: object) { return objects[position] }
            position = Int(nextWithKindName[position])
        }
        return nil
    }

    /// The HPAs targeting `workload`.
    public func autoscalers(targeting workload: KubernetesObject) -> [AutoscalerView] {
        guard let name = workload.name else { return [] }
        return (autoscalersByTarget["\(workload.kind)/\(name)"] ?? []).map { autoscalers[$0] }.filter {
            $0.object.sharesNamespace(with: workload)
        }
    }

    /// The Services whose selector matches the workload's pods.
    public func services(serving workload: KubernetesObject) -> [ServiceView] {
        guard let pod = workload.pod else { return [] }
        var seen: Set<Int> = []
        var out: [ServiceView] = []
        for (key, value) in pod.labels {
            for index in servicesByLabel["\(key)=\(value)"] ?? [] where seen.insert(index).inserted {
                let service = services[index]
                guard let selector = service.selector, service.object.sharesNamespace(with: workload) else { continue }
                if selector.matches(pod.labels) { out.append(service) }
            }
        }
        return out
    }

    /// The most pods the workload can run at once: replicas, an HPA's maximum, or many for a DaemonSet.
    public func maximumPods(of workload: KubernetesObject) -> Int? {
        guard let pod = workload.pod else { return nil }
        if workload.kind == "DaemonSet" { return Int.max }
        let scaled = autoscalers(targeting: workload).compactMap(\.maxReplicas).max() ?? 0
        guard let replicas = pod.replicas else { return nil }
        return max(replicas, scaled)
    }
}

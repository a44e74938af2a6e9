/// The pod a workload runs: a Pod's own spec, or the template of a controller.
public struct PodTemplate: Sendable {
    /// The kinds that carry a pod, and where.
    public static let podBearingKinds: Set<String> = [
        "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob",
    ]

    /// The pod `spec` mapping.
    public var spec: ManifestNode
    /// The template's `metadata` (the object's own for a Pod).
    public var metadata: ManifestNode?
    public var labels: [String: String]
    public var annotations: [String: String]
    public var containers: [Container]
    public var initContainers: [Container]
    public var volumes: [Volume]
    /// The controller's selector (nil for a Pod, a Job without one, or a CronJob).
    public var selector: LabelSelector?
    /// `spec.replicas` of a Deployment, StatefulSet, ReplicaSet or ReplicationController: written or 1.
    /// nil for kinds whose pod count is not a replica count (DaemonSet, Job, CronJob); 1 for a Pod.
    public var replicas: Int?
    /// The `spec.replicas` node when written.
    public var replicasNode: ManifestNode?

    init?(object: ManifestNode, kind: String, shape: Shape) throws {
        guard Self.podBearingKinds.contains(kind) else { return nil }
        let objectSpec = try shape.mapping(object["spec"], "spec")
        var templateMetadata: ManifestNode?
        var podSpec: ManifestNode?
        switch kind {
        case "Pod":
            templateMetadata = object["metadata"]
            podSpec = objectSpec
        case "CronJob":
            let jobTemplate = try shape.mapping(objectSpec?["jobTemplate"], "spec.jobTemplate")
            let jobSpec = try shape.mapping(jobTemplate?["spec"], "spec.jobTemplate.spec")
            let template = try shape.mapping(jobSpec?["template"], "spec.jobTemplate.spec.template")
            templateMetadata = try shape.mapping(template?["metadata"], "template.metadata")
            podSpec = try shape.mapping(template?["spec"], "spec.jobTemplate.spec.template.spec")
        default:
            let template = try shape.mapping(objectSpec?["template"], "spec.template")
            templateMetadata = try shape.mapping(template?["metadata"], "spec.template.metadata")
            podSpec = try shape.mapping(template?["spec"], "spec.template.spec")
            if let selector = try shape.mapping(objectSpec?["selector"], "spec.selector") {
                if kind == "ReplicationController" {
                    self.selector = LabelSelector(
                        labels: try shape.stringMap(selector, "spec.selector"), node: selector)
                } else {
                    self.selector = try LabelSelector(selector, shape: shape)
                }
            }
        }
        guard let podSpec else { return nil }
        spec = podSpec
        metadata = templateMetadata
        labels = try shape.stringMap(templateMetadata?["labels"], "template.metadata.labels")
        annotations = try shape.stringMap(templateMetadata?["annotations"], "template.metadata.annotations")
        containers = try shape.list(podSpec["containers"], "containers").map {
            try Container($0, shape: shape, isInit: false)
        }
        initContainers = try shape.list(podSpec["initContainers"], "initContainers").map {
            try Container($0, shape: shape, isInit: true)
        }
        volumes = try shape.list(podSpec["volumes"], "volumes").map { try Volume($0, shape: shape) }
        _ = try shape.mapping(podSpec["securityContext"], "securityContext")
        switch kind {
        case "Deployment", "StatefulSet", "ReplicaSet", "ReplicationController":
            replicasNode = objectSpec?["replicas"]
            // Clamped to what the API accepts (int32), so arithmetic on hostile values cannot overflow.
            replicas = min(max(replicasNode?.int ?? 1, 0), Int(Int32.max))
        case "Pod":
            replicas = 1
        default:
            replicas = nil
        }
    }

    /// App and init containers.
    public var allContainers: [Container] { initContainers + containers }

    public func volume(named name: String) -> Volume? { volumes.first { $0.name == name } }
}

/// A container of a pod, with the nodes rules point at.
public struct Container: Sendable {
    public var node: ManifestNode
    public var name: String
    public var isInit: Bool
    public var image: String?
    public var imageNode: ManifestNode?
    public var ports: [Port]
    public var env: [EnvVar]
    public var volumeMounts: [VolumeMount]

    public struct Port: Sendable {
        public var name: String?
        public var number: Int?
        public var node: ManifestNode
    }

    public struct EnvVar: Sendable {
        public var name: String
        /// A literal `value`; nil when `valueFrom` is used or nothing is given.
        public var value: String?
        public var valueFrom: ManifestNode?
        public var node: ManifestNode
        /// The `value` node when written.
        public var valueNode: ManifestNode?
    }

    public struct VolumeMount: Sendable {
        public var name: String
        public var mountPath: String
        public var subPath: String?
        public var readOnly: Bool
        public var node: ManifestNode
    }

    init(_ node: ManifestNode, shape: Shape, isInit: Bool) throws {
        guard node.isMapping else { throw shape.error(node, "a container must be a mapping, found \(node.shapeName)") }
        self.node = node
        self.isInit = isInit
        name = try shape.scalar(node["name"], "container name") ?? ""
        image = try shape.scalar(node["image"], "image")
        imageNode = node["image"]
        ports = try shape.list(node["ports"], "ports").map { item in
            guard item.isMapping else {
                throw shape.error(item, "a container port must be a mapping, found \(item.shapeName)")
            }
            return Port(name: item["name"]?.string, number: item["containerPort"]?.int, node: item)
        }
        env = try shape.list(node["env"], "env").map { item in
            guard item.isMapping else {
                throw shape.error(item, "an env entry must be a mapping, found \(item.shapeName)")
            }
            let value = try shape.scalar(item["value"], "env value")
            return EnvVar(
                name: item["name"]?.string ?? "", value: value,
                valueFrom: try shape.mapping(item["valueFrom"], "valueFrom"),
                node: item, valueNode: item["value"])
        }
        volumeMounts = try shape.list(node["volumeMounts"], "volumeMounts").map { item in
            guard item.isMapping else {
                throw shape.error(item, "a volume mount must be a mapping, found \(item.shapeName)")
            }
            return VolumeMount(
                name: item["name"]?.string ?? "", mountPath: item["mountPath"]?.string ?? "",
                subPath: item["subPath"]?.string, readOnly: item["readOnly"]?.bool ?? false, node: item)
        }
        for key in ["resources", "securityContext", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle"] {
            try shape.mapping(node[key], key)
        }
        try shape.mapping(node.at("resources", "requests"), "resources.requests")
        try shape.mapping(node.at("resources", "limits"), "resources.limits")
        try shape.mapping(node.at("securityContext", "capabilities"), "securityContext.capabilities")
        try shape.list(node.at("securityContext", "capabilities", "add"), "capabilities.add")
        try shape.list(node.at("securityContext", "capabilities", "drop"), "capabilities.drop")
    }

    /// True when the container declares `port` (a number or a name).
    public func declaresPort(_ node: ManifestNode) -> Bool {
        if let number = node.int ?? node.string.flatMap(Int.init) { return ports.contains { $0.number == number } }
        guard let name = node.string else { return false }
        return ports.contains { $0.name == name }
    }
}

/// A pod volume and its source.
public struct Volume: Sendable {
    public var node: ManifestNode
    public var name: String
    /// The source key: `persistentVolumeClaim`, `emptyDir`, `hostPath`, `configMap`, `secret`, ...
    public var source: String?
    public var sourceNode: ManifestNode?

    init(_ node: ManifestNode, shape: Shape) throws {
        guard node.isMapping else { throw shape.error(node, "a volume must be a mapping, found \(node.shapeName)") }
        self.node = node
        name = node["name"]?.string ?? ""
        let entry = node.entries.first { $0.key != "name" }
        source = entry?.key
        sourceNode = entry?.value
        if let sourceNode, !sourceNode.isNull {
            try shape.mapping(sourceNode, "volume \(name).\(source ?? "")")
        }
    }

    /// The claim name of a `persistentVolumeClaim` volume.
    public var claimName: String? {
        source == "persistentVolumeClaim" ? sourceNode?["claimName"]?.string : nil
    }

    /// The ConfigMap name of a `configMap` volume (or a projected one's first ConfigMap source).
    public var configMapNames: [String] {
        switch source {
        case "configMap": return [sourceNode?["name"]?.string].compactMap { $0 }
        case "projected": return (sourceNode?["sources"]?.items ?? []).compactMap { $0.at("configMap", "name")?.string }
        default: return []
        }
    }
}

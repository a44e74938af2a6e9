import BerthCore

/// One Kubernetes object from a manifest, with its file and the positions of all its fields.
///
/// The fields live in one shared, copy-on-write box: an object is one pointer wide, so the arrays
/// and views that hold it (the manifest set's indexes, a rule's per-line scans) do not copy it.
public struct KubernetesObject: Sendable {
    /// The fields of one object, shared by its copies until one of them is changed.
    final class Storage: @unchecked Sendable {
        var file: String
        var document: Int
        var root: ManifestNode
        var apiVersion: String
        var kind: String
        var name: String?
        var namespace: String?
        var labels: [String: String]
        var annotations: [String: String]
        /// Boxed again: most objects carry no pod, and a pod template is large.
        var pod: PodBox?
        var template: String?

        init(file: String, document: Int, root: ManifestNode) {
            self.file = file
            self.document = document
            self.root = root
            apiVersion = ""
            kind = ""
            labels = [:]
            annotations = [:]
        }

        init(copying other: Storage) {
            file = other.file
            document = other.document
            root = other.root
            apiVersion = other.apiVersion
            kind = other.kind
            name = other.name
            namespace = other.namespace
            labels = other.labels
            annotations = other.annotations
            pod = other.pod
            template = other.template
        }
    }

    /// An immutable pod template, shared by the copies of an object.
    final class PodBox: Sendable {
        let pod: PodTemplate
        init(_ pod: PodTemplate) { self.pod = pod }
    }

    private var storage: Storage

    /// The storage, copied first when another copy of the object shares it.
    private var unique: Storage {
        mutating get {
            if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
            return storage
        }
    }

    public var file: String {
        get { storage.file }
        set { unique.file = newValue }
    }
    /// Index of the YAML document in its stream (items of a `List` share their list's index).
    public var document: Int {
        get { storage.document }
        set { unique.document = newValue }
    }
    public var root: ManifestNode {
        get { storage.root }
        set { unique.root = newValue }
    }
    public var apiVersion: String {
        get { storage.apiVersion }
        set { unique.apiVersion = newValue }
    }
    public var kind: String {
        get { storage.kind }
        set { unique.kind = newValue }
    }
    public var name: String? {
        get { storage.name }
        set { unique.name = newValue }
    }
    /// The namespace written in the manifest; nil means the namespace it is applied to.
    public var namespace: String? {
        get { storage.namespace }
        set { unique.namespace = newValue }
    }
    public var labels: [String: String] {
        get { storage.labels }
        set { unique.labels = newValue }
    }
    public var annotations: [String: String] {
        get { storage.annotations }
        set { unique.annotations = newValue }
    }
    /// The pod template of a pod-bearing kind (or the Pod's own spec).
    public var pod: PodTemplate? {
        get { storage.pod?.pod }
        set { unique.pod = newValue.map(PodBox.init) }
    }
    /// The Helm template the object was rendered from (`# Source:` in `helm template` output).
    public var template: String? {
        get { storage.template }
        set { unique.template = newValue }
    }

    /// True when both values are copies of one parsed object that neither has changed since.
    public func isSameObject(as other: KubernetesObject) -> Bool { storage === other.storage }

    /// An identity of the shared storage, for indexes keyed by object.
    var storageIdentity: ObjectIdentifier { ObjectIdentifier(storage) }

    /// Reads the object's identity and checks the shape of the fields Berth reads.
    public init(root: ManifestNode, file: String, document: Int) throws {
        storage = Storage(file: file, document: document, root: root)
        let shape = Shape(file: file)
        guard let kind = root["kind"]?.string, !kind.isEmpty else {
            throw shape.error(root["kind"] ?? root, "a Kubernetes object needs a 'kind'")
        }
        // Kinds are CamelCase names (`Deployment`, `HorizontalPodAutoscaler`): `42` or `my kind` is
        // nothing the API server would accept.
        guard let first = kind.unicodeScalars.first, first.properties.isUppercase, first.isASCII,
            kind.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) })
        else {
            throw shape.error(root["kind"] ?? root, "'\(kind.prefix(80))' is not a Kubernetes kind (a CamelCase name)")
        }
        guard let apiVersion = root["apiVersion"]?.string, !apiVersion.isEmpty else {
            throw shape.error(root["apiVersion"] ?? root, "a Kubernetes object needs an 'apiVersion'")
        }
        storage.kind = kind
        storage.apiVersion = apiVersion
        let metadata = try shape.mapping(root["metadata"], "metadata")
        storage.name = try shape.scalar(metadata?["name"], "metadata.name")
        storage.namespace = try shape.scalar(metadata?["namespace"], "metadata.namespace")
        storage.labels = try shape.stringMap(metadata?["labels"], "metadata.labels")
        storage.annotations = try shape.stringMap(metadata?["annotations"], "metadata.annotations")
        storage.pod = try PodTemplate(object: root, kind: kind, shape: shape).map(PodBox.init)
        try Self.checkKnownShapes(root: root, kind: kind, shape: shape)
    }

    /// `Kind/name` (with the namespace when one is written), for messages.
    public var displayName: String {
        let base = "\(kind)/\(name ?? "<unnamed>")"
        if let namespace { return "\(base) in namespace \(namespace)" }
        return base
    }

    /// The `metadata` mapping.
    public var metadata: ManifestNode? { root["metadata"] }
    /// The `spec` mapping.
    public var spec: ManifestNode? { root["spec"] }

    /// The API group, empty for the core group.
    public var group: String {
        guard let slash = apiVersion.firstIndex(of: "/") else { return "" }
        return String(apiVersion[..<slash])
    }

    /// True when the two objects can see each other: the same namespace, or one unset.
    public func sharesNamespace(with other: KubernetesObject) -> Bool {
        namespace == nil || other.namespace == nil || namespace == other.namespace
    }

    /// True when this object can refer to something in `namespace` (nil: unset).
    public func sharesNamespace(_ other: String?) -> Bool {
        namespace == nil || other == nil || namespace == other
    }

    /// Checks the types of fields rules read for the kinds Berth knows, so that a scalar where a
    /// mapping belongs is a file:line error, not a silent miss.
    static func checkKnownShapes(root: ManifestNode, kind: String, shape: Shape) throws {
        let spec = try shape.mapping(root["spec"], "spec")
        switch kind {
        case "Service":
            _ = try shape.stringMap(spec?["selector"], "spec.selector")
            try shape.listOfMappings(spec?["ports"], "spec.ports")
        case "Ingress":
            try shape.listOfMappings(spec?["rules"], "spec.rules")
            try shape.listOfMappings(spec?["tls"], "spec.tls")
            for rule in spec?["rules"]?.items ?? [] {
                let http = try shape.mapping(rule["http"], "http")
                try shape.listOfMappings(http?["paths"], "http.paths")
            }
        case "HorizontalPodAutoscaler":
            _ = try shape.mapping(spec?["scaleTargetRef"], "spec.scaleTargetRef")
            try shape.listOfMappings(spec?["metrics"], "spec.metrics")
        case "PodDisruptionBudget", "NetworkPolicy":
            _ = try LabelSelector(spec?[kind == "NetworkPolicy" ? "podSelector" : "selector"], shape: shape)
        case "PersistentVolumeClaim", "PersistentVolume":
            try shape.listOfScalars(spec?["accessModes"], "spec.accessModes")
        case "ConfigMap", "Secret":
            _ = try shape.stringMap(root["data"], "data")
            _ = try shape.stringMap(root["stringData"], "stringData")
        default:
            break
        }
    }
}

/// Checks field types and produces file:line errors.
public struct Shape: Sendable {
    public var file: String

    public func error(_ node: ManifestNode, _ reason: String) -> BerthError {
        .invalidInput(location: SourceLocation(file: file, line: node.keyLine, column: node.keyColumn), reason: reason)
    }

    /// The node when it is a mapping, nil when absent or null; throws otherwise.
    @discardableResult
    public func mapping(_ node: ManifestNode?, _ path: String) throws -> ManifestNode? {
        guard let node, !node.isNull else { return nil }
        guard node.isMapping else { throw error(node, "'\(path)' must be a mapping, found \(node.shapeName)") }
        return node
    }

    /// The items when the node is a list; throws when it is something else.
    @discardableResult
    public func list(_ node: ManifestNode?, _ path: String) throws -> [ManifestNode] {
        guard let node, !node.isNull else { return [] }
        guard node.isSequence else { throw error(node, "'\(path)' must be a list, found \(node.shapeName)") }
        return node.items
    }

    public func listOfMappings(_ node: ManifestNode?, _ path: String) throws {
        for item in try list(node, path) where !item.isMapping {
            throw error(item, "items of '\(path)' must be mappings, found \(item.shapeName)")
        }
    }

    public func listOfScalars(_ node: ManifestNode?, _ path: String) throws {
        for item in try list(node, path) where item.string == nil {
            throw error(item, "items of '\(path)' must be strings, found \(item.shapeName)")
        }
    }

    public func scalar(_ node: ManifestNode?, _ path: String) throws -> String? {
        guard let node, !node.isNull else { return nil }
        guard let text = node.string else { throw error(node, "'\(path)' must be a string, found \(node.shapeName)") }
        return text
    }

    public func stringMap(_ node: ManifestNode?, _ path: String) throws -> [String: String] {
        guard let node = try mapping(node, path) else { return [:] }
        var out: [String: String] = [:]
        for entry in node.entries {
            if entry.value.isNull {
                out[entry.key] = ""
                continue
            }
            guard let text = entry.value.string else {
                throw error(entry.value, "'\(path).\(entry.key)' must be a string, found \(entry.value.shapeName)")
            }
            out[entry.key] = text
        }
        return out
    }
}

/// A label selector: `matchLabels` and `matchExpressions`, or a Service's plain map.
public struct LabelSelector: Sendable {
    public struct Requirement: Sendable {
        public var key: String
        public var op: String
        public var values: [String]
    }

    public var matchLabels: [String: String]
    public var expressions: [Requirement]
    /// Where the selector is written; nil when absent.
    public var node: ManifestNode?

    /// Reads `{matchLabels, matchExpressions}`; nil node gives an empty selector.
    public init(_ node: ManifestNode?, shape: Shape) throws {
        self.node = node
        matchLabels = try shape.stringMap(node?["matchLabels"], "matchLabels")
        expressions = []
        try shape.listOfMappings(node?["matchExpressions"], "matchExpressions")
        for item in node?["matchExpressions"]?.items ?? [] {
            let values = try shape.list(item["values"], "values").compactMap(\.string)
            expressions.append(
                Requirement(key: item["key"]?.string ?? "", op: item["operator"]?.string ?? "", values: values))
        }
    }

    /// A Service-style selector: a plain map of labels.
    public init(labels: [String: String], node: ManifestNode?) {
        matchLabels = labels
        expressions = []
        self.node = node
    }

    /// True when the selector names no requirement (which selects everything for a PDB or a
    /// NetworkPolicy, and nothing for a Service).
    public var isEmpty: Bool { matchLabels.isEmpty && expressions.isEmpty }

    public func matches(_ labels: [String: String]) -> Bool {
        for (key, value) in matchLabels where labels[key] != value { return false }
        for requirement in expressions {
            let value = labels[requirement.key]
            switch requirement.op {
            case "In":
                guard let value, requirement.values.contains(value) else { return false }
            case "NotIn": if let value, requirement.values.contains(value) { return false }
            case "Exists": if value == nil { return false }
            case "DoesNotExist": if value != nil { return false }
            default: return false
            }
        }
        return true
    }
}

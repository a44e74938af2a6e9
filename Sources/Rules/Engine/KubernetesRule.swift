import BerthCore
import Kubernetes

/// A rule over the whole set of Kubernetes objects checked together. One file, one type, one description.
public protocol KubernetesRule: Sendable {
    /// Id, practice, severity, texts and examples.
    static var description: RuleDescription { get }
    init()
    /// The findings for the set; configured severity and annotation suppressions are applied by the checker.
    func check(_ context: KubernetesContext) -> [KubernetesFinding]
}

extension KubernetesRule {
    public var description: RuleDescription { Self.description }
}

/// A finding with the object (and container) it concerns, so annotations can suppress it.
public struct KubernetesFinding: Sendable {
    public var finding: Finding
    /// Index of the object in `KubernetesContext.set.objects`.
    public var object: Int
    /// The container's name when the finding is about one container.
    public var container: String?
}

/// What a Kubernetes rule sees: every object, indexed, and the configuration.
public struct KubernetesContext: Sendable {
    public let set: ManifestSet
    public let configuration: CheckConfiguration
    /// What the set can settle: its namespaces, its duplicated objects, the cluster's built-ins.
    public let scope: KubernetesScope
    private let indexByIdentity: [ObjectKey: Int]

    struct ObjectKey: Hashable {
        var file: String
        var line: Int
        var column: Int
    }

    /// `unreadable` names inputs of the set that could not be read (see `KubernetesScope`).
    public init(objects: [KubernetesObject], configuration: CheckConfiguration, unreadable: [String] = []) {
        set = ManifestSet(objects)
        scope = KubernetesScope(set, unreadable: unreadable)
        self.configuration = configuration
        var index: [ObjectKey: Int] = [:]
        for (offset, object) in objects.enumerated() {
            index[ObjectKey(file: object.file, line: object.root.line, column: object.root.column)] = offset
        }
        indexByIdentity = index
    }

    /// The index of `object` in `set.objects`.
    public func index(of object: KubernetesObject) -> Int {
        indexByIdentity[ObjectKey(file: object.file, line: object.root.line, column: object.root.column)] ?? 0
    }

    /// A finding for `rule` at `node` of `object`, with the rule's one default severity (the
    /// checker applies configured overrides).
    public func finding(
        _ rule: RuleDescription, _ object: KubernetesObject, at node: ManifestNode?, message: String,
        container: String? = nil
    ) -> KubernetesFinding {
        let node = node ?? object.root["kind"] ?? object.root
        var finding = Finding(
            rule: rule.id, practice: rule.practice, severity: rule.severity, message: message,
            fix: rule.fix,
            location: SourceLocation(file: object.file, line: node.keyLine, column: node.keyColumn))
        finding.template = object.template
        return KubernetesFinding(finding: finding, object: index(of: object), container: container)
    }

    /// The workloads with their pods, for per-container rules.
    public var pods: [(object: KubernetesObject, pod: PodTemplate)] {
        self.set.workloads.compactMap { object in object.pod.map { (object, $0) } }
    }

    /// True when `image` is a WSO2 product image: `wso2/...`, `docker.wso2.com/...`, or configured.
    public func isWSO2Image(_ image: String) -> Bool { configuration.isWSO2Image(image) }
}

import BerthCore
import Kubernetes

/// What a per-pod or per-container rule reports: the node to point at and the message.
public struct Problem: Sendable {
    public var node: ManifestNode?
    public var message: String

    public init(at node: ManifestNode?, _ message: String) {
        self.node = node
        self.message = message
    }
}

/// A rule that judges one container at a time. The builder visits every container of every pod
/// template (init containers too, unless `includesInitContainers` is false) and turns each problem
/// into a finding scoped to that container, so `berth.dev/ignore: RULE:CONTAINER` can silence it.
public protocol ContainerRule: KubernetesRule {
    /// Whether init containers are judged too; true unless the rule says otherwise.
    static var includesInitContainers: Bool { get }
    /// The problems of one container of `pod`, which belongs to `object`.
    func problems(of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext)
        -> [Problem]
}

extension ContainerRule {
    public static var includesInitContainers: Bool { true }

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        context.containerFindings(Self.description, includingInit: Self.includesInitContainers) {
            container, pod, object in
            problems(of: container, in: pod, of: object, context: context)
        }
    }
}

/// A rule that judges one pod template (the pod-level settings of a workload) at a time.
public protocol PodRule: KubernetesRule {
    /// The problems of `pod`, which belongs to `object`.
    func problems(of pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext) -> [Problem]
}

extension PodRule {
    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        context.podFindings(Self.description) { pod, object in problems(of: pod, of: object, context: context) }
    }
}

extension KubernetesContext {
    /// Findings for `rule` from `judge` applied to every container of every pod template.
    public func containerFindings(
        _ rule: RuleDescription, includingInit: Bool = true,
        _ judge: (Container, PodTemplate, KubernetesObject) -> [Problem]
    ) -> [KubernetesFinding] {
        var out: [KubernetesFinding] = []
        for (object, pod) in pods {
            for container in includingInit ? pod.allContainers : pod.containers {
                for problem in judge(container, pod, object) {
                    out.append(
                        finding(rule, object, at: problem.node, message: problem.message, container: container.name))
                }
            }
        }
        return out
    }

    /// Findings for `rule` from `judge` applied to every pod template.
    public func podFindings(_ rule: RuleDescription, _ judge: (PodTemplate, KubernetesObject) -> [Problem])
        -> [KubernetesFinding]
    {
        pods.flatMap { object, pod in
            judge(pod, object).map { finding(rule, object, at: $0.node, message: $0.message) }
        }
    }
}

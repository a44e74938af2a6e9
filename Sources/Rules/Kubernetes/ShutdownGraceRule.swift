import BerthCore
import Kubernetes

/// A termination grace period no longer than the preStop hook's sleep.
public struct ShutdownGraceRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-shutdown-grace", practice: .gracefulShutdown, severity: .warning, target: .kubernetes,
        summary: "the termination grace period ends before the preStop hook's sleep does",
        rationale: """
            graceful-shutdown: the kubelet counts the preStop hook inside terminationGracePeriodSeconds \
            (default 30). When the hook sleeps as long or longer, the process is killed with SIGKILL \
            before it ever receives SIGTERM, dropping in-flight requests the sleep was meant to drain.
            """,
        fix: "Make terminationGracePeriodSeconds longer than the preStop sleep plus the server's shutdown time.",
        triggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gw
                spec:
                  selector:
                    matchLabels: {app: gw}
                  template:
                    metadata:
                      labels: {app: gw}
                    spec:
                ↓      terminationGracePeriodSeconds: 20
                      containers:
                        - name: gw
                          image: registry.example.com/gw:4.5.0
                          lifecycle:
                            preStop:
                              exec:
                                command: ["sh", "-c", "sleep 30"]
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: api
                spec:
                  containers:
                    - name: api
                      image: registry.example.com/api:1.0
                      lifecycle:
                ↓        preStop:
                          sleep: {seconds: 45}
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: api
                spec:
                  terminationGracePeriodSeconds: 60
                  containers:
                    - name: api
                      image: registry.example.com/api:1.0
                      lifecycle:
                        preStop:
                          exec:
                            command: ["sh", "-c", "sleep 15 && /opt/drain.sh"]
                """)
        ])

    public init() {}

    /// The seconds a preStop hook sleeps: the `sleep` action, or `sleep N` in an exec command.
    static func sleepSeconds(_ preStop: ManifestNode) -> Int? {
        if let seconds = preStop.at("sleep", "seconds")?.int { return seconds }
        let words = (preStop.at("exec", "command")?.items ?? []).compactMap(\.string).joined(separator: " ")
        var best: Int?
        var rest = words[...]
        while let range = rest.range(of: "sleep ") {
            let digits = rest[range.upperBound...].prefix { $0.isNumber }
            if let value = Int(digits) { best = max(best ?? 0, value) }
            rest = rest[range.upperBound...]
        }
        return best
    }

    public static var includesInitContainers: Bool { false }

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        let graceNode = pod.spec["terminationGracePeriodSeconds"]
        let grace = graceNode?.int ?? 30
        guard let preStop = container.node.at("lifecycle", "preStop"), let sleep = Self.sleepSeconds(preStop),
            sleep >= grace
        else { return [] }
        return [
            Problem(
                at: graceNode ?? preStop,
                "container '\(container.name)' sleeps \(sleep)s in preStop but the grace period is \(grace)s: it is killed before SIGTERM"
            )
        ]
    }
}

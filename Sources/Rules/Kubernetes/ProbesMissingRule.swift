import BerthCore
import Kubernetes

/// A serving container without readiness or liveness probes.
public struct ProbesMissingRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-probes-missing", practice: .healthProbes, severity: .warning, target: .kubernetes,
        summary: "a serving container has no readiness or no liveness probe",
        rationale: """
            health-probes: without a readiness probe a Service sends traffic to a pod that has not \
            finished starting (a WSO2 server takes a minute), and a rolling update takes old pods \
            down before new ones serve. Without a liveness probe a hung server is never restarted.
            """,
        fix: "Add readinessProbe and livenessProbe (httpGet or tcpSocket on the serving port).",
        triggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: api
                spec:
                  selector:
                    matchLabels: {app: api}
                  template:
                    metadata:
                      labels: {app: api}
                    spec:
                      containers:
                ↓        - name: api
                          image: registry.example.com/api:1.0
                          ports:
                            - containerPort: 9443
                          livenessProbe:
                            tcpSocket: {port: 9443}
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: api
                spec:
                  selector:
                    matchLabels: {app: api}
                  template:
                    metadata:
                      labels: {app: api}
                    spec:
                      containers:
                        - name: api
                          image: registry.example.com/api:1.0
                          ports:
                            - containerPort: 9443
                          readinessProbe:
                            httpGet: {path: /health, port: 9443, scheme: HTTPS}
                          livenessProbe:
                            tcpSocket: {port: 9443}
                        - name: log-shipper
                          image: registry.example.com/shipper:1.0
                """)
        ])

    public init() {}

    public static var includesInitContainers: Bool { false }

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        guard object.kind != "Job", object.kind != "CronJob" else { return [] }
        // A container serves when it declares a port, or is the only container behind a Service.
        guard
            !container.ports.isEmpty
                || (pod.containers.count == 1 && !context.set.services(serving: object).isEmpty)
        else { return [] }
        var missing: [String] = []
        if container.node["readinessProbe"] == nil { missing.append("readinessProbe") }
        if container.node["livenessProbe"] == nil { missing.append("livenessProbe") }
        guard !missing.isEmpty else { return [] }
        return [
            Problem(
                at: container.node["name"] ?? container.node,
                "container '\(container.name)' serves traffic but has no \(missing.joined(separator: " and "))")
        ]
    }
}

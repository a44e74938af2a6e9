import BerthCore
import Kubernetes

/// A long-running container without a liveness probe, or a serving one without a readiness probe.
public struct ProbesMissingRule: ContainerRule {
    public static let description = RuleDescription(
        id: "kubernetes-probes-missing", practice: .healthProbes, severity: .warning, target: .kubernetes,
        summary: "a long-running container has no liveness probe, or a serving one no readiness probe",
        rationale: """
            health-probes: without a liveness probe a hung process is never restarted, whether or not \
            it declares ports (they are informational), so every long-running container of every \
            pod-bearing kind needs one; Jobs, CronJobs and init containers run to completion and are \
            not judged. Without a readiness probe a Service sends traffic to a pod that has not \
            finished starting (a WSO2 server takes a minute), and a rolling update takes old pods down \
            before new ones serve: a container serves when it declares ports, or when a Service in the \
            set selects its pod and no container of the pod declares ports.
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
                """),
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: worker
                spec:
                  selector:
                    matchLabels: {app: worker}
                  template:
                    metadata:
                      labels: {app: worker}
                    spec:
                      containers:
                ↓        - name: worker
                          image: registry.example.com/worker:1.0
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: sync
                spec:
                  containers:
                ↓    - name: sync
                      image: registry.example.com/sync:1.0
                """),
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
                          livenessProbe:
                            exec: {command: [/bin/health]}
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: api
                spec:
                  selector: {app: api}
                  ports:
                    - port: 80
                      targetPort: 8080
                """),
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
                          livenessProbe:
                            exec: {command: [/bin/shipper, health]}
                      initContainers:
                        - name: migrate
                          image: registry.example.com/migrate:1.0
                """),
            RuleExample(
                """
                apiVersion: batch/v1
                kind: Job
                metadata:
                  name: migrate
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                        - name: migrate
                          image: registry.example.com/migrate:1.0
                """),
        ])

    public init() {}

    public static var includesInitContainers: Bool { false }

    public func problems(
        of container: Container, in pod: PodTemplate, of object: KubernetesObject, context: KubernetesContext
    ) -> [Problem] {
        // Jobs run to completion; only long-running containers are restarted on a failed liveness probe.
        guard object.kind != "Job", object.kind != "CronJob" else { return [] }
        // A container serves when it declares a port, or its pod is behind a Service and no container
        // of the pod says which one serves (ports are informational in Kubernetes).
        let serves =
            !container.ports.isEmpty
            || (!pod.containers.contains { !$0.ports.isEmpty } && !context.set.services(serving: object).isEmpty)
        var missing: [String] = []
        if serves, container.node["readinessProbe"] == nil { missing.append("readinessProbe") }
        if container.node["livenessProbe"] == nil { missing.append("livenessProbe") }
        guard !missing.isEmpty else { return [] }
        let what = serves ? "serves traffic but has" : "runs until stopped but has"
        return [
            Problem(
                at: container.node["name"] ?? container.node,
                "container '\(container.name)' \(what) no \(missing.joined(separator: " and "))")
        ]
    }
}

import BerthCore
import Kubernetes

/// Horizontal autoscaling that does not scale on CPU, or cannot work.
public struct AutoscalingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-autoscaling", practice: .cpuAutoscaling, severity: .warning, target: .kubernetes,
        summary: "an HPA does not scale on CPU or cannot work, or a served multi-replica Deployment has no HPA",
        rationale: """
            The practice "Configure Horizontal Pod Autoscaling (HPA) based on CPU" (cpu-autoscaling): \
            a WSO2 JVM holds its heap, so memory utilisation does not fall when load does and a \
            memory-only HPA never scales in. CPU utilisation is computed against the containers' CPU \
            requests, so a target without them is never scaled. minReplicas above maxReplicas, a \
            missing scaleTargetRef, and autoscaling/v1 alpha metric annotations (ignored by \
            current clusters) also leave scaling broken. A served Deployment with fixed replicas gets \
            an info finding.
            """,
        fix:
            "Scale on a CPU Resource metric (autoscaling/v2, target type Utilization) and give every target container a CPU request.",
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
                      containers:
                        - name: gw
                          image: registry.example.com/gw:4.5.0
                          resources:
                            requests: {memory: 2Gi}
                ---
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: gw
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: gw}
                ↓  minReplicas: 5
                  maxReplicas: 3
                ↓  metrics:
                    - type: Resource
                      resource:
                        name: memory
                        target: {type: Utilization, averageUtilization: 75}
                """),
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: km
                spec:
                ↓  replicas: 2
                  selector:
                    matchLabels: {app: km}
                  template:
                    metadata:
                      labels: {app: km}
                    spec:
                      containers:
                        - name: km
                          image: registry.example.com/km:4.5.0
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: km
                spec:
                  selector: {app: km}
                  ports:
                    - port: 9443
                """),
        ],
        nonTriggering: [
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
                      containers:
                        - name: gw
                          image: registry.example.com/gw:4.5.0
                          resources:
                            requests: {cpu: "1", memory: 2Gi}
                ---
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: gw
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: gw}
                  minReplicas: 2
                  maxReplicas: 5
                  metrics:
                    - type: Resource
                      resource:
                        name: cpu
                        target: {type: Utilization, averageUtilization: 75}
                    - type: Resource
                      resource:
                        name: memory
                        target: {type: Utilization, averageUtilization: 90}
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        var out: [KubernetesFinding] = []
        for autoscaler in set.autoscalers {
            let object = autoscaler.object
            if autoscaler.targetKind == nil || autoscaler.targetName == nil {
                out.append(
                    context.finding(
                        Self.description, object, at: autoscaler.targetNode ?? object.spec,
                        message:
                            "\(object.displayName) has no complete scaleTargetRef (kind and name): it scales nothing"))
            }
            if let max = autoscaler.maxReplicas, autoscaler.minReplicas > max {
                out.append(
                    context.finding(
                        Self.description, object, at: autoscaler.minNode,
                        message:
                            "\(object.displayName) has minReplicas \(autoscaler.minReplicas) above maxReplicas \(max)"))
            }
            if !autoscaler.resourceMetrics.contains("cpu") {
                let names =
                    autoscaler.resourceMetrics.isEmpty
                    ? "custom metrics only" : autoscaler.resourceMetrics.joined(separator: ", ")
                out.append(
                    context.finding(
                        Self.description, object, at: autoscaler.metricsNode,
                        message:
                            "\(object.displayName) scales on \(names), not CPU: a JVM's memory does not fall when load does"
                    ))
            }
            if autoscaler.isV1, let annotations = object.metadata?["annotations"] {
                for entry in annotations.entries where entry.key.hasPrefix("autoscaling.alpha.kubernetes.io/") {
                    out.append(
                        context.finding(
                            Self.description, object, at: entry.value,
                            message:
                                "\(object.displayName) sets '\(entry.key)', which current clusters ignore: use autoscaling/v2 metrics"
                        ))
                }
            }
            // CPU scaling needs CPU requests on the target's containers.
            if autoscaler.resourceMetrics.contains("cpu"), let kind = autoscaler.targetKind,
                let name = autoscaler.targetName,
                let target = set.object(kind: kind, named: name, near: object), let pod = target.pod
            {
                for container in pod.containers where container.node.at("resources", "requests", "cpu") == nil {
                    out.append(
                        context.finding(
                            Self.description, target, at: container.node["name"] ?? container.node,
                            message:
                                "container '\(container.name)' has no CPU request, so \(object.displayName) cannot compute CPU utilisation",
                            container: container.name))
                }
            }
        }
        // Served multi-replica Deployments without an HPA.
        for object in set.workloads where object.kind == "Deployment" || object.kind == "StatefulSet" {
            guard let pod = object.pod, let replicas = pod.replicas, replicas > 1 else { continue }
            guard set.autoscalers(targeting: object).isEmpty, !set.services(serving: object).isEmpty else { continue }
            out.append(
                context.finding(
                    Self.description, object, at: pod.replicasNode,
                    message:
                        "\(object.displayName) serves a Service with a fixed \(replicas) replicas and no HorizontalPodAutoscaler",
                    severity: .info))
        }
        return out
    }
}

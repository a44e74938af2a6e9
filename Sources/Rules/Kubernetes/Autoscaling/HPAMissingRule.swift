import BerthCore
import Kubernetes

/// A served workload with a fixed replica count above one and no autoscaler.
public struct HPAMissingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-hpa-missing", practice: .cpuAutoscaling, severity: .info, target: .kubernetes,
        summary: "a Deployment or StatefulSet behind a Service runs a fixed number of replicas and has no HPA",
        rationale: """
            The practice "Configure Horizontal Pod Autoscaling (HPA) based on CPU" (cpu-autoscaling): \
            a served workload with several fixed replicas is sized for one load; an autoscaler on CPU \
            follows the load instead. Some components are sized on purpose, so this is information.
            """,
        fix: "Add an autoscaling/v2 HorizontalPodAutoscaler on CPU for the workload.",
        triggering: [
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
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: km
                spec:
                  replicas: 2
                  selector:
                    matchLabels: {app: km}
                  template:
                    metadata:
                      labels: {app: km}
                    spec:
                      containers:
                        - name: km
                          image: registry.example.com/km:4.5.0
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        return set.workloads.compactMap { object in
            guard object.kind == "Deployment" || object.kind == "StatefulSet", let pod = object.pod,
                let replicas = pod.replicas, replicas > 1
            else { return nil }
            guard set.autoscalers(targeting: object).isEmpty, !set.services(serving: object).isEmpty else {
                return nil
            }
            return context.finding(
                Self.description, object, at: pod.replicasNode,
                message:
                    "\(object.displayName) serves a Service with a fixed \(replicas) replicas and no HorizontalPodAutoscaler"
            )
        }
    }
}

import BerthCore
import Kubernetes

/// The Deployments the rollout rules judge, with what they share.
enum Rollouts {
    struct Subject {
        var object: KubernetesObject
        var spec: ManifestNode
        var pod: PodTemplate
        /// Backed by a Service, or declaring a container port.
        var served: Bool
        /// Updated with the Recreate strategy (judged by kubernetes-recreate-strategy alone).
        var recreates: Bool
    }

    static func deployments(_ context: KubernetesContext) -> [Subject] {
        context.set.workloads.compactMap { object in
            guard object.kind == "Deployment", let spec = object.spec, let pod = object.pod else { return nil }
            let served =
                !context.set.services(serving: object).isEmpty || pod.containers.contains { !$0.ports.isEmpty }
            return Subject(
                object: object, spec: spec, pod: pod, served: served,
                recreates: spec.at("strategy", "type")?.string == "Recreate")
        }
    }

    static let deploymentExample = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: gw
        spec:
          replicas: 2
          revisionHistoryLimit: 5
          strategy:
            type: RollingUpdate
            rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
          selector:
            matchLabels: {app: gw}
          template:
            metadata:
              labels: {app: gw}
            spec:
              containers:
                - name: gw
                  image: registry.example.com/gw:4.5.0
                  readinessProbe:
                    tcpSocket: {port: 8243}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: gw
        spec:
          selector: {app: gw}
          ports:
            - port: 8243
        """
}

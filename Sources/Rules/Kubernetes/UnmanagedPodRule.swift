import BerthCore
import Kubernetes

/// A naked Pod or a bare ReplicaSet: pods no controller replaces or rolls.
public struct UnmanagedPodRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-unmanaged-pod", practice: .managedWorkloads, severity: .warning, target: .kubernetes,
        summary: "a naked Pod or bare ReplicaSet runs pods no Deployment manages",
        rationale: """
            The practice "Do not use naked pods" (managed-workloads): a Pod without a controller is not \
            rescheduled when its node fails, and a ReplicaSet created directly cannot roll out a new \
            version or roll back. A Deployment (or StatefulSet, DaemonSet, Job) manages both.
            """,
        fix: "Wrap the pod spec in a Deployment (or a StatefulSet for stable identity, a Job for one-off work).",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                ↓kind: Pod
                metadata:
                  name: api
                spec:
                  containers:
                    - name: api
                      image: registry.example.com/api:1.0
                """),
            RuleExample(
                """
                apiVersion: apps/v1
                ↓kind: ReplicaSet
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
                """),
            RuleExample(
                """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: api-7d4f9
                  ownerReferences:
                    - apiVersion: apps/v1
                      kind: ReplicaSet
                      name: api-7d4f
                      uid: 5f1c2a40-1b2c-4d5e-8f90-0a1b2c3d4e5f
                spec:
                  containers:
                    - name: api
                      image: registry.example.com/api:1.0
                """),
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        context.set.objects.compactMap { object in
            guard object.kind == "Pod" || object.kind == "ReplicaSet" || object.kind == "ReplicationController" else {
                return nil
            }
            guard object.metadata?["ownerReferences"]?.items.isEmpty ?? true else { return nil }
            let message =
                object.kind == "Pod"
                ? "\(object.displayName) is a naked Pod: nothing reschedules it when its node fails"
                : "\(object.displayName) is not managed by a Deployment: it cannot roll out or roll back"
            return context.finding(Self.description, object, at: object.root["kind"], message: message)
        }
    }
}

import BerthCore
import Kubernetes

/// The same kind, namespace and name defined in several files: alternatives, judged apart.
public struct ObjectDuplicatedRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-object-duplicated", practice: .serviceInterconnect, severity: .info,
        target: .kubernetes,
        summary: "an object with the same kind, namespace and name is defined in several files",
        rationale: """
            service-interconnect: the API server keys an object by kind, namespace and name, so \
            copies in several files (examples of one pod for three storage back ends, a chart per \
            deployment pattern) are alternatives: applying them together keeps only the last. Said \
            once, at the first copy; every other rule judges each file's copy apart, resolves a \
            reference to the copy nearest the referrer (its own file, else the closest directory), \
            and names the file of any other object it cites. Copies within one file are not judged.
            """,
        fix: """
            Give objects meant to run together different names; keep alternatives in separate \
            directories and apply one of them.
            """,
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                ↓kind: ReplicationController
                metadata:
                  name: server
                spec:
                  selector: {app: server}
                  template:
                    metadata:
                      labels: {app: server}
                    spec:
                      containers:
                        - name: server
                          image: registry.example.com/nginx:1.27
                """,
                files: [
                    "nfs/server.yaml": """
                    apiVersion: v1
                    kind: ReplicationController
                    metadata:
                      name: server
                    spec:
                      selector: {app: server}
                      template:
                        metadata:
                          labels: {app: server}
                        spec:
                          containers:
                            - name: server
                              image: registry.example.com/nginx:1.27
                    """
                ])
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: ReplicationController
                metadata:
                  name: server
                  namespace: nfs
                spec:
                  selector: {app: server}
                  template:
                    metadata:
                      labels: {app: server}
                    spec:
                      containers:
                        - name: server
                          image: registry.example.com/nginx:1.27
                """,
                files: [
                    "cephfs/server.yaml": """
                    apiVersion: v1
                    kind: ReplicationController
                    metadata:
                      name: server
                      namespace: cephfs
                    spec:
                      selector: {app: server}
                      template:
                        metadata:
                          labels: {app: server}
                        spec:
                          containers:
                            - name: server
                              image: registry.example.com/nginx:1.27
                    """
                ])
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        var reported: Set<KubernetesScope.Identity> = []
        var out: [KubernetesFinding] = []
        for object in context.set.objects {
            guard let identity = KubernetesScope.Identity(object), let files = context.scope.duplicates[identity],
                reported.insert(identity).inserted
            else { continue }
            let others = files.filter { $0 != object.file }
            out.append(
                context.finding(
                    Self.description, object, at: object.root["kind"],
                    message:
                        "\(object.displayName) is also defined in \(others.joined(separator: ", ")): the copies are taken as alternatives and each is judged apart"
                ))
        }
        return out
    }
}

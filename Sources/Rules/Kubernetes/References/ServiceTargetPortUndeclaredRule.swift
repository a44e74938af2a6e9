import BerthCore
import Kubernetes

/// A Service whose named target port no selected container declares.
public struct ServiceTargetPortUndeclaredRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-service-target-port-undeclared", practice: .serviceInterconnect, severity: .error,
        target: .kubernetes,
        summary: "a Service targets a named port that no selected container declares",
        rationale: """
            service-interconnect: a named targetPort resolves only through the selected containers' \
            port names; when none declares it, the Service has no endpoint for that port. A numeric \
            target port reaches whatever listens there, declared or not (container ports are \
            informational), so it is never judged: WSO2's charts route 9021 and 9099 to servers that \
            listen without declaring them.
            """,
        fix: "Name the container port as the Service's targetPort does, or target the port number.",
        triggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gw
                spec:
                  selector:
                    matchLabels: {deployment: gw}
                  template:
                    metadata:
                      labels: {deployment: gw}
                    spec:
                      containers:
                        - name: gw
                          image: registry.example.com/gw:4.5.0
                          ports:
                            - {name: https, containerPort: 8243}
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: gw
                spec:
                  selector: {deployment: gw}
                  ports:
                    - port: 443
                ↓      targetPort: passthrough
                """)
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
                    matchLabels: {deployment: gw}
                  template:
                    metadata:
                      labels: {deployment: gw}
                    spec:
                      containers:
                        - name: gw
                          image: registry.example.com/gw:4.5.0
                          ports:
                            - {name: https, containerPort: 8243}
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: gw
                spec:
                  selector: {deployment: gw}
                  ports:
                    - port: 443
                      targetPort: https
                    - port: 9021
                      targetPort: 9021
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        guard !set.workloads.isEmpty else { return [] }
        var out: [KubernetesFinding] = []
        for service in set.services {
            guard let selector = service.selector, !selector.isEmpty else { continue }
            // Copies of a workload in several files are judged apart: the nearest copy counts.
            let matched = context.scope.nearest(
                set.workloads(selectedBy: selector, near: service.object), to: service.object)
            // A selector matching nothing is kubernetes-service-selector-unmatched's finding.
            guard !matched.isEmpty else { continue }
            let containers = matched.compactMap(\.pod).flatMap(\.containers)
            for port in service.ports {
                guard let target = port.targetPort, !containers.contains(where: { $0.declaresPort(target) }) else {
                    continue
                }
                guard target.int == nil && target.string.flatMap(Int.init) == nil else { continue }
                out.append(
                    context.finding(
                        Self.description, service.object, at: target,
                        message:
                            "\(service.object.displayName) targets port \(target.string ?? "?"), which no selected container declares"
                    ))
            }
        }
        return out
    }
}

import BerthCore
import Kubernetes

/// A service URL in a ConfigMap that names a Service the set does not hold.
public struct ConfigServiceHostMissingRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-config-service-host-missing", practice: .serviceInterconnect, severity: .error,
        target: .kubernetes,
        summary: "a URL in a ConfigMap names a cluster Service that is not in the set",
        rationale: """
            service-interconnect: a WSO2 component reaches its peers through the URLs in its \
            deployment.toml; a cluster-internal host (`km-service`, `cp.apim.svc`) naming no Service \
            fails only when the first request is made. External hosts and IPs are not judged, nor a \
            set without Services.
            """,
        fix: "Make the host name the Service of the component it means (`<service>` or `<service>.<namespace>.svc`).",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Service
                metadata:
                  name: cp
                spec:
                  selector: {app: cp}
                  ports:
                    - port: 9443
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: gw-conf
                data:
                  deployment.toml: |
                    [apim.key_manager]
                ↓    service_url = "https://km-service:9443/services/"
                    [apim.throttling]
                    service_url = "https://cp:9443/services/"
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: Service
                metadata:
                  name: gw
                spec:
                  selector: {app: gw}
                  ports:
                    - port: 443
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: gw-conf
                data:
                  deployment.toml: |
                    [apim.key_manager]
                    service_url = "https://gw.default.svc.cluster.local:443/services/"
                    [apim.analytics]
                    receiver = "https://analytics.example.com/"
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        guard !set.services.isEmpty else { return [] }
        let names = Set(set.services.compactMap(\.object.name))
        var out: [KubernetesFinding] = []
        for line in KubernetesScan.configMapLines(set) {
            for host in KubernetesScan.urlHosts(in: line.text) {
                guard let service = References.clusterServiceName(host), !names.contains(service) else { continue }
                out.append(
                    context.finding(
                        Self.description, line.object, at: line.reportNode,
                        message:
                            "'\(line.key)' in \(line.object.displayName) names host '\(host)', but no Service '\(service)' is in the set"
                    ))
            }
        }
        return out
    }
}

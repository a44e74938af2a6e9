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
            fails only when the first request is made. Only what the set can settle is judged: a host \
            naming a namespace (`<svc>.<ns>`, `<svc>.<ns>.svc[.cluster.local]`) only when the set holds \
            Services written in that namespace, an unqualified host only when the ConfigMap's namespace \
            holds Services; external hosts and IPs never.
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
                """),
            RuleExample(
                """
                apiVersion: v1
                kind: Service
                metadata:
                  name: cp
                  namespace: apim
                spec:
                  selector: {app: cp}
                  ports:
                    - port: 9443
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: gw-conf
                  namespace: apim
                data:
                  deployment.toml: |
                    [apim.key_manager]
                ↓    service_url = "https://km.apim.svc.cluster.local:9443/services/"
                    [apim.throttling]
                ↓    service_url = "https://tm.apim:9443/services/"
                """),
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
                """),
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
                    [database.apim_db]
                    url = "jdbc:mysql://mysql.db.svc.cluster.local:3306/apim_db?useSSL=true"
                    [apim.analytics]
                    config_endpoint = "https://analytics.observability:8080/"
                    auth_endpoint = "https://login.microsoftonline.com/"
                    cache = "redis://cache.internal:6379"
                """),
            RuleExample(
                """
                apiVersion: v1
                kind: Service
                metadata:
                  name: postgres
                spec:
                  selector: {app: postgres}
                  ports:
                    - port: 5432
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: registry-conf
                data:
                  registry.yaml: |
                    storage: "s3://registry-blobs?endpoint=https://s3.eu-west-1.amazonaws.com"
                    database: "postgres://berth@postgres:5432/registry"
                """),
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        guard !set.services.isEmpty else { return [] }
        var out: [KubernetesFinding] = []
        for line in KubernetesScan.configMapLines(set) where context.scope.canSettleMissing(from: line.object) {
            for host in KubernetesScan.urlHosts(in: line.text) {
                guard let (service, written) = References.clusterService(host) else { continue }
                // A host naming its namespace is judged only when the set holds Services there; an
                // unqualified host resolves in the ConfigMap's own namespace.
                let namespace = written ?? line.object.namespace
                let services = set.services.filter {
                    written == nil ? $0.object.sharesNamespace(with: line.object) : $0.object.namespace == written
                }
                guard !services.isEmpty, !services.contains(where: { $0.object.name == service }) else { continue }
                let place = namespace.map { " in namespace \($0)" } ?? ""
                out.append(
                    context.finding(
                        Self.description, line.object, at: line.reportNode,
                        message:
                            "'\(line.key)' in \(line.object.displayName) names host '\(host)', but no Service '\(service)'\(place) is in the set"
                    ))
            }
        }
        return out
    }
}

import BerthCore
import Kubernetes

/// Helpers shared by the rules that check a reference resolves inside the set of objects.
enum References {
    /// A selector as `key=value, key In [...]`, for messages.
    static func describe(_ selector: LabelSelector) -> String {
        let labels = selector.matchLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let expressions = selector.expressions.map { "\($0.key) \($0.op) \($0.values)" }
        return (labels + expressions).joined(separator: ", ")
    }

    /// The Service a cluster-internal host names, and the namespace when the host writes one: `svc`,
    /// `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`, or `pod.svc.ns.svc.cluster.local`; nil for
    /// external hosts and IPs.
    static func clusterService(_ host: String) -> (name: String, namespace: String?)? {
        let labels = host.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let first = labels.first, first.first?.isLetter == true, !labels.contains("") else { return nil }
        if labels.count == 1 { return first == "localhost" ? nil : (first, nil) }
        if let svc = labels.lastIndex(of: "svc"), svc >= 2 {
            let rest = labels[(svc + 1)...].joined(separator: ".")
            guard rest.isEmpty || rest == "cluster.local" else { return nil }
            return (labels[svc - 2], labels[svc - 1])
        }
        if labels.count == 2, !labels[1].contains(where: \.isNumber),
            !["com", "org", "net", "io", "dev", "local", "internal", "localdomain", "lan", "home"].contains(labels[1])
        {
            return (first, labels[1])
        }
        return nil
    }

    /// The Gateway API route kinds whose references are judged.
    static let routeKinds: Set<String> = ["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"]

    /// The Gateway API routes of the set.
    static func routes(_ set: ManifestSet) -> [KubernetesObject] {
        set.objects.filter { routeKinds.contains($0.kind) && $0.group == "gateway.networking.k8s.io" }
    }
}

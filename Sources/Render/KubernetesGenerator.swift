import Crypto

/// The Kubernetes objects of a deployment, as trees that render both to plain manifests and to
/// Helm templates.
enum KubernetesGenerator {
    struct Document {
        /// File name under `manifests/` and `chart/templates/`.
        var file: String
        var node: YAMLNode
    }

    static func key(_ component: Component) -> String {
        let parts = component.name.split(separator: "-")
        return parts.enumerated().map {
            $0.offset == 0 ? String($0.element) : $0.element.prefix(1).uppercased() + $0.element.dropFirst()
        }.joined()
    }

    static func namespace(_ spec: RenderSpec) -> YAMLNode {
        .text([.expression("{{ .Release.Namespace }}", spec.namespace)])
    }

    static func commonLabels(_ spec: RenderSpec) -> [(String, YAMLNode)] {
        [
            ("app.kubernetes.io/part-of", .string(spec.name)),
            ("app.kubernetes.io/managed-by", .string("berth")),
        ]
    }

    static func selector(_ spec: RenderSpec, _ component: Component, instance: Int?) -> [(String, YAMLNode)] {
        var labels: [(String, YAMLNode)] = [
            ("app.kubernetes.io/instance", .string(spec.name)),
            ("app.kubernetes.io/component", .string(component.name)),
        ]
        if let instance, component.instances > 0 { labels.append(("berth.dev/node", .string(String(instance)))) }
        return labels
    }

    static func labels(_ spec: RenderSpec, _ component: Component, instance: Int?) -> [(String, YAMLNode)] {
        [("app.kubernetes.io/name", .string(component.distribution))] + selector(spec, component, instance: instance)
            + [("app.kubernetes.io/version", .string(component.productVersion))] + commonLabels(spec)
    }

    static func metadata(
        _ spec: RenderSpec, name: String, labels: [(String, YAMLNode)], annotations: [(String, YAMLNode)] = []
    ) -> YAMLNode {
        var entries: [(String, YAMLNode)] = [
            ("name", .string(name)), ("namespace", namespace(spec)), ("labels", .map(labels)),
        ]
        if !annotations.isEmpty { entries.append(("annotations", .map(annotations))) }
        return .map(entries)
    }

    /// The value each config checksum is computed over, in Go's toJson form.
    static func checksum(_ spec: RenderSpec) -> TextPart {
        // The host names the pattern uses, as Go's toJson orders map keys.
        let used = Set(Catalog.components(for: spec).map(ChartGenerator.hostKey))
        var named = [("gateway", spec.gatewayHost), ("identity", spec.identityHost), ("portal", spec.portalHost)]
            .filter { used.contains($0.0) }
        if let server = spec.registryServer { named.append(("registry", server.host)) }
        let hosts = named.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",")
        let json = "[\"\(spec.databaseHost)\",\(spec.effectiveDatabasePort),{\(hosts)}]"
        let digest = SHA256.hash(data: Array(json.utf8)).map { String(format: "%02x", $0) }.joined()
        return .expression(
            "{{ list .Values.database.host .Values.database.port .Values.ingress.hosts | toJson | sha256sum }}", digest)
    }

    static func podAnnotations(_ spec: RenderSpec) -> [(String, YAMLNode)] {
        var annotations: [(String, YAMLNode)] = [("checksum/config", .text([checksum(spec)]))]
        if spec.prometheus {
            annotations += [
                ("prometheus.io/scrape", .text([.literal("true")])),
                ("prometheus.io/port", .text([.literal(String(Catalog.metricsPort))])),
                ("prometheus.io/path", .string("/metrics")),
            ]
        }
        return annotations
    }

    static func documents(_ spec: RenderSpec) -> [Document] {
        let components = Catalog.components(for: spec)
        var documents: [Document] = [serviceAccount(spec)]
        for component in components {
            let prefix = component.name
            for instance in 1...component.deploymentCount {
                documents.append(
                    Document(
                        file: "\(prefix)-configmap.yaml",
                        node: configMap(spec, component, instance: instance, all: components)))
            }
            for instance in 1...component.deploymentCount {
                documents.append(
                    Document(file: "\(prefix)-deployment.yaml", node: deployment(spec, component, instance: instance)))
            }
            documents.append(Document(file: "\(prefix)-service.yaml", node: service(spec, component, instance: nil)))
            if component.instances > 0 {
                for instance in 1...component.instances {
                    documents.append(
                        Document(file: "\(prefix)-service.yaml", node: service(spec, component, instance: instance)))
                }
            }
            if component.instances == 0, let scaling = component.autoscaling {
                documents.append(Document(file: "\(prefix)-hpa.yaml", node: hpa(spec, component, scaling)))
            }
            documents.append(Document(file: "\(prefix)-pdb.yaml", node: pdb(spec, component)))
            if !component.sharedPaths.isEmpty {
                documents.append(Document(file: "\(prefix)-pvc.yaml", node: pvc(spec, component)))
            }
            if component.host != nil {
                documents.append(Document(file: "\(prefix)-ingress.yaml", node: ingress(spec, component)))
            }
        }
        if spec.networkPolicies {
            documents += networkPolicies(spec, components).map { Document(file: "networkpolicies.yaml", node: $0) }
        }
        return documents + registryDocuments(spec)
    }

    static func serviceAccount(_ spec: RenderSpec) -> Document {
        Document(
            file: "serviceaccount.yaml",
            node: .map([
                ("apiVersion", .string("v1")), ("kind", .string("ServiceAccount")),
                ("metadata", metadata(spec, name: spec.name, labels: commonLabels(spec))),
                ("automountServiceAccountToken", .bool(false)),
            ]))
    }
}

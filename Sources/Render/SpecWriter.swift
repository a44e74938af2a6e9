/// Writes a commented `berth.yaml`: `berth init` and the copy kept beside rendered output.
public enum SpecWriter {
    static func jmx(_ spec: RenderSpec) -> String {
        guard let exporter = spec.jmxExporter else {
            return
                "    # jmxExporter: {file: jmx_prometheus_javaagent-1.0.1.jar}   # or {url: https://..., sha256: ...}"
        }
        if let url = exporter.url, let sha = exporter.sha256 { return "    jmxExporter: {url: \(url), sha256: \(sha)}" }
        return "    jmxExporter: {file: \(exporter.file ?? "")}"
    }

    public static func spec(_ spec: RenderSpec) -> String {
        var out = """
            # berth.yaml: what `berth render` generates. Reference: docs/spec.md; schema: docs/berth.schema.json.
            apiVersion: \(RenderSpec.apiVersion)
            kind: Deployment
            metadata:
              name: \(spec.name)                       # prefix of every object name
            spec:
              # \(spec.pattern.summary)
              pattern: \(spec.pattern.rawValue)        # \(Pattern.allCases.map(\.rawValue).joined(separator: " | "))
              namespace: \(spec.namespace)
              products:
                apim: {version: \(spec.apimVersion)}      # API Manager 4.x
                is: {version: \(spec.isVersion)}          # Identity Server 7.x (apim-is-km)
              images:
                registry: \(spec.registry)   # private registry the images are pushed to
                os: \(spec.os.rawValue)                    # ubuntu | alpine | rocky
                jdk: \(spec.jdk)                           # 17 | 21 | 25

            """
        if let base = spec.baseImage {
            out += "    base: \(base)\n"
        } else {
            out += "    # base: eclipse-temurin:21.0.5_11-jre-noble   # override the base image (a specific tag)\n"
        }
        if let digest = spec.baseDigest {
            out += "    baseDigest: \(digest)\n"
        } else {
            out += "    # baseDigest: sha256:...              # pin the base by digest\n"
        }
        if let secret = spec.pullSecret {
            out += "    pullSecret: \(secret)       # imagePullSecret for the registry\n"
        }
        out += """
              # Product zips: a file in images/<component>/ (the default), or an https url with its sha256.
              distribution:

            """
        let components = Catalog.components(for: spec)
        for component in components {
            let source = spec.distribution[component.distribution]
            if let url = source?.url, let sha = source?.sha256 {
                out += "    \(component.distribution): {url: \(url), sha256: \(sha)}\n"
            } else {
                out +=
                    "    \(component.distribution): {file: \(source?.file ?? "\(component.distribution)-\(component.productVersion).zip")}\n"
            }
        }
        out += "  components:                      # replicas, autoscaling (CPU), cpu and memory per component\n"
        for component in components {
            var parts: [String] = []
            if component.instances > 0 {
                parts.append("replicas: 1")
                out +=
                    "    \(component.name): {\(parts.joined(separator: ", "))}   # \(component.instances) instances, one Service each\n"
                continue
            }
            parts.append("replicas: \(component.replicas)")
            if let scaling = component.autoscaling {
                parts.append(
                    "autoscaling: {minReplicas: \(scaling.minReplicas), maxReplicas: \(scaling.maxReplicas), cpuUtilization: \(scaling.cpuUtilization)}"
                )
            }
            out += "    \(component.name): {\(parts.joined(separator: ", "))}\n"
        }
        out += """
              database:                        # external, production-grade; credentials from a Secret
                type: \(spec.databaseType.rawValue)                  # mysql | postgresql | mssql | oracle
                host: \(spec.databaseHost)
                port: \(spec.effectiveDatabasePort)
                apimDatabase: \(spec.apimDatabase)
                sharedDatabase: \(spec.sharedDatabase)
                identityDatabase: \(spec.identityDatabase)
                credentialsSecret: \(spec.credentialsSecret)   # existing Secret: see the output README
              storage:                         # shared files on ReadWriteMany volumes
                storageClass: \(spec.storageClass)
                size: \(spec.storageSize)
              ingress:
                className: \(spec.ingressClass)
                tlsSecret: \(spec.tlsSecret)
                hosts: {portal: \(spec.portalHost), gateway: \(spec.gatewayHost), identity: \(spec.identityHost)}
              observability:                   # logs go to stdout for the cluster's collector
                logs: stdout
                prometheus: \(spec.prometheus)               # metrics on :9201 through the JMX exporter agent
            \(jmx(spec))
              networkPolicies: \(spec.networkPolicies)            # admit only the flows the architecture needs

            """
        return out
    }
}

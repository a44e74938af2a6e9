import Tags

/// A port a component serves.
public struct ComponentPort: Sendable, Hashable {
    public var name: String
    public var port: Int
    /// Reached from outside the cluster through the Ingress.
    public var external: Bool
}

/// One deployable component of a pattern: an image and the Deployments that run it.
public struct Component: Sendable, Hashable {
    /// Short name used in object names: `control-plane`, `gateway`, `traffic-manager`, `identity-server`, `apim`.
    public var name: String
    /// Product distribution name: `wso2am-acp`, `wso2am-universal-gw`, `wso2am-tm`, `wso2is`, `wso2am`.
    public var distribution: String
    public var productVersion: String
    /// Start script under bin/.
    public var startScript: String
    public var ports: [ComponentPort]
    /// Per-instance Deployments (each with its own Service) when peers must reach every node; 0 for
    /// one scalable Deployment.
    public var instances: Int
    /// Replicas of the scalable Deployment (ignored with instances).
    public var replicas: Int
    public var autoscaling: RenderSpec.Autoscaling?
    /// HTTP(S) paths for probes: readiness and liveness, with their port and scheme.
    public var readinessPath: String
    public var readinessPort: Int
    public var livenessPath: String
    public var livenessPort: Int
    public var cpuRequest: String
    public var memoryRequest: String
    public var cpuLimit: String
    public var memoryLimit: String
    /// The Ingress host, when the component is exposed.
    public var host: String?
    /// Shared data the component keeps on a ReadWriteMany volume, mounted at these paths.
    public var sharedPaths: [String]

    /// The Deployments: one per instance, or one.
    public var deploymentCount: Int { instances > 0 ? instances : 1 }
    public var isAPIM: Bool { distribution.hasPrefix("wso2am") }
    /// HTTP on the servlet port 9763, HTTPS elsewhere.
    public var livenessScheme: String { livenessPort == 9763 ? "HTTP" : "HTTPS" }
    public var readinessScheme: String { readinessPort == 9763 ? "HTTP" : "HTTPS" }
    public var home: String { "/home/wso2carbon/\(distribution)-\(productVersion)" }
}

/// The components of each pattern and their product facts (ports, scripts, health endpoints).
public enum Catalog {
    /// Every image name a spec may give a distribution for.
    public static let allImageNames = ["wso2am", "wso2am-acp", "wso2am-universal-gw", "wso2am-tm", "wso2is"]

    /// The UID and GID of `wso2carbon` in every generated image and pod.
    public static let uid = 10001

    public static func components(for spec: RenderSpec) -> [Component] {
        let components = baseComponents(for: spec)
        guard spec.prometheus else { return components }
        return components.map { component in
            var component = component
            component.ports.append(ComponentPort(name: "metrics", port: metricsPort, external: false))
            return component
        }
    }

    /// The port the JMX exporter agent serves /metrics on.
    public static let metricsPort = 9201

    static func baseComponents(for spec: RenderSpec) -> [Component] {
        func settings(_ name: String) -> RenderSpec.ComponentSettings {
            spec.components[name] ?? RenderSpec.ComponentSettings()
        }
        func apim(
            _ name: String, _ distribution: String, _ script: String, ports: [ComponentPort], instances: Int,
            replicas: Int, autoscaling: RenderSpec.Autoscaling?, host: String?, readiness: (String, Int),
            shared: [String] = []
        ) -> Component {
            let own = settings(name)
            return Component(
                name: name, distribution: distribution, productVersion: spec.apimVersion, startScript: script,
                ports: ports,
                instances: instances, replicas: own.replicas ?? replicas, autoscaling: own.autoscaling ?? autoscaling,
                readinessPath: readiness.0, readinessPort: readiness.1, livenessPath: "/services/Version",
                livenessPort: 9763,
                cpuRequest: own.cpu ?? "1000m", memoryRequest: own.memory ?? "2Gi",
                cpuLimit: own.cpu ?? "2000m", memoryLimit: own.memory ?? "3Gi", host: host, sharedPaths: shared)
        }
        let servlet = [
            ComponentPort(name: "servlet-https", port: 9443, external: false),
            ComponentPort(name: "servlet-http", port: 9763, external: false),
        ]
        let eventing = [
            ComponentPort(name: "binary", port: 9611, external: false),
            ComponentPort(name: "binary-secure", port: 9711, external: false),
            ComponentPort(name: "jms-tcp", port: 5672, external: false),
        ]
        let versionCheck = ("/services/Version", 9763)
        let controlPlane = apim(
            "control-plane", "wso2am-acp", "api-cp.sh",
            ports: [
                ComponentPort(name: "servlet-https", port: 9443, external: true),
                ComponentPort(name: "servlet-http", port: 9763, external: false),
            ] + eventing,
            instances: 2, replicas: 1, autoscaling: nil, host: spec.portalHost, readiness: versionCheck,
            shared: ["/home/wso2carbon/solr/database", "/home/wso2carbon/solr/indexed-data"])
        let gateway = apim(
            "gateway", "wso2am-universal-gw", "gateway.sh",
            ports: [ComponentPort(name: "passthrough-https", port: 8243, external: true)] + servlet,
            instances: 0, replicas: 2,
            autoscaling: RenderSpec.Autoscaling(minReplicas: 2, maxReplicas: 6, cpuUtilization: 75),
            host: spec.gatewayHost, readiness: ("/api/am/gateway/v2/server-startup-healthcheck", 9443))
        let trafficManager = apim(
            "traffic-manager", "wso2am-tm", "traffic-manager.sh", ports: servlet + eventing,
            instances: 2, replicas: 1, autoscaling: nil, host: nil, readiness: versionCheck)
        switch spec.pattern {
        case .apimAllInOne:
            return [
                apim(
                    "apim", "wso2am", "api-manager.sh",
                    ports: [
                        ComponentPort(name: "servlet-https", port: 9443, external: true),
                        ComponentPort(name: "servlet-http", port: 9763, external: false),
                        ComponentPort(name: "passthrough-https", port: 8243, external: true),
                    ] + eventing,
                    instances: 2, replicas: 1, autoscaling: nil, host: spec.portalHost,
                    readiness: ("/api/am/gateway/v2/server-startup-healthcheck", 9443),
                    shared: ["/home/wso2carbon/solr/database", "/home/wso2carbon/solr/indexed-data"])
            ]
        case .apimDistributed:
            return [controlPlane, gateway, trafficManager]
        case .apimISKM:
            let own = settings("identity-server")
            let identity = Component(
                name: "identity-server", distribution: "wso2is", productVersion: spec.isVersion,
                startScript: "wso2server.sh",
                ports: [ComponentPort(name: "servlet-https", port: 9443, external: true)], instances: 0,
                replicas: own.replicas ?? 2,
                autoscaling: own.autoscaling
                    ?? RenderSpec.Autoscaling(minReplicas: 2, maxReplicas: 4, cpuUtilization: 75),
                readinessPath: "/api/health-check/v1.0/health", readinessPort: 9443,
                livenessPath: "/oauth2/token/.well-known/openid-configuration", livenessPort: 9443,
                cpuRequest: own.cpu ?? "1000m", memoryRequest: own.memory ?? "2Gi", cpuLimit: own.cpu ?? "2000m",
                memoryLimit: own.memory ?? "4Gi", host: spec.identityHost, sharedPaths: [])
            return [controlPlane, gateway, trafficManager, identity]
        }
    }
}

/// Object and image names, in one place so every reference names a rendered object.
public enum Names {
    public static func base(_ spec: RenderSpec, _ component: Component) -> String { "\(spec.name)-\(component.name)" }
    public static func service(_ spec: RenderSpec, _ component: Component) -> String { base(spec, component) }
    public static func instanceService(_ spec: RenderSpec, _ component: Component, _ instance: Int) -> String {
        "\(base(spec, component))-\(instance)"
    }
    public static func deployment(_ spec: RenderSpec, _ component: Component, _ instance: Int) -> String {
        component.instances > 0 ? "\(base(spec, component))-\(instance)" : base(spec, component)
    }
    public static func configMap(_ spec: RenderSpec, _ component: Component, _ instance: Int) -> String {
        "\(deployment(spec, component, instance))-conf"
    }
    /// The image tag in the WSO2 scheme: `{product-version}` on Ubuntu, `{product-version}-{os}` otherwise.
    public static func tag(_ spec: RenderSpec, _ component: Component) -> String {
        WSO2Tag(productVersion: component.productVersion, os: spec.os == .ubuntu ? nil : spec.os.rawValue).description
    }

    /// `registry/wso2am-acp:4.5.0[-alpine]`.
    public static func image(_ spec: RenderSpec, _ component: Component) -> String {
        "\(spec.registry)/\(component.distribution):\(tag(spec, component))"
    }
}

/// A flow between two components: who calls whom, on which ports, for what.
public struct Flow: Sendable, Hashable {
    public var from: String
    public var to: String
    public var ports: [Int]
    public var purpose: String
}

extension Catalog {
    /// The flows the architecture needs (they become NetworkPolicy rules and diagram arrows).
    public static func flows(for spec: RenderSpec) -> [Flow] {
        let names = Set(components(for: spec).map(\.name))
        var flows: [Flow] = []
        func add(_ from: String, _ to: String, _ ports: [Int], _ purpose: String) {
            if names.contains(from), names.contains(to) {
                flows.append(Flow(from: from, to: to, ports: ports, purpose: purpose))
            }
        }
        add("gateway", "control-plane", [9443, 5672], "artifacts, event hub")
        add("gateway", "traffic-manager", [9443, 9611, 9711, 5672], "throttling events, decisions")
        add("gateway", "identity-server", [9443], "key validation")
        add("control-plane", "traffic-manager", [9443, 9611, 9711, 5672], "throttling policies")
        add("traffic-manager", "control-plane", [9443, 5672], "event hub")
        add("control-plane", "identity-server", [9443], "key manager")
        add("identity-server", "control-plane", [9443], "key manager events")
        add("traffic-manager", "identity-server", [9443], "key manager")
        return flows
    }
}

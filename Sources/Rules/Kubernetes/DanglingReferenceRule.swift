import BerthCore
import Kubernetes

/// A selector, target, port or hostname that names nothing in the set of objects.
public struct DanglingReferenceRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-dangling-reference", practice: .serviceInterconnect, severity: .error, target: .kubernetes,
        summary: "a selector, target, port or service hostname matches nothing in the deployment",
        rationale: """
            service-interconnect: components reach each other through Services whose selectors match \
            real pods. A Service, PodDisruptionBudget or NetworkPolicy whose selector matches no pod \
            silently does nothing (WSO2's gateway PDB selects `deployment: <name>-deployment` while \
            the pods carry `deployment: <name>`); a named port, Ingress backend or configured service \
            URL that names nothing fails only at run time. Judged only when the set holds the kind \
            referred to.
            """,
        fix: "Make the selector, port name or hostname match the object it is meant for.",
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
                          readinessProbe:
                ↓            tcpSocket: {port: servlet-https}
                ---
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: gw
                spec:
                  minAvailable: 1
                ↓  selector:
                    matchLabels: {deployment: gw-deployment}
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
                """),
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
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: cp
                spec:
                  tls:
                    - hosts: [cp.example.com]
                      secretName: cp-tls
                  rules:
                    - host: cp.example.com
                      http:
                        paths:
                          - path: /
                            pathType: Prefix
                            backend:
                ↓              service:
                                name: cp
                                port: {number: 443}
                """),
            RuleExample(
                """
                apiVersion: v1
                kind: ServiceAccount
                metadata:
                  name: apim
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata:
                  name: apim-reader
                rules:
                  - apiGroups: [""]
                    resources: [configmaps]
                    verbs: [get]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata:
                  name: apim
                roleRef:
                  apiGroup: rbac.authorization.k8s.io
                  kind: Role
                ↓  name: apim-readers
                subjects:
                  - kind: ServiceAccount
                ↓    name: apim-sa
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: tool
                spec:
                ↓  serviceAccountName: wso2am
                  containers:
                    - name: tool
                      image: registry.example.com/tool:1.0
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
                    - port: 8243
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata:
                  name: edge
                spec:
                  gatewayClassName: nginx
                  listeners:
                    - name: gateway-https
                      port: 443
                      protocol: HTTPS
                      tls:
                        certificateRefs: [{kind: Secret, name: edge-tls}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata:
                  name: gw
                spec:
                  parentRefs:
                    - name: edge
                ↓      sectionName: gw-https
                  rules:
                    - backendRefs:
                ↓        - name: gw-service
                          port: 8243
                        - name: gw
                ↓          port: 9443
                """),
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
                          readinessProbe:
                            tcpSocket: {port: https}
                ---
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: gw
                spec:
                  minAvailable: 1
                  selector:
                    matchLabels: {deployment: gw}
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
                  name: external-db
                spec:
                  selector: {app: db}
                  ports:
                    - port: 5432
                """),
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        var out: [KubernetesFinding] = []
        let haveWorkloads = !set.workloads.isEmpty
        // Selectors that match no pod.
        if haveWorkloads {
            for service in set.services {
                guard let selector = service.selector, !selector.isEmpty else { continue }
                let matched = set.workloads(selectedBy: selector, near: service.object)
                if matched.isEmpty {
                    out.append(
                        context.finding(
                            Self.description, service.object, at: selector.node,
                            message:
                                "\(service.object.displayName) selects \(Self.describe(selector)), which no pod in the set carries"
                        ))
                    continue
                }
                out += portFindings(service, matched: matched, context: context)
            }
            for budget in set.disruptionBudgets where !budget.selector.isEmpty {
                if set.workloads(selectedBy: budget.selector, near: budget.object).isEmpty {
                    out.append(
                        context.finding(
                            Self.description, budget.object, at: budget.selector.node,
                            message:
                                "\(budget.object.displayName) selects \(Self.describe(budget.selector)), which no pod in the set carries: it protects nothing"
                        ))
                }
            }
            for policy in set.networkPolicies where !policy.podSelector.isEmpty {
                if set.workloads(selectedBy: policy.podSelector, near: policy.object).isEmpty {
                    out.append(
                        context.finding(
                            Self.description, policy.object, at: policy.podSelector.node,
                            message:
                                "\(policy.object.displayName) selects \(Self.describe(policy.podSelector)), which no pod in the set carries"
                        ))
                }
            }
            for autoscaler in set.autoscalers {
                guard let kind = autoscaler.targetKind, let name = autoscaler.targetName else { continue }
                if set.object(kind: kind, named: name, near: autoscaler.object) == nil {
                    out.append(
                        context.finding(
                            Self.description, autoscaler.object, at: autoscaler.targetNode,
                            message: "\(autoscaler.object.displayName) scales \(kind)/\(name), which is not in the set")
                    )
                }
            }
        }
        // Probe ports naming no container port.
        for (object, pod) in context.pods {
            for container in pod.containers {
                for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
                    guard let node = container.node[probe] else { continue }
                    for handler in ["httpGet", "tcpSocket", "grpc"] {
                        guard let port = node.at(handler, "port"), let name = port.string, Int(name) == nil else {
                            continue
                        }
                        if !container.ports.contains(where: { $0.name == name }) {
                            out.append(
                                context.finding(
                                    Self.description, object, at: port,
                                    message:
                                        "the \(probe) of container '\(container.name)' names port '\(name)', which the container does not declare",
                                    container: container.name))
                        }
                    }
                }
            }
        }
        out += accountFindings(context)
        out += routeFindings(context)
        // Ingress backends naming missing Services or ports.
        if !set.services.isEmpty {
            for ingress in set.ingresses {
                for backend in ingress.backends {
                    guard
                        let service = set.services.first(where: {
                            $0.object.name == backend.service && $0.object.sharesNamespace(with: ingress.object)
                        })
                    else {
                        out.append(
                            context.finding(
                                Self.description, ingress.object,
                                at: backend.node["service"] ?? backend.node["serviceName"] ?? backend.node,
                                message:
                                    "\(ingress.object.displayName) routes to Service '\(backend.service)', which is not in the set"
                            ))
                        continue
                    }
                    guard let port = backend.port else { continue }
                    let exposes = service.ports.contains { servicePort in
                        if let number = port.int { return servicePort.port == number }
                        return servicePort.name == port.string
                    }
                    if !exposes {
                        out.append(
                            context.finding(
                                Self.description, ingress.object,
                                at: backend.node["service"] ?? backend.node["serviceName"] ?? backend.node,
                                message:
                                    "\(ingress.object.displayName) routes to port \(port.string ?? "?") of Service '\(backend.service)', which does not expose it"
                            ))
                    }
                }
            }
            // Service hostnames in ConfigMaps.
            let names = Set(set.services.compactMap(\.object.name))
            for line in KubernetesScan.configMapLines(set) {
                for host in KubernetesScan.urlHosts(in: line.text) {
                    guard let service = Self.clusterServiceName(host), !names.contains(service) else { continue }
                    out.append(
                        context.finding(
                            Self.description, line.object, at: line.reportNode,
                            message:
                                "'\(line.key)' in \(line.object.displayName) names host '\(host)', but no Service '\(service)' is in the set"
                        ))
                }
            }
        }
        return out
    }

    /// Pods, RoleBindings and subjects naming ServiceAccounts or Roles the set does not hold, judged
    /// only when the set holds objects of that kind.
    func accountFindings(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        var out: [KubernetesFinding] = []
        let accounts = set.objects(ofKind: "ServiceAccount")
        if !accounts.isEmpty {
            for (object, pod) in context.pods {
                guard let node = pod.spec["serviceAccountName"], let name = node.string, name != "default" else {
                    continue
                }
                if set.object(kind: "ServiceAccount", named: name, near: object) == nil {
                    out.append(
                        context.finding(
                            Self.description, object, at: node,
                            message: "\(object.displayName) runs as ServiceAccount '\(name)', which is not in the set"))
                }
            }
        }
        for binding in set.roleBindings {
            if let kind = binding.roleKind, let name = binding.roleName, !set.objects(ofKind: kind).isEmpty,
                set.object(kind: kind, named: name, near: binding.object) == nil
            {
                out.append(
                    context.finding(
                        Self.description, binding.object, at: binding.object.root.at("roleRef", "name"),
                        message: "\(binding.object.displayName) grants \(kind) '\(name)', which is not in the set"))
            }
            guard !accounts.isEmpty else { continue }
            for subject in binding.subjects where subject["kind"]?.string == "ServiceAccount" {
                guard let node = subject["name"], let name = node.string else { continue }
                let namespace = subject["namespace"]?.string ?? binding.object.namespace
                let found = accounts.contains {
                    $0.name == name && (namespace == nil || $0.namespace == nil || $0.namespace == namespace)
                }
                if !found {
                    out.append(
                        context.finding(
                            Self.description, binding.object, at: node,
                            message:
                                "\(binding.object.displayName) binds ServiceAccount '\(name)', which is not in the set")
                    )
                }
            }
        }
        return out
    }

    /// Gateway API routes naming a Gateway, listener, Service or port the set does not hold.
    func routeFindings(_ context: KubernetesContext) -> [KubernetesFinding] {
        let set = context.set
        var out: [KubernetesFinding] = []
        let routeKinds: Set<String> = ["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"]
        let gateways = set.objects(ofKind: "Gateway")
        for route in set.objects where routeKinds.contains(route.kind) && route.group == "gateway.networking.k8s.io" {
            for parent in route.spec?["parentRefs"]?.items ?? []
            where (parent["kind"]?.string ?? "Gateway") == "Gateway" {
                guard !gateways.isEmpty, let name = parent["name"]?.string else { continue }
                let namespace = parent["namespace"]?.string ?? route.namespace
                guard let gateway = gateways.first(where: { $0.name == name && $0.sharesNamespace(namespace) }) else {
                    out.append(
                        context.finding(
                            Self.description, route, at: parent["name"],
                            message: "\(route.displayName) attaches to Gateway '\(name)', which is not in the set"))
                    continue
                }
                if let section = parent["sectionName"], let sectionName = section.string {
                    let listeners = (gateway.spec?["listeners"]?.items ?? []).compactMap { $0["name"]?.string }
                    if !listeners.contains(sectionName) {
                        out.append(
                            context.finding(
                                Self.description, route, at: section,
                                message:
                                    "\(route.displayName) attaches to listener '\(sectionName)' of Gateway '\(name)', which has \(listeners.joined(separator: ", "))"
                            ))
                    }
                }
            }
            guard !set.services.isEmpty else { continue }
            for rule in route.spec?["rules"]?.items ?? [] {
                for backend in rule["backendRefs"]?.items ?? [] {
                    guard (backend["kind"]?.string ?? "Service") == "Service", (backend["group"]?.string ?? "") == "",
                        let name = backend["name"]?.string
                    else { continue }
                    let namespace = backend["namespace"]?.string ?? route.namespace
                    guard
                        let service = set.services.first(where: {
                            $0.object.name == name && $0.object.sharesNamespace(namespace)
                        })
                    else {
                        out.append(
                            context.finding(
                                Self.description, route, at: backend["name"],
                                message: "\(route.displayName) routes to Service '\(name)', which is not in the set"))
                        continue
                    }
                    if let port = backend["port"], let number = port.int,
                        !service.ports.contains(where: { $0.port == number })
                    {
                        out.append(
                            context.finding(
                                Self.description, route, at: port,
                                message:
                                    "\(route.displayName) routes to port \(number) of Service '\(name)', which does not expose it"
                            ))
                    }
                }
            }
        }
        return out
    }

    /// Named target ports that no selected container declares. A numeric target port reaches
    /// whatever listens there, declared or not (container ports are informational), so it is
    /// never judged: WSO2's charts route 9021 and 9099 to servers that listen without declaring them.
    func portFindings(_ service: ServiceView, matched: [KubernetesObject], context: KubernetesContext)
        -> [KubernetesFinding]
    {
        var out: [KubernetesFinding] = []
        let containers = matched.compactMap(\.pod).flatMap(\.containers)
        for port in service.ports {
            guard let target = port.targetPort else { continue }
            if containers.contains(where: { $0.declaresPort(target) }) { continue }
            let isName = target.int == nil && target.string.flatMap(Int.init) == nil
            guard isName else { continue }
            out.append(
                context.finding(
                    Self.description, service.object, at: target,
                    message:
                        "\(service.object.displayName) targets port \(target.string ?? "?"), which no selected container declares"
                ))
        }
        return out
    }

    /// The Service a cluster-internal host names: `svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`,
    /// or `pod.svc.ns.svc.cluster.local`; nil for external hosts and IPs.
    static func clusterServiceName(_ host: String) -> String? {
        let labels = host.split(separator: ".").map(String.init)
        guard let first = labels.first, first.first?.isLetter == true else { return nil }
        if labels.count == 1 { return first == "localhost" ? nil : first }
        if let svc = labels.firstIndex(of: "svc"), svc >= 2, labels[svc...].joined(separator: ".").hasPrefix("svc") {
            let rest = labels[(svc + 1)...].joined(separator: ".")
            guard rest.isEmpty || rest == "cluster.local" else { return nil }
            return labels[svc - 2]
        }
        if labels.count == 2, !labels[1].contains(where: \.isNumber),
            !["com", "org", "net", "io", "dev", "local"].contains(labels[1])
        {
            return first
        }
        return nil
    }

    static func describe(_ selector: LabelSelector) -> String {
        let labels = selector.matchLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let expressions = selector.expressions.map { "\($0.key) \($0.op) \($0.values)" }
        return (labels + expressions).joined(separator: ", ")
    }
}

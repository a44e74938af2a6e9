import BerthCore
import Kubernetes

/// Privileges a container or pod does not need.
public struct PrivilegeRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-privilege", practice: .leastPrivilege, severity: .error, target: .kubernetes,
        summary: "a pod or container holds privileges it should drop",
        rationale: """
            The practice "Drop privileges where necessary" (least-privilege): privileged mode, \
            privilege escalation, added capabilities, host namespaces, hostPath volumes and an \
            unconfined seccomp profile each give a compromised container a way onto the node \
            (errors). A container that does not set allowPrivilegeEscalation: false, drop ALL \
            capabilities (the name is case-sensitive: `all` drops nothing) and run under a seccomp \
            profile keeps defaults it rarely needs (a warning). RBAC roles granting `*` are flagged too.
            """,
        fix:
            "Set allowPrivilegeEscalation: false, capabilities.drop: [ALL], seccompProfile.type: RuntimeDefault; remove privileged, host namespaces, hostPath and wildcard RBAC.",
        triggering: [
            RuleExample(
                """
                apiVersion: apps/v1
                kind: DaemonSet
                metadata:
                  name: agent
                spec:
                  selector:
                    matchLabels: {app: agent}
                  template:
                    metadata:
                      labels: {app: agent}
                    spec:
                ↓      hostPID: true
                      containers:
                        - name: agent
                          image: registry.example.com/agent:1.0
                ↓          securityContext:
                ↓            privileged: true
                            capabilities:
                ↓              add: [SYS_ADMIN]
                ↓              drop: [all]
                          volumeMounts:
                            - {name: root, mountPath: /host}
                      volumes:
                        - name: root
                ↓          hostPath: {path: /}
                """),
            RuleExample(
                """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata:
                  name: ops
                rules:
                  - apiGroups: [""]
                    resources: [pods]
                ↓    verbs: ["*"]
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
                      securityContext:
                        seccompProfile: {type: RuntimeDefault}
                      containers:
                        - name: api
                          image: registry.example.com/api:1.0
                          securityContext:
                            allowPrivilegeEscalation: false
                            capabilities:
                              drop: [ALL]
                              add: [NET_BIND_SERVICE]
                """)
        ])

    public init() {}

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        var out: [KubernetesFinding] = []
        for (object, pod) in context.pods {
            for key in ["hostNetwork", "hostPID", "hostIPC"] {
                if let node = pod.spec[key], node.bool == true {
                    out.append(
                        context.finding(
                            Self.description, object, at: node,
                            message: "\(object.displayName) shares the node's namespace (\(key): true)"))
                }
            }
            for volume in pod.volumes where volume.source == "hostPath" {
                out.append(
                    context.finding(
                        Self.description, object, at: volume.sourceNode,
                        message:
                            "volume '\(volume.name)' of \(object.displayName) mounts the node's filesystem (hostPath \(volume.sourceNode?["path"]?.string ?? ""))"
                    ))
            }
            let podSeccomp = pod.spec.at("securityContext", "seccompProfile", "type")
            if let podSeccomp, podSeccomp.string == "Unconfined" {
                out.append(
                    context.finding(
                        Self.description, object, at: podSeccomp,
                        message: "\(object.displayName) runs unconfined by seccomp"))
            }
            for container in pod.allContainers {
                out += check(container, object: object, podSeccomp: podSeccomp, context: context)
            }
        }
        for role in context.set.roles {
            for rule in role.rules {
                for key in ["verbs", "resources", "apiGroups"] {
                    guard let node = rule[key], node.items.contains(where: { $0.string == "*" }) else { continue }
                    out.append(
                        context.finding(
                            Self.description, role.object, at: node,
                            message: "\(role.object.displayName) grants every \(key.dropLast()) (\"*\")"))
                }
            }
        }
        return out
    }

    func check(_ container: Container, object: KubernetesObject, podSeccomp: ManifestNode?, context: KubernetesContext)
        -> [KubernetesFinding]
    {
        var out: [KubernetesFinding] = []
        func add(_ node: ManifestNode?, _ message: String, _ severity: Severity? = nil) {
            out.append(
                context.finding(
                    Self.description, object, at: node, message: "container '\(container.name)' \(message)",
                    container: container.name,
                    severity: severity))
        }
        let security = container.node["securityContext"]
        if let node = security?["privileged"], node.bool == true { add(node, "runs privileged") }
        let escalation = security?["allowPrivilegeEscalation"]
        if let escalation, escalation.bool == true { add(escalation, "allows privilege escalation") }
        let added = security?.at("capabilities", "add")?.items.compactMap(\.string) ?? []
        let risky = added.filter { $0 != "NET_BIND_SERVICE" }
        if !risky.isEmpty {
            add(security?.at("capabilities", "add"), "adds capabilities \(risky.joined(separator: ", "))")
        }
        let dropNode = security?.at("capabilities", "drop")
        let dropped = dropNode?.items.compactMap(\.string) ?? []
        if let dropNode, !dropped.contains("ALL") {
            let wrongCase = dropped.first { $0.uppercased() == "ALL" }
            add(
                dropNode,
                wrongCase.map { "drops '\($0)', which matches no capability: the name is ALL" }
                    ?? "does not drop ALL capabilities")
        }
        let seccomp = security?.at("seccompProfile", "type")
        if let seccomp, seccomp.string == "Unconfined" { add(seccomp, "runs unconfined by seccomp") }
        // Hardening left at defaults: one warning naming what is missing.
        var missing: [String] = []
        if escalation == nil && security?["privileged"]?.bool != true {
            missing.append("allowPrivilegeEscalation: false")
        }
        if dropNode == nil { missing.append("capabilities.drop: [ALL]") }
        if seccomp == nil && podSeccomp == nil { missing.append("seccompProfile") }
        if !missing.isEmpty {
            add(
                security ?? container.node["name"] ?? container.node, "does not set \(missing.joined(separator: ", "))",
                .warning)
        }
        return out
    }
}

import BerthCore
import Kubernetes

/// What a set of manifests can settle about the cluster it is applied to. A set of files is not a
/// whole cluster: it may name namespaces, roles and storage classes the cluster provides, and it may
/// hold alternatives (the same kind, namespace and name in several files) that are never applied
/// together. Cross-object rules ask the scope before judging a reference.
public struct KubernetesScope: Sendable {
    /// Kind, namespace (as written) and name: what the API server keys an object by.
    public struct Identity: Hashable, Sendable {
        public var kind: String
        public var namespace: String?
        public var name: String

        public init?(_ object: KubernetesObject) {
            guard let name = object.name else { return nil }
            kind = object.kind
            namespace = object.namespace
            self.name = name
        }
    }

    /// The namespaces the set holds: written on an object, or defined by a Namespace object.
    public let namespaces: Set<String>
    /// The namespaces (as written; nil is the namespace the set is applied to) of pod-bearing objects.
    private let podNamespaces: Set<String?>
    /// The namespace and directory of each pod-bearing object.
    private let podDirectories: [(namespace: String?, directory: String)]
    /// Identities with copies in more than one file, with the files in order of first appearance.
    public let duplicates: [Identity: [String]]

    /// The directories of inputs that could not be read: an object there may be what a reference
    /// from the same directory names.
    private let unreadableDirectories: Set<String>

    public init(_ set: ManifestSet, unreadable: [String] = []) {
        unreadableDirectories = Set(unreadable.map(Self.directory))
        var namespaces = Set(set.objects.compactMap(\.namespace))
        for object in set.objects where object.kind == "Namespace" {
            if let name = object.name { namespaces.insert(name) }
        }
        self.namespaces = namespaces
        podNamespaces = Set(set.workloads.map(\.namespace))
        var seen: Set<String> = []
        podDirectories = set.workloads.compactMap { workload in
            let directory = Self.directory(workload.file)
            guard seen.insert("\(workload.namespace ?? "")\u{0}\(workload.namespace == nil)\u{0}\(directory)").inserted
            else { return nil }
            return (workload.namespace, directory)
        }
        var files: [Identity: [String]] = [:]
        for object in set.objects {
            guard let identity = Identity(object) else { continue }
            if !(files[identity]?.contains(object.file) ?? false) { files[identity, default: []].append(object.file) }
        }
        duplicates = files.filter { $0.value.count > 1 }
    }

    /// The directory part of a path (empty for a file at the top).
    static func directory(_ file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "" }
        return String(file[..<slash])
    }

    /// True when a reference from `referrer` that finds nothing can be settled: no input beside it
    /// (in its directory) failed to read, since the object it names may be in that file.
    public func canSettleMissing(from referrer: KubernetesObject) -> Bool {
        !unreadableDirectories.contains(Self.directory(referrer.file))
    }

    /// True when the set holds `namespace`, so a reference into it can be settled.
    public func contains(namespace: String) -> Bool { namespaces.contains(namespace) }

    /// True when the set holds a pod-bearing object in `object`'s namespace, so a selector of `object`
    /// matching no pod is a defect of the set rather than a workload installed elsewhere. The
    /// namespace is the one written (both unset counts); an object that writes none and one that
    /// writes it are taken to share it only in one directory (a rendered chart writes its release
    /// namespace on some objects and none on others).
    public func holdsPods(inNamespaceOf object: KubernetesObject) -> Bool {
        if podNamespaces.contains(object.namespace) { return true }
        let directory = Self.directory(object.file)
        return podDirectories.contains {
            ($0.namespace == nil || object.namespace == nil) && $0.directory == directory
        }
    }

    /// True when `object` has copies with the same kind, namespace and name in other files.
    public func isDuplicated(_ object: KubernetesObject) -> Bool {
        Identity(object).map { duplicates[$0] != nil } ?? false
    }

    /// Of `candidates`, the copies `referrer` means: where an identity has copies in several files,
    /// only the nearest ones (the referrer's own file, else the longest shared directory). Each
    /// file's copy is judged apart, so a reference never counts one object twice.
    public func nearest(_ candidates: [KubernetesObject], to referrer: KubernetesObject) -> [KubernetesObject] {
        var groups: [Identity: [KubernetesObject]] = [:]
        var order: [Identity] = []
        var unnamed: [KubernetesObject] = []
        for candidate in candidates {
            guard let identity = Identity(candidate) else {
                unnamed.append(candidate)
                continue
            }
            if groups[identity] == nil { order.append(identity) }
            groups[identity, default: []].append(candidate)
        }
        var out: [KubernetesObject] = []
        for identity in order {
            let copies = groups[identity] ?? []
            guard Set(copies.map(\.file)).count > 1 else {
                out += copies
                continue
            }
            let closeness = copies.map { Self.closeness(referrer.file, $0.file) }
            let best = closeness.max() ?? 0
            // Equally near copies in different files are still alternatives: keep the first.
            if let first = copies.indices.first(where: { closeness[$0] == best }) {
                out += copies.filter { $0.file == copies[first].file }
            }
        }
        return out + unnamed
    }

    /// How near two files are: the same file beats any shared directory; else the number of leading
    /// path components they share.
    static func closeness(_ a: String, _ b: String) -> Int {
        if a == b { return Int.max }
        let left = a.split(separator: "/").dropLast()
        let right = b.split(separator: "/").dropLast()
        return zip(left, right).prefix { $0 == $1 }.count
    }

    /// True when `a` and `b` are the same object of the set (not merely copies of one identity).
    public static func same(_ a: KubernetesObject, _ b: KubernetesObject) -> Bool {
        a.file == b.file && a.document == b.document && a.root.line == b.root.line && a.root.column == b.root.column
    }

    /// `Kind/name`, with its file when it is not `referrer`'s, for messages citing another object.
    public func cite(_ object: KubernetesObject, from referrer: KubernetesObject) -> String {
        object.file == referrer.file ? object.displayName : "\(object.displayName) (\(object.file))"
    }

    /// The ClusterRoles every cluster provides: `system:*`, `cluster-admin`, `admin`, `edit`, `view`.
    public static func isBuiltInClusterRole(_ name: String) -> Bool {
        name.hasPrefix("system:") || ["cluster-admin", "admin", "edit", "view"].contains(name)
    }

    /// The Roles a cluster creates in its own namespaces (`kube-system`, `kube-public`):
    /// `system:*` and `extension-apiserver-authentication-reader`.
    public static func isBuiltInRole(_ name: String, namespace: String?) -> Bool {
        guard let namespace, namespace.hasPrefix("kube-") else { return false }
        return name.hasPrefix("system:") || name == "extension-apiserver-authentication-reader"
    }

    /// The StorageClass names clusters and their cloud providers ship (`standard` on kind, minikube and
    /// GKE; `gp2` on EKS; `managed-csi` on AKS; `local-path` on k3s), judged only when the set defines them.
    public static let clusterStorageClasses: Set<String> = [
        "standard", "standard-rwo", "standard-rwx", "premium-rwo", "premium-rwx", "default", "gp2", "gp3", "gp2-csi",
        "gp3-csi", "io1", "io2", "sc1", "st1", "efs-sc", "managed", "managed-csi", "managed-csi-premium",
        "managed-premium", "azurefile", "azurefile-csi", "azurefile-csi-premium", "azurefile-premium", "hostpath",
        "local-path", "local-storage", "openebs-hostpath", "longhorn", "rook-ceph-block", "ceph-filesystem",
        "nfs-client", "do-block-storage", "oci-bv", "ibmc-block-gold", "thin", "thin-csi", "csi-hostpath-sc",
    ]
}

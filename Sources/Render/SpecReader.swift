import Foundation
import YAMLSupport
import Yams

extension RenderSpec {
    /// Reads `berth.yaml`, reporting every problem at once.
    public static func parse(_ text: String, file: String) throws(SpecErrors) -> RenderSpec {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// Reads `berth.yaml` from its bytes (through the guarded YAML reader), reporting every problem at once.
    public static func parse(bytes: [UInt8], file: String) throws(SpecErrors) -> RenderSpec {
        var reader = SpecReader(file: file)
        let spec = reader.read(bytes)
        if !reader.errors.isEmpty { throw SpecErrors(items: reader.errors) }
        return spec
    }
}

struct SpecReader {
    let file: String
    var errors: [SpecErrors.Item] = []

    mutating func fail(_ node: Node?, _ message: String) {
        errors.append(
            SpecErrors.Item(file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1, message: message))
    }

    /// The mapping's entries; unknown keys are reported.
    mutating func entries(_ node: Node, path: String, known: [String]) -> [String: Node] {
        guard let mapping = node.mapping else {
            fail(node, "\(path) must be a mapping")
            return [:]
        }
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                fail(keyNode, "keys under \(path) must be strings")
                continue
            }
            if !known.contains(key) {
                fail(keyNode, "unknown key '\(key)' under \(path) (known: \(known.joined(separator: ", ")))")
                continue
            }
            result[key] = value
        }
        return result
    }

    mutating func string(_ node: Node?, _ path: String) -> String? {
        guard let node else { return nil }
        guard let scalar = node.scalar, node.tag.description != "tag:yaml.org,2002:null" else {
            fail(node, "\(path) must be a string")
            return nil
        }
        if scalar.string.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            fail(node, "\(path) must be one line without control characters")
            return nil
        }
        return scalar.string
    }

    /// A DNS-1123 subdomain (Kubernetes object and host names): lower-case alphanumeric labels with
    /// inner '-', joined by '.', at most 253 characters; `wildcard` allows a leading `*.`.
    mutating func hostName(_ node: Node?, _ path: String, wildcard: Bool = false) -> String? {
        guard let value = string(node, path) else { return nil }
        var name = Substring(value)
        if wildcard, name.hasPrefix("*.") { name = name.dropFirst(2) }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid =
            !name.isEmpty && value.count <= 253
            && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                    && label.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
            }
        if !valid {
            fail(
                node,
                "\(path) '\(value.prefix(80))' must be a DNS name: lower-case letters, digits, '-' and '.', labels of at most 63"
            )
        }
        return valid ? value : nil
    }

    /// A Kubernetes resource quantity (`1Gi`, `500M`, `1.5e3`), as the API server's grammar accepts it.
    mutating func quantity(_ node: Node?, _ path: String) -> String? {
        guard let value = string(node, path) else { return nil }
        if Self.isQuantity(value) { return value }
        fail(node, "\(path) '\(value.prefix(80))' must be a Kubernetes quantity such as 1Gi, 500Mi or 10G")
        return nil
    }

    /// `<digits>[.<digits>](<binary suffix>|<decimal suffix>|e<int>|E<int>)`, with at least one digit.
    static func isQuantity(_ text: String) -> Bool {
        var rest = Substring(text)
        if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
        let integer = rest.prefix { $0.isASCII && $0.isNumber }
        rest = rest.dropFirst(integer.count)
        var fraction = Substring("")
        if rest.first == "." {
            rest = rest.dropFirst()
            fraction = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(fraction.count)
        }
        guard !(integer.isEmpty && fraction.isEmpty) else { return false }
        let suffixes: Set<Substring> = [
            "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E",
        ]
        if suffixes.contains(rest) { return true }
        if rest.first == "e" || rest.first == "E" {
            var exponent = rest.dropFirst()
            if exponent.first == "+" || exponent.first == "-" { exponent = exponent.dropFirst() }
            return !exponent.isEmpty && exponent.allSatisfy { $0.isASCII && $0.isNumber }
        }
        return false
    }

    mutating func int(_ node: Node?, _ path: String, range: ClosedRange<Int>) -> Int? {
        guard let node else { return nil }
        guard let text = node.scalar?.string, let value = Int(text) else {
            fail(node, "\(path) must be a whole number")
            return nil
        }
        guard range.contains(value) else {
            fail(node, "\(path) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node?, _ path: String) -> Bool? {
        guard let node else { return nil }
        switch node.scalar?.string {
        case "true": return true
        case "false": return false
        default:
            fail(node, "\(path) must be true or false")
            return nil
        }
    }

    mutating func dnsName(_ node: Node?, _ path: String) -> String? {
        guard let value = string(node, path) else { return nil }
        let valid =
            !value.isEmpty && value.count <= 63 && value.first!.isLetter
            && value.allSatisfy { ($0.isLowercase && $0.isASCII) || $0.isNumber || $0 == "-" } && value.last != "-"
        if !valid {
            fail(node, "\(path) '\(value)' must be a DNS label: lower-case letters, digits and '-', at most 63")
        }
        return valid ? value : nil
    }

    mutating func read(_ bytes: [UInt8]) -> RenderSpec {
        var spec = RenderSpec()
        let root: Node?
        do {
            root = try GuardedYAML.document(bytes, file: file)
        } catch {
            errors.append(
                SpecErrors.Item(
                    file: file, line: error.location.line, column: error.location.column, message: error.reason))
            return spec
        }
        guard let root else {
            fail(
                nil,
                "the spec is empty: write one with berth init, or run berth render without --spec for the built-in default"
            )
            return spec
        }
        let top = entries(root, path: "the document", known: ["apiVersion", "kind", "metadata", "spec"])
        if let version = string(top["apiVersion"], "apiVersion") {
            if version != RenderSpec.apiVersion {
                fail(top["apiVersion"], "apiVersion must be \(RenderSpec.apiVersion), not '\(version)'")
            }
        } else {
            fail(root, "apiVersion: \(RenderSpec.apiVersion) is required")
        }
        if let kind = string(top["kind"], "kind"), kind != "Deployment" {
            fail(top["kind"], "kind must be Deployment, not '\(kind)'")
        }
        if let metadata = top["metadata"] {
            let fields = entries(metadata, path: "metadata", known: ["name"])
            if let name = dnsName(fields["name"], "metadata.name") { spec.name = name }
        }
        guard let specNode = top["spec"] else { return spec }
        let fields = entries(
            specNode, path: "spec",
            known: [
                "pattern", "namespace", "products", "images", "distribution", "components", "database", "storage",
                "ingress", "observability", "networkPolicies", "registry",
            ])
        if let node = fields["pattern"], let value = string(node, "spec.pattern") {
            if let pattern = Pattern(rawValue: value) {
                spec.pattern = pattern
            } else {
                fail(
                    node,
                    "spec.pattern '\(value)' is not a pattern (\(Pattern.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
        }
        if let namespace = dnsName(fields["namespace"], "spec.namespace") { spec.namespace = namespace }
        if let products = fields["products"] {
            let entries = entries(products, path: "spec.products", known: ["apim", "is"])
            for (product, node) in entries {
                let productFields = self.entries(node, path: "spec.products.\(product)", known: ["version"])
                if let version = string(productFields["version"], "spec.products.\(product).version") {
                    let parts = version.split(separator: ".")
                    let major = Int(parts.first ?? "") ?? 0
                    if parts.count != 3 || parts.contains(where: { Int($0) == nil }) {
                        fail(
                            productFields["version"],
                            "spec.products.\(product).version '\(version)' must be major.minor.patch")
                    } else if product == "apim", major != 4 {
                        fail(productFields["version"], "API Manager \(version) is not supported: 4.x only")
                    } else if product == "is", major != 7 {
                        fail(productFields["version"], "Identity Server \(version) is not supported: 7.x only")
                    } else if product == "apim" {
                        spec.apimVersion = version
                    } else {
                        spec.isVersion = version
                    }
                }
            }
        }
        if let images = fields["images"] {
            let entries = entries(
                images, path: "spec.images", known: ["registry", "os", "jdk", "base", "baseDigest", "pullSecret"])
            if let registry = string(entries["registry"], "spec.images.registry") {
                if registry.isEmpty || registry.contains(" ") || registry.hasSuffix("/") {
                    fail(
                        entries["registry"],
                        "spec.images.registry '\(registry)' is not a registry path like registry.example.com/wso2")
                } else {
                    spec.registry = registry
                }
            }
            if let node = entries["os"], let value = string(node, "spec.images.os") {
                if let os = RenderSpec.OS(rawValue: value) {
                    spec.os = os
                } else {
                    fail(node, "spec.images.os must be ubuntu, alpine or rocky")
                }
            }
            if let jdk = int(entries["jdk"], "spec.images.jdk", range: 1...99) {
                if [17, 21, 25].contains(jdk) {
                    spec.jdk = jdk
                } else {
                    fail(entries["jdk"], "spec.images.jdk must be an LTS release: 17, 21 or 25")
                }
            }
            if let base = string(entries["base"], "spec.images.base") {
                if !base.contains(":") || base.hasSuffix(":latest") {
                    fail(entries["base"], "spec.images.base '\(base)' must name a specific tag (and best a baseDigest)")
                } else {
                    spec.baseImage = base
                }
            }
            if let digest = string(entries["baseDigest"], "spec.images.baseDigest") {
                let hex = digest.dropFirst("sha256:".count)
                if digest.hasPrefix("sha256:"), hex.count == 64, hex.allSatisfy(\.isHexDigit) {
                    spec.baseDigest = digest
                } else {
                    fail(entries["baseDigest"], "spec.images.baseDigest must be sha256: followed by 64 hex digits")
                }
            }
            if let node = entries["pullSecret"] {
                if node.tag.description == "tag:yaml.org,2002:null" {
                    spec.pullSecret = nil
                } else if let secret = dnsName(node, "spec.images.pullSecret") {
                    spec.pullSecret = secret
                }
            }
        }
        let componentNames = Catalog.components(for: spec).map(\.name)
        if let distribution = fields["distribution"] {
            let knownImages = Catalog.allImageNames
            let entries = entries(distribution, path: "spec.distribution", known: knownImages)
            for (image, node) in entries {
                let path = "spec.distribution.\(image)"
                let source = self.entries(node, path: path, known: ["file", "url", "sha256"])
                var item = RenderSpec.Distribution()
                item.file = string(source["file"], "\(path).file")
                item.url = string(source["url"], "\(path).url")
                item.sha256 = string(source["sha256"], "\(path).sha256")
                if item.file != nil, item.url != nil {
                    fail(node, "\(path): give either file or url, not both")
                } else if let url = item.url {
                    if !url.hasPrefix("https://") { fail(source["url"], "\(path).url must be an https:// URL") }
                    if let sha = item.sha256 {
                        if sha.count != 64 || !sha.allSatisfy(\.isHexDigit) {
                            fail(source["sha256"], "\(path).sha256 must be 64 hex digits")
                        }
                    } else {
                        fail(node, "\(path): a url needs its sha256 (the download is verified)")
                    }
                } else if let file = item.file {
                    if !file.hasSuffix(".zip") || file.contains("/") {
                        fail(source["file"], "\(path).file must be a .zip file name in the build context")
                    }
                } else {
                    fail(node, "\(path) needs a file or a url with sha256")
                }
                spec.distribution[image] = item
            }
        }
        if let components = fields["components"] {
            // The key manager by pattern: Identity Server exists only in apim-is-km, and there it
            // cannot be switched off (gateways and the control plane validate tokens against it).
            for (keyNode, value) in components.mapping ?? [:] where keyNode.scalar?.string == "identity-server" {
                if spec.pattern != .apimISKM {
                    fail(
                        keyNode,
                        "spec.components.identity-server: pattern \(spec.pattern.rawValue) has no Identity Server; Identity Server as key manager is pattern apim-is-km"
                    )
                } else if let replicas = value.mapping?["replicas"], let count = Int(replicas.scalar?.string ?? ""),
                    count < 1
                {
                    fail(
                        replicas,
                        "spec.components.identity-server.replicas: pattern apim-is-km needs its key manager running (at least 1 replica, not \(count))"
                    )
                }
            }
            let known = componentNames + (spec.pattern == .apimISKM ? [] : ["identity-server"])
            let entries = entries(components, path: "spec.components", known: known)
            for (name, node) in entries {
                let path = "spec.components.\(name)"
                let settings = self.entries(node, path: path, known: ["replicas", "autoscaling", "cpu", "memory"])
                var item = RenderSpec.ComponentSettings()
                if name == "identity-server" && spec.pattern != .apimISKM { continue }
                let replicas = settings["replicas"]
                let keyManagerOff =
                    name == "identity-server"
                    && replicas.flatMap { Int($0.scalar?.string ?? "") }.map { $0 < 1 } == true
                item.replicas = keyManagerOff ? nil : int(replicas, "\(path).replicas", range: 1...50)
                item.cpu = string(settings["cpu"], "\(path).cpu")
                item.memory = string(settings["memory"], "\(path).memory")
                if let scaling = settings["autoscaling"] {
                    let values = self.entries(
                        scaling, path: "\(path).autoscaling", known: ["minReplicas", "maxReplicas", "cpuUtilization"])
                    let minimum = int(values["minReplicas"], "\(path).autoscaling.minReplicas", range: 1...100) ?? 2
                    let maximum = int(values["maxReplicas"], "\(path).autoscaling.maxReplicas", range: 1...100) ?? 4
                    let cpu = int(values["cpuUtilization"], "\(path).autoscaling.cpuUtilization", range: 10...95) ?? 75
                    if minimum > maximum {
                        fail(scaling, "\(path).autoscaling: minReplicas \(minimum) is above maxReplicas \(maximum)")
                    }
                    item.autoscaling = RenderSpec.Autoscaling(
                        minReplicas: minimum, maxReplicas: maximum, cpuUtilization: cpu)
                }
                spec.components[name] = item
            }
        }
        if let database = fields["database"] {
            let entries = entries(
                database, path: "spec.database",
                known: [
                    "type", "host", "port", "apimDatabase", "sharedDatabase", "identityDatabase", "credentialsSecret",
                ])
            if let node = entries["type"], let value = string(node, "spec.database.type") {
                if let type = RenderSpec.DatabaseType(rawValue: value) {
                    spec.databaseType = type
                } else {
                    fail(
                        node,
                        "spec.database.type must be mysql, postgresql, mssql or oracle (H2 is not a production database)"
                    )
                }
            }
            if let host = hostName(entries["host"], "spec.database.host") { spec.databaseHost = host }
            if let port = int(entries["port"], "spec.database.port", range: 1...65535) { spec.databasePort = port }
            if let value = string(entries["apimDatabase"], "spec.database.apimDatabase") { spec.apimDatabase = value }
            if let value = string(entries["sharedDatabase"], "spec.database.sharedDatabase") {
                spec.sharedDatabase = value
            }
            if let value = string(entries["identityDatabase"], "spec.database.identityDatabase") {
                spec.identityDatabase = value
            }
            if let value = dnsName(entries["credentialsSecret"], "spec.database.credentialsSecret") {
                spec.credentialsSecret = value
            }
        }
        if let storage = fields["storage"] {
            let entries = entries(storage, path: "spec.storage", known: ["storageClass", "size"])
            if let value = hostName(entries["storageClass"], "spec.storage.storageClass") { spec.storageClass = value }
            if let value = quantity(entries["size"], "spec.storage.size") { spec.storageSize = value }
        }
        if let ingress = fields["ingress"] {
            let entries = entries(ingress, path: "spec.ingress", known: ["className", "tlsSecret", "hosts"])
            if let value = hostName(entries["className"], "spec.ingress.className") { spec.ingressClass = value }
            if let value = dnsName(entries["tlsSecret"], "spec.ingress.tlsSecret") { spec.tlsSecret = value }
            if let hosts = entries["hosts"] {
                let names = self.entries(hosts, path: "spec.ingress.hosts", known: ["portal", "gateway", "identity"])
                if let value = hostName(names["portal"], "spec.ingress.hosts.portal", wildcard: true) {
                    spec.portalHost = value
                }
                if let value = hostName(names["gateway"], "spec.ingress.hosts.gateway", wildcard: true) {
                    spec.gatewayHost = value
                }
                if let value = hostName(names["identity"], "spec.ingress.hosts.identity", wildcard: true) {
                    spec.identityHost = value
                }
            }
        }
        if let observability = fields["observability"] {
            let entries = entries(
                observability, path: "spec.observability", known: ["logs", "prometheus", "jmxExporter"])
            if let logs = string(entries["logs"], "spec.observability.logs"), logs != "stdout" {
                fail(entries["logs"], "spec.observability.logs must be stdout (collected by the cluster's log agent)")
            }
            if let value = bool(entries["prometheus"], "spec.observability.prometheus") { spec.prometheus = value }
            if let node = entries["jmxExporter"] {
                let path = "spec.observability.jmxExporter"
                let source = self.entries(node, path: path, known: ["file", "url", "sha256"])
                var item = RenderSpec.Distribution()
                item.file = string(source["file"], "\(path).file")
                item.url = string(source["url"], "\(path).url")
                item.sha256 = string(source["sha256"], "\(path).sha256")
                if let file = item.file {
                    if !file.hasSuffix(".jar") || file.contains("/") {
                        fail(source["file"], "\(path).file must be a .jar file name in the build context")
                    }
                } else if let url = item.url {
                    if !url.hasPrefix("https://") { fail(source["url"], "\(path).url must be an https:// URL") }
                    if item.sha256.map({ $0.count == 64 && $0.allSatisfy(\.isHexDigit) }) != true {
                        fail(node, "\(path): a url needs its sha256 (64 hex digits)")
                    }
                } else {
                    fail(node, "\(path) needs a file or a url with sha256")
                }
                spec.jmxExporter = item
            }
            if spec.prometheus, spec.jmxExporter == nil {
                fail(
                    observability,
                    "spec.observability.prometheus needs spec.observability.jmxExporter (the agent jar that serves /metrics)"
                )
            }
        }
        if let value = bool(fields["networkPolicies"], "spec.networkPolicies") { spec.networkPolicies = value }
        if let node = fields["registry"] { readRegistry(node, into: &spec) }
        // Cross-field checks.
        let hosts = [spec.portalHost, spec.gatewayHost] + (spec.pattern == .apimISKM ? [spec.identityHost] : [])
        if Set(hosts).count != hosts.count {
            fail(
                fields["ingress"] ?? specNode, "spec.ingress.hosts must differ: each component needs its own host name")
        }
        let serviceNames = Catalog.components(for: spec).flatMap { component in
            [Names.service(spec, component)]
                + (0..<component.instances).map { Names.instanceService(spec, component, $0 + 1) }
        }
        var seen: Set<String> = []
        for service in serviceNames where !seen.insert(service).inserted {
            fail(specNode, "two components render the Service '\(service)'")
        }
        if serviceNames.contains(where: { $0.count > 63 }) {
            fail(
                fields["metadata"] ?? root, "metadata.name '\(spec.name)' makes Service names longer than 63 characters"
            )
        }
        return spec
    }
}

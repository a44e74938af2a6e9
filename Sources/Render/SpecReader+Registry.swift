import BerthCore
import Foundation
import Yams

extension SpecReader {
    /// `spec.registry`: `{enabled, image, host, storage: {size, storageClass}, resources: {cpu, memory},
    /// objectStore: {url, secret, redirect}, database: {url, secret}, replicas: {min, max, targetCPUUtilization}}`.
    mutating func readRegistry(_ node: Node, into spec: inout RenderSpec) {
        let fields = entries(
            node, path: "spec.registry",
            known: ["enabled", "image", "host", "storage", "resources", "objectStore", "database", "replicas"])
        let enabled = bool(fields["enabled"], "spec.registry.enabled") ?? true
        guard enabled else { return }
        guard let image = string(fields["image"], "spec.registry.image") else {
            fail(
                node,
                "spec.registry.image is required: the Berth image to run (for example one built by scripts/build-image.sh)"
            )
            return
        }
        let reference = ImageName(image)
        guard reference.isWellFormed, reference.digest != nil || (reference.tag != nil && reference.tag != "latest")
        else {
            fail(
                fields["image"],
                "spec.registry.image '\(image.prefix(120))' must name a tag other than latest, or a digest")
            return
        }
        var server = RenderSpec.RegistryServer(image: image)
        if let host = hostName(fields["host"], "spec.registry.host") { server.host = host }
        if let storage = fields["storage"] {
            let entries = entries(storage, path: "spec.registry.storage", known: ["size", "storageClass"])
            if let value = quantity(entries["size"], "spec.registry.storage.size") { server.storageSize = value }
            if let value = hostName(entries["storageClass"], "spec.registry.storage.storageClass") {
                server.storageClass = value
            }
        }
        if let resources = fields["resources"] {
            let entries = entries(resources, path: "spec.registry.resources", known: ["cpu", "memory"])
            if let value = quantity(entries["cpu"], "spec.registry.resources.cpu") { server.cpu = value }
            if let value = quantity(entries["memory"], "spec.registry.resources.memory") { server.memory = value }
        }
        readReplication(fields, into: &server)
        if [spec.portalHost, spec.gatewayHost, spec.identityHost].contains(server.host) {
            fail(fields["host"] ?? node, "spec.registry.host '\(server.host)' is already a product's Ingress host")
        }
        spec.registryServer = server
    }

    /// `objectStore`, `database` and `replicas`: together they run several replicas; one without
    /// the others is refused, since the replicas share content, locks and keys only through both.
    mutating func readReplication(_ fields: [String: Node], into server: inout RenderSpec.RegistryServer) {
        if let store = fields["objectStore"] { server.objectStore = readObjectStore(store) }
        if let database = fields["database"] { server.database = readDatabase(database) }
        var scaling = RenderSpec.Autoscaling(minReplicas: 2, maxReplicas: 6, cpuUtilization: 70)
        if let replicas = fields["replicas"] {
            let entries = entries(
                replicas, path: "spec.registry.replicas", known: ["min", "max", "targetCPUUtilization"])
            let minimum = int(entries["min"], "spec.registry.replicas.min", range: 2...100)
            let maximum = int(entries["max"], "spec.registry.replicas.max", range: 2...100)
            let cpu = int(
                entries["targetCPUUtilization"], "spec.registry.replicas.targetCPUUtilization", range: 10...95)
            scaling.minReplicas = minimum ?? scaling.minReplicas
            scaling.maxReplicas = maximum ?? max(scaling.maxReplicas, scaling.minReplicas)
            scaling.cpuUtilization = cpu ?? scaling.cpuUtilization
            if scaling.minReplicas > scaling.maxReplicas {
                fail(
                    entries["max"] ?? replicas,
                    "spec.registry.replicas: min \(scaling.minReplicas) is above max \(scaling.maxReplicas)")
            }
        }
        let store = fields["objectStore"]
        let database = fields["database"]
        switch (store, database) {
        case (.some, .some):
            server.autoscaling = scaling
        case (.some(let given), nil):
            fail(
                given,
                "spec.registry.objectStore needs spec.registry.database as well: replicas share their locks and token-signing key through PostgreSQL"
            )
        case (nil, .some(let given)):
            fail(
                given,
                "spec.registry.database needs spec.registry.objectStore as well: replicas share blobs and manifests through the object store"
            )
        case (nil, nil):
            if let replicas = fields["replicas"] {
                fail(
                    replicas,
                    "spec.registry.replicas needs spec.registry.objectStore and spec.registry.database: without them the storage root has a single writer and the registry runs one replica"
                )
            }
        }
    }

    /// `{url: s3://BUCKET[/PREFIX]?endpoint=URL&region=R&path-style=true, secret: NAME, redirect: false}`.
    mutating func readObjectStore(_ node: Node) -> RenderSpec.RegistryServer.ObjectStore? {
        let path = "spec.registry.objectStore"
        let fields = entries(node, path: path, known: ["url", "secret", "redirect"])
        let secret = secretName(
            fields["secret"], node, "\(path).secret", keys: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        let redirect = bool(fields["redirect"], "\(path).redirect") ?? false
        guard let urlNode = fields["url"] else {
            fail(node, "\(path).url is required: s3://BUCKET[/PREFIX]?endpoint=URL&region=R&path-style=true")
            return nil
        }
        guard let url = string(urlNode, "\(path).url") else { return nil }
        guard let port = objectStorePort(url, urlNode, "\(path).url"), let secret else { return nil }
        return RenderSpec.RegistryServer.ObjectStore(url: url, secret: secret, redirect: redirect, port: port)
    }

    /// Checks an `s3://` location as `berth registry serve` reads it and returns the endpoint's port.
    mutating func objectStorePort(_ url: String, _ node: Node, _ path: String) -> Int? {
        let form = "s3://BUCKET[/PREFIX]?endpoint=URL&region=R&path-style=true"
        guard url.hasPrefix("s3://") else {
            fail(node, "\(path) must be an S3 location, \(form)")
            return nil
        }
        guard !url.contains(where: { $0 == " " || $0 == "\"" || $0 == "\\" || $0 == "#" }) else {
            fail(node, "\(path) must not contain spaces, quotes, backslashes or '#'")
            return nil
        }
        let rest = url.dropFirst("s3://".count)
        let location = rest.prefix { $0 != "?" }
        let query = rest.dropFirst(location.count + 1)
        let bucket = location.prefix { $0 != "/" }
        let validBucket =
            (3...63).contains(bucket.count) && bucket.first != "." && bucket.first != "-" && bucket.last != "."
            && bucket.last != "-"
            && bucket.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "." || $0 == "-" }
        guard validBucket else {
            fail(node, "\(path) must name a bucket after s3:// (3-63 of a-z, 0-9, '.', '-'): \(form)")
            return nil
        }
        var port = 443
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let name = pair.prefix { $0 != "=" }
            let value = (pair.dropFirst(name.count + 1).removingPercentEncoding ?? "")
            switch name {
            case "endpoint":
                guard let endpoint = URLComponents(string: value), let scheme = endpoint.scheme?.lowercased(),
                    scheme == "http" || scheme == "https", endpoint.host?.isEmpty == false,
                    endpoint.path.isEmpty || endpoint.path == "/", endpoint.query == nil
                else {
                    fail(node, "\(path): endpoint must be the http(s) URL of a host, such as http://minio.storage:9000")
                    return nil
                }
                guard endpoint.user == nil && endpoint.password == nil else {
                    fail(node, "\(path): the endpoint must not carry credentials; they come from the Secret")
                    return nil
                }
                port = endpoint.port ?? (scheme == "http" ? 80 : 443)
                guard (1...65535).contains(port) else {
                    fail(node, "\(path): the endpoint's port must be between 1 and 65535")
                    return nil
                }
            case "region":
                guard !value.isEmpty else {
                    fail(node, "\(path): region is empty")
                    return nil
                }
            case "path-style":
                guard value == "true" || value == "false" else {
                    fail(node, "\(path): path-style must be true or false")
                    return nil
                }
            default:
                fail(node, "\(path): unknown parameter '\(name.prefix(40))' (known: endpoint, region, path-style)")
                return nil
            }
        }
        return port
    }

    /// `{url: postgres://USER@HOST[:PORT]/DB, secret: NAME}`; a password in the URL is refused.
    mutating func readDatabase(_ node: Node) -> RenderSpec.RegistryServer.Database? {
        let path = "spec.registry.database"
        let fields = entries(node, path: path, known: ["url", "secret"])
        let secret = secretName(fields["secret"], node, "\(path).secret", keys: "PGPASSWORD")
        guard let urlNode = fields["url"] else {
            fail(node, "\(path).url is required: postgres://USER@HOST[:PORT]/DB")
            return nil
        }
        guard let url = string(urlNode, "\(path).url") else { return nil }
        // The URL is never repeated in a message: it may hold the password being refused.
        guard let components = URLComponents(string: url),
            components.scheme == "postgres" || components.scheme == "postgresql"
        else {
            fail(urlNode, "\(path).url must be postgres://USER@HOST[:PORT]/DB")
            return nil
        }
        guard components.password == nil else {
            fail(
                urlNode,
                "\(path).url must not carry a password: put it under PGPASSWORD in the Secret named by \(path).secret")
            return nil
        }
        guard components.user?.isEmpty == false, components.host?.isEmpty == false else {
            fail(urlNode, "\(path).url must name a user and a host: postgres://USER@HOST[:PORT]/DB")
            return nil
        }
        guard !url.contains(where: { $0 == " " || $0 == "\"" || $0 == "\\" || $0 == "#" }) else {
            fail(urlNode, "\(path).url must not contain spaces, quotes, backslashes or '#'")
            return nil
        }
        for item in components.queryItems ?? [] {
            let positive = item.value.flatMap(Int.init).map { $0 > 0 } == true
            switch item.name {
            case "max_connections" where positive, "connect_timeout" where positive: continue
            case "sslmode" where item.value == "disable": continue
            default:
                fail(
                    urlNode,
                    "\(path).url: parameter '\(item.name.prefix(40))' is not supported (known: max_connections, connect_timeout, sslmode=disable)"
                )
                return nil
            }
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            fail(urlNode, "\(path).url: the port must be between 1 and 65535")
            return nil
        }
        guard let secret else { return nil }
        return RenderSpec.RegistryServer.Database(url: url, secret: secret, port: port)
    }

    /// The name of an existing Secret the registry reads `keys` from; required.
    mutating func secretName(_ node: Node?, _ parent: Node, _ path: String, keys: String) -> String? {
        guard let node else {
            fail(parent, "\(path) is required: an existing Secret with \(keys)")
            return nil
        }
        return hostName(node, path)
    }
}

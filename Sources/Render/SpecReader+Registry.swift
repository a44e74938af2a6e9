import BerthCore
import Yams

extension SpecReader {
    /// `spec.registry`: `{enabled, image, host, storage: {size, storageClass}, resources: {cpu, memory}}`.
    mutating func readRegistry(_ node: Node, into spec: inout RenderSpec) {
        let fields = entries(node, path: "spec.registry", known: ["enabled", "image", "host", "storage", "resources"])
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
        if [spec.portalHost, spec.gatewayHost, spec.identityHost].contains(server.host) {
            fail(fields["host"] ?? node, "spec.registry.host '\(server.host)' is already a product's Ingress host")
        }
        spec.registryServer = server
    }
}

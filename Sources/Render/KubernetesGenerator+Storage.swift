/// PersistentVolumeClaims.
extension KubernetesGenerator {
    static func pvc(_ spec: RenderSpec, _ component: Component) -> YAMLNode {
        .map([
            ("apiVersion", .string("v1")), ("kind", .string("PersistentVolumeClaim")),
            (
                "metadata",
                metadata(
                    spec, name: Names.base(spec, component) + "-shared", labels: labels(spec, component, instance: nil))
            ),
            (
                "spec",
                .map([
                    ("accessModes", .list([.string("ReadWriteMany")])),
                    ("storageClassName", .text([.value("storage.storageClass", .string(spec.storageClass))])),
                    (
                        "resources",
                        .map([
                            (
                                "requests",
                                .map([("storage", .text([.value("storage.size", .string(spec.storageSize))]))])
                            )
                        ])
                    ),
                ])
            ),
        ])
    }
}

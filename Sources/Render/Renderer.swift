/// Spec in, files out: pure, sorted and deterministic.
public enum Renderer {
    public static func render(_ spec: RenderSpec) -> [GeneratedFile] {
        let components = Catalog.components(for: spec)
        var files: [GeneratedFile] = []
        for component in components {
            files += ImageGenerator.files(spec, component)
        }
        files += ChartGenerator.files(spec)
        files += DiagramGenerator.files(spec)
        files += ReadmeGenerator.files(spec)
        files.append(GeneratedFile(path: "berth.yaml", contents: SpecWriter.spec(spec)))
        return files.sorted { $0.path < $1.path }
    }
}

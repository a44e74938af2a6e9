import BerthCore
import Kubernetes

/// The images the image rules can judge.
enum ContainerImages {
    /// The container's image unless it is templated, pinned by digest, or no reference at all
    /// (empty chart values).
    static func judgeable(_ container: Container) -> String? {
        guard let image = container.image, !image.contains("{{"), !image.contains("$(") else { return nil }
        let reference = ImageName(image)
        guard reference.digest == nil, reference.isWellFormed else { return nil }
        return image
    }
}

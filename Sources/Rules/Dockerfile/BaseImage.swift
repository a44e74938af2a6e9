import BerthCore
import Dockerfile

/// The base image a FROM line names, when it is an image (not an earlier stage or scratch) and is
/// known: a template expression (`FROM {{ from }}`) is filled in later, so no rule judges it.
enum BaseImage {
    static func external(_ stage: Stage?, at instruction: Instruction) -> String? {
        guard let stage, stage.from.startLine == instruction.startLine, stage.parentStage == nil,
            let image = stage.image, image.lowercased() != "scratch",
            !TemplateText.isTemplate(image), !instruction.arguments.contains(where: TemplateText.isTemplate)
        else { return nil }
        return image
    }
}

import BerthCore
import Dockerfile
import Tags

/// A WSO2 base image whose tag is not in the WSO2 tag scheme.
public struct WSO2TagSchemeRule: InstructionRule {
    public static let description = RuleDescription(
        id: "dockerfile-wso2-tag-scheme", practice: .tagScheme, severity: .warning, target: .dockerfile,
        summary: "a WSO2 image tag does not follow the WSO2 tag scheme",
        rationale: """
            The practice "These docker images are tagged in a manner so that it is easier to recognize a \
            given version" (tag-scheme): {product-version}[.{update-timestamp}[.{release}]]-{os}{os-version} \
            says which product, update level and OS an image carries; other tags hide it. Applies to \
            wso2/* images and to images listed in wso2Images.
            """,
        fix:
            "Use a scheme tag: 4.5.0, 4.5.0-alpine3.20, 4.5.0.1700000000000-ubuntu24.04 or 4.5.0.1700000000000.2-rocky9.",
        triggering: [
            RuleExample("↓FROM wso2/wso2am:latest-gateway\n"),
            RuleExample("↓FROM wso2/wso2is:7\n"),
            RuleExample(
                "↓FROM registry.example.com/wso2/wso2am:prod\n",
                configuration: "wso2Images: [\"registry.example.com/wso2/*\"]\n"),
        ],
        nonTriggering: [
            RuleExample("FROM wso2/wso2am:4.5.0\n"),
            RuleExample("FROM wso2/wso2is:5.8.0-alpine3.10\n"),
            RuleExample("FROM wso2/wso2am:4.5.0.1700000000000.2-rocky9\n"),
            RuleExample("FROM wso2/wso2am:4.7.0.1\n"),
            RuleExample("FROM registry.example.com/team/app:prod\n"),
            RuleExample("FROM wso2/wso2am@sha256:4b7ce07002c69e8f3d704a9c5d6fd3053be500b7f1c69fc0d80990c2ad8dd412\n"),
        ],
        hadolintCodes: [])

    public init() {}

    public static let keywords: Set<String> = ["FROM"]

    public func problem(with instruction: Instruction, in stage: Stage?, context: DockerfileContext) -> String? {
        guard let stage, stage.from.startLine == instruction.startLine, stage.parentStage == nil,
            let image = stage.image, context.isWSO2Image(image), let tag = ImageName(image).tag
        else { return nil }
        do {
            _ = try WSO2Tag.parse(tag)
            return nil
        } catch {
            return error.description
        }
    }
}

import BerthCore
import Dockerfile

/// An image that extends a WSO2 product without building FROM the official product image.
public struct OfficialBaseImageRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-wso2-base-unofficial", practice: .officialBaseImage, severity: .warning, target: .dockerfile,
        summary: "a WSO2 product is extended without the official WSO2 image as its base",
        rationale: """
            The practice "In case of the need of an extension, WSO2 recommends using an official WSO2 \
            product Docker image as the base of that extended Docker image" (official-base-image): an \
            image that adds to a product home it did not install itself relies on a base that WSO2 does \
            not build, patch or scan. Images that install the product distribution themselves are \
            product images, not extensions, and are not judged.
            """,
        fix:
            "Build FROM the official image (wso2/wso2am:<version> or your registry's mirror of it, listed in wso2Images).",
        triggering: [
            RuleExample(
                "↓FROM eclipse-temurin:21-jre\nCOPY lib/ /home/wso2carbon/wso2am-4.5.0/repository/components/lib/\n")
        ],
        nonTriggering: [
            RuleExample("FROM wso2/wso2am:4.5.0\nCOPY lib/ /home/wso2carbon/wso2am-4.5.0/repository/components/lib/\n"),
            RuleExample(
                "FROM registry.example.com/mirror/wso2am:4.5.0\nCOPY lib/ /home/wso2carbon/wso2am-4.5.0/repository/components/lib/\n",
                configuration: "wso2Images: [\"registry.example.com/mirror/wso2*\"]\n"),
            RuleExample(
                "FROM ubuntu:24.04\nRUN wget -O wso2am-4.5.0.zip https://example.com/wso2am-4.5.0.zip && unzip wso2am-4.5.0.zip\nCOPY lib/ /home/wso2carbon/wso2am-4.5.0/repository/components/lib/\n"
            ),
            RuleExample("FROM alpine:3.20\nCOPY app /opt/app\n"),
        ],
        hadolintCodes: [])

    public init() {}

    static func isProductPath(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.contains("/wso2am") || lower.contains("/wso2is") || lower.contains("wso2_server_home")
            || (lower.contains("/home/wso2carbon/") && lower.contains("repository/"))
    }

    public func check(_ context: DockerfileContext) -> [Finding] {
        guard let final = context.finalStage, let root = context.shippedStages.last, let image = root.image else {
            return []
        }
        if context.isWSO2Image(image) { return [] }
        let shipped = context.shippedInstructions
        let extendsProduct = shipped.contains { instruction in
            (instruction.keyword == "COPY" || instruction.keyword == "ADD") && instruction.flag("from") == nil
                && instruction.arguments.last.map(Self.isProductPath) == true
        }
        guard extendsProduct else { return [] }
        // Installing the distribution here makes this a product image, not an extension.
        let installsProduct = shipped.contains { instruction in
            let text = instruction.original.lowercased()
            return (instruction.keyword == "RUN" || instruction.keyword == "ADD" || instruction.keyword == "COPY")
                && (text.contains("wso2am") || text.contains("wso2is") || text.contains("wso2_server"))
                && (text.contains(".zip") || text.contains("dist"))
        }
        if installsProduct { return [] }
        return [
            context.finding(
                Self.description, at: final.from,
                message: "'\(image)' is not an official WSO2 product image, yet files are added to a WSO2 product home")
        ]
    }
}

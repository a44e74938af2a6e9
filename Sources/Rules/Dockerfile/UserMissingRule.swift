import BerthCore
import Dockerfile

/// The final stage never sets USER and its base image is not known to run as non-root.
public struct UserMissingRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-user-missing", practice: .nonRootUser, severity: .error, target: .dockerfile,
        summary: "the image runs as its base image's user (usually root): no USER in the final stage",
        rationale: """
            The practices "Never run as root" and "USER directive: Always" (non-root-user): a container \
            that runs as root turns any compromise of the product into root in the container. Only the \
            final stage decides; a USER in the stage it is built FROM counts; a base image known to run \
            as non-root (official WSO2 images run as wso2carbon, distroless :nonroot, or images listed \
            in nonRootBaseImages) needs no USER.
            """,
        fix: "Create a numeric non-root user (e.g. wso2carbon, uid 802) and end the final stage with USER 802.",
        triggering: [
            RuleExample("↓FROM eclipse-temurin:21-jre\nRUN echo hi\n"),
            RuleExample("FROM golang:1.23 AS build\nUSER 1000\n↓FROM alpine:3.20\nCOPY --from=build /app /app\n"),
        ],
        nonTriggering: [
            RuleExample("FROM debian:{{ env.codename }}-slim\nRUN echo hi\n"),
            RuleExample("FROM eclipse-temurin:21-jre\nUSER 802\n"),
            RuleExample("FROM alpine:3.20 AS base\nUSER 802\nFROM base\nRUN echo hi\n"),
            RuleExample("FROM wso2/wso2am:4.5.0\nCOPY lib/ /home/wso2carbon/wso2-artifact-volume/\n"),
            RuleExample("FROM gcr.io/distroless/java21-debian12:nonroot\n"),
            RuleExample(
                "FROM registry.example.com/base/jre:21\n",
                configuration: "nonRootBaseImages: [\"registry.example.com/base/*\"]\n"),
            RuleExample("ARG BASE\nFROM ${BASE}\n"),
        ],
        hadolintCodes: [])

    public init() {}

    static let knownNonRoot = [
        "wso2/*", "docker.wso2.com/*", "docker.io/wso2/*", "*:nonroot", "*:nonroot-*", "*-nonroot",
        "gcr.io/distroless/*:nonroot*", "cgr.dev/chainguard/*", "bitnami/*", "docker.io/bitnami/*",
    ]

    public func check(_ context: DockerfileContext) -> [Finding] {
        guard let final = context.finalStage else { return [] }
        if context.shippedInstructions.contains(where: { $0.keyword == "USER" }) { return [] }
        // The root of the chain decides which base image's user applies.
        let root = context.shippedStages.last ?? final
        // An unresolvable base image (an ARG without a value, a template expression) has an unknown user.
        guard let image = root.image, !TemplateText.isTemplate(image) else { return [] }
        if image.lowercased() == "scratch" { return [context.finding(Self.description, at: final.from)] }
        let patterns = Self.knownNonRoot + context.configuration.nonRootBaseImages
        let repository = ImageName(image).repository
        if patterns.contains(where: { Glob.matches($0, image) || Glob.matches($0, repository) }) { return [] }
        if context.isWSO2Image(image) { return [] }
        return [
            context.finding(
                Self.description, at: final.from,
                message: "no USER in the final stage: the image runs as the user of '\(image)', usually root")
        ]
    }
}

import BerthCore
import Dockerfile

/// FROM an image tagged latest.
public struct ImageLatestRule: InstructionRule {
    public static let description = RuleDescription(
        id: "dockerfile-image-latest", practice: .pinnedImages, severity: .warning, target: .dockerfile,
        summary: "base image uses the 'latest' tag",
        rationale: """
            The practice "From directive: Use specific / unique tag" (pinned-images): latest moves with \
            every release, so two builds of the same Dockerfile differ and a rollback cannot rebuild \
            what ran. ARG defaults in FROM are resolved before judging.
            """,
        fix: "Name a specific tag (eclipse-temurin:21.0.5_11-jre-noble), best with a digest (@sha256:...).",
        triggering: [
            RuleExample("↓FROM eclipse-temurin:latest\n"),
            RuleExample("ARG BASE=alpine:latest\n↓FROM ${BASE}\n"),
        ],
        nonTriggering: [
            RuleExample("FROM ubuntu:24.04\n"),
            RuleExample("FROM alpine:latest@sha256:4b7ce07002c69e8f3d704a9c5d6fd3053be500b7f1c69fc0d80990c2ad8dd412\n"),
            RuleExample("FROM alpine:3.20 AS build\nFROM build\n"),
            RuleExample("ARG BASE=eclipse-temurin:21-jre\nFROM ${BASE}\n"),
        ],
        hadolintCodes: ["DL3007"])

    public static let keywords: Set<String> = ["FROM"]

    public init() {}

    public func problem(with instruction: Instruction, in stage: Stage?, context: DockerfileContext) -> String? {
        guard let image = BaseImage.external(stage, at: instruction) else { return nil }
        let reference = ImageName(image)
        guard reference.digest == nil, reference.tag == "latest" else { return nil }
        return "base image '\(image)' uses the 'latest' tag"
    }
}

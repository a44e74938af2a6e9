import BerthCore
import Dockerfile

/// FROM an image without a tag.
public struct ImageUntaggedRule: InstructionRule {
    public static let description = RuleDescription(
        id: "dockerfile-image-untagged", practice: .pinnedImages, severity: .warning, target: .dockerfile,
        summary: "base image has no tag",
        rationale: """
            The practice "From directive: Use specific / unique tag" (pinned-images): an image without a \
            tag is whatever latest is at build time, so two builds of the same Dockerfile differ and a \
            rollback cannot rebuild what ran. ARG defaults in FROM are resolved before judging.
            """,
        fix: "Name a specific tag (eclipse-temurin:21.0.5_11-jre-noble), best with a digest (@sha256:...).",
        triggering: [
            RuleExample("↓FROM ubuntu\nUSER 802\n"),
            RuleExample("ARG BASE=alpine\n↓FROM ${BASE}\n"),
            RuleExample("↓FROM --platform=linux/amd64 registry.example.com:5000/base\n"),
        ],
        nonTriggering: [
            // A template (docker-library's Dockerfile.template) fills the image in later.
            RuleExample("FROM {{ .from }}\nUSER 802\n"),
            RuleExample("FROM ubuntu:24.04\n"),
            RuleExample("FROM alpine@sha256:4b7ce07002c69e8f3d704a9c5d6fd3053be500b7f1c69fc0d80990c2ad8dd412\n"),
            RuleExample("FROM alpine:3.20 AS build\nFROM build\n"),
            RuleExample("FROM scratch\n"),
            RuleExample("ARG BASE\nFROM ${BASE}\n"),
            RuleExample("FROM registry.example.com:5000/base:1.2\n"),
        ],
        hadolintCodes: ["DL3006"])

    public static let keywords: Set<String> = ["FROM"]

    public init() {}

    public func problem(with instruction: Instruction, in stage: Stage?, context: DockerfileContext) -> String? {
        guard let image = BaseImage.external(stage, at: instruction) else { return nil }
        let reference = ImageName(image)
        guard reference.digest == nil, reference.tag == nil else { return nil }
        return "base image '\(image)' has no tag"
    }
}

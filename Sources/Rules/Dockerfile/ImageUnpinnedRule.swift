import BerthCore
import Dockerfile

/// FROM without a tag, or with `latest`.
public struct ImageUnpinnedRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-image-unpinned", practice: .pinnedImages, severity: .warning, target: .dockerfile,
        summary: "base image has no tag or uses 'latest'",
        rationale: """
            The practice "From directive: Use specific / unique tag" (pinned-images): an image without a \
            tag, or tagged latest, changes under you, so two builds of the same Dockerfile differ and a \
            rollback cannot rebuild what ran. ARG defaults in FROM are resolved before judging.
            """,
        fix: "Name a specific tag (eclipse-temurin:21.0.5_11-jre-noble), best with a digest (@sha256:...).",
        triggering: [
            RuleExample("↓FROM ubuntu\nUSER 802\n"),
            RuleExample("↓FROM eclipse-temurin:latest\n"),
            RuleExample("ARG BASE=alpine:latest\n↓FROM ${BASE}\n"),
            RuleExample("↓FROM --platform=linux/amd64 registry.example.com:5000/base\n"),
        ],
        nonTriggering: [
            RuleExample("FROM ubuntu:24.04\n"),
            RuleExample("FROM alpine@sha256:4b7ce07002c69e8f3d704a9c5d6fd3053be500b7f1c69fc0d80990c2ad8dd412\n"),
            RuleExample("FROM alpine:3.20 AS build\nFROM build\n"),
            RuleExample("FROM scratch\n"),
            RuleExample("ARG BASE\nFROM ${BASE}\n"),
            RuleExample("ARG BASE=eclipse-temurin:21-jre\nFROM ${BASE}\n"),
            RuleExample("FROM registry.example.com:5000/base:1.2\n"),
        ],
        hadolintCodes: ["DL3006", "DL3007"])

    public init() {}

    public func check(_ context: DockerfileContext) -> [Finding] {
        var findings: [Finding] = []
        for stage in context.stages {
            guard let image = stage.image, stage.parentStage == nil, image.lowercased() != "scratch" else { continue }
            let reference = ImageReference(image)
            if reference.digest != nil { continue }
            if reference.tag == nil {
                findings.append(
                    context.finding(Self.description, at: stage.from, message: "base image '\(image)' has no tag"))
            } else if reference.tag == "latest" {
                findings.append(
                    context.finding(
                        Self.description, at: stage.from, message: "base image '\(image)' uses the 'latest' tag"))
            }
        }
        return findings
    }
}

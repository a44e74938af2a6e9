import BerthCore
import Dockerfile

/// Consecutive RUN instructions that could be one layer.
public struct ConsecutiveRunRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-consecutive-run", practice: .minimalLayers, severity: .info, target: .dockerfile,
        summary: "consecutive RUN instructions add a layer each",
        rationale: """
            The practice "Minimizing the number of instructions in the dockerfile that would create \
            sizeable image layers" (minimal-layers): each RUN is a layer, and what one layer adds a later \
            layer cannot take away. Only stages that ship in the image are judged.
            """,
        fix: "Join the commands with && in one RUN (a heredoc keeps long scripts readable).",
        triggering: [
            RuleExample("FROM alpine:3.20\nRUN apk add --no-cache curl\n↓RUN mkdir -p /opt/app\n"),
            RuleExample("FROM alpine:3.20\nRUN a\n↓RUN b\n↓RUN c\n"),
        ],
        nonTriggering: [
            RuleExample("FROM alpine:3.20\nRUN apk add --no-cache curl && mkdir -p /opt/app\n"),
            RuleExample("FROM alpine:3.20\nRUN a\nCOPY x /x\nRUN b\n"),
            RuleExample("FROM alpine:3.20 AS build\nRUN a\nRUN b\nFROM alpine:3.20\nCOPY --from=build /a /a\n"),
            RuleExample(
                "FROM alpine:3.20\nRUN --mount=type=cache,target=/root/.m2 mvn package\nRUN --mount=type=secret,id=npm npm ci\n"
            ),
        ],
        hadolintCodes: ["DL3059"])

    public init() {}

    public func check(_ context: DockerfileContext) -> [Finding] {
        var findings: [Finding] = []
        for stage in context.shippedStages {
            var previous: Instruction?
            for instruction in stage.instructions {
                defer { previous = instruction }
                guard instruction.keyword == "RUN", let before = previous, before.keyword == "RUN" else { continue }
                // Different mounts or network settings cannot share one RUN.
                if before.flags != instruction.flags { continue }
                findings.append(
                    context.finding(
                        Self.description, at: instruction,
                        message: "RUN right after the RUN on line \(before.startLine): merge them into one layer"))
            }
        }
        return findings.sorted { $0.location.line < $1.location.line }
    }
}

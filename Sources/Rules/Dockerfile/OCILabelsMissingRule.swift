import BerthCore
import Dockerfile
import Foundation

/// No OCI labels tying the image to its source and version.
public struct OCILabelsMissingRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-oci-labels-missing", practice: .imageMetadata, severity: .warning, target: .dockerfile,
        summary: "the image lacks org.opencontainers.image.source and .version labels",
        rationale: """
            Image metadata (image-metadata): without org.opencontainers.image.source and .version an \
            image in a registry cannot be traced to the code and release it was built from, which \
            scanners, rollbacks and audits need. .revision and .created are usually added by the build \
            (--label) and are not required in the Dockerfile.
            """,
        fix:
            "LABEL org.opencontainers.image.source=\"https://...\" org.opencontainers.image.version=\"${VERSION}\" in the final stage.",
        triggering: [
            RuleExample("↓FROM alpine:3.20\nLABEL maintainer=\"dev@example.com\"\n"),
            RuleExample("↓FROM alpine:3.20\nLABEL org.opencontainers.image.source=https://github.com/example/app\n"),
        ],
        nonTriggering: [
            RuleExample(
                "FROM alpine:3.20\nLABEL org.opencontainers.image.source=https://github.com/example/app \\\n      org.opencontainers.image.version=\"1.2.3\"\n"
            ),
            RuleExample(
                "FROM alpine:3.20 AS base\nLABEL org.opencontainers.image.source=x org.opencontainers.image.version=1\nFROM base\n"
            ),
        ],
        hadolintCodes: ["DL3048", "DL3049"])

    static let required = ["org.opencontainers.image.source", "org.opencontainers.image.version"]

    public init() {}

    public func check(_ context: DockerfileContext) -> [Finding] {
        guard let final = context.finalStage else { return [] }
        var present: Set<String> = []
        for instruction in context.shippedInstructions where instruction.keyword == "LABEL" {
            for pair in instruction.keyValuePairs {
                present.insert(pair.key.trimmingCharacters(in: CharacterSet(charactersIn: "\"'")))
            }
        }
        let missing = Self.required.filter { !present.contains($0) }
        guard !missing.isEmpty else { return [] }
        return [
            context.finding(
                Self.description, at: final.from,
                message: "missing label\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))")
        ]
    }
}

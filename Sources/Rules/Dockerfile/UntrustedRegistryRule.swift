import BerthCore
import Dockerfile

/// A base image from a registry outside the configured trusted list.
public struct UntrustedRegistryRule: InstructionRule {
    public static let description = RuleDescription(
        id: "dockerfile-untrusted-registry", practice: .privateRegistry, severity: .error, target: .dockerfile,
        summary: "a base image comes from a registry that is not trusted",
        rationale: """
            The practice "use of your own private container registry to host all the required images" \
            (private-registry): images pulled from outside sources can change or vanish, and a rollback \
            then depends on them. Checked only when trustedRegistries is configured.
            """,
        fix: "Mirror the image into a trusted registry and build FROM the mirror.",
        triggering: [
            RuleExample(
                "↓FROM docker.io/library/alpine:3.20\n", configuration: "trustedRegistries: [registry.example.com]\n"),
            RuleExample("↓FROM alpine:3.20\n", configuration: "trustedRegistries: [\"*.corp.example.com\"]\n"),
        ],
        nonTriggering: [
            RuleExample(
                "FROM registry.example.com/base/alpine:3.20\n",
                configuration: "trustedRegistries: [registry.example.com]\n"),
            RuleExample(
                "FROM eu.corp.example.com/wso2/wso2am:4.5.0\n",
                configuration: "trustedRegistries: [\"*.corp.example.com\"]\n"),
            RuleExample("FROM alpine:3.20\n"),
            RuleExample(
                "FROM registry.example.com/b:1 AS build\nFROM build\n",
                configuration: "trustedRegistries: [registry.example.com]\n"),
        ],
        hadolintCodes: ["DL3026"])

    public init() {}

    public static let keywords: Set<String> = ["FROM"]

    public func problem(with instruction: Instruction, in stage: Stage?, context: DockerfileContext) -> String? {
        let trusted = context.configuration.trustedRegistries
        guard !trusted.isEmpty, let image = BaseImage.external(stage, at: instruction) else { return nil }
        let registry = ImageName(image).registry ?? "docker.io"
        if trusted.contains(where: { Glob.matches($0, registry) }) { return nil }
        return "'\(image)' comes from \(registry), which is not a trusted registry"
    }
}

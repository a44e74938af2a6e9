import BerthCore

/// CIS 4.7: package index updates are not run in a layer of their own.
public struct ImageUpdateAloneRule: ImageAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-image-update-alone", cis: "4.7", scope: .image, practice: .minimalLayers, severity: .info,
        summary: "image history has a package index update without an install in the same layer",
        rationale: """
            A layer that only runs `apt-get update` (or `apk update`, `yum`/`dnf makecache`) is cached; \
            later builds reuse the stale index and install outdated packages. Update and install in one \
            RUN. Judged from the image history; silent when no history was given.
            """,
        fix: "Merge the update into the RUN that installs: RUN apt-get update && apt-get install -y ...",
        fields: ["History[].CreatedBy"],
        triggering: [
            RuleExample(
                #"{"Id": "sha256:1", "History": [{"CreatedBy": "/bin/sh -c apt-get install -y curl"}, {"CreatedBy": "/bin/sh -c apt-get update"}]}"#
            )
        ],
        nonTriggering: [
            RuleExample(
                #"{"Id": "sha256:1", "History": [{"CreatedBy": "RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit"}]}"#
            )
        ])

    static let updates = [
        "apt-get update", "apt update", "apk update", "yum makecache", "dnf makecache", "microdnf update",
    ]
    static let installs = ["install", "apk add", "upgrade"]

    public init() {}

    public func judge(_ image: ImageInspect) -> Verdict {
        guard let history = image.history else { return .notDecidable("no image history was given") }
        let violations = history.enumerated().compactMap { offset, command -> Violation? in
            guard Self.updates.contains(where: command.contains), !Self.installs.contains(where: command.contains)
            else { return nil }
            return Violation(
                "layer \(offset + 1) updates the package index alone", field: "History[\(offset)].CreatedBy")
        }
        return violations.isEmpty ? .pass : .fail(violations)
    }
}

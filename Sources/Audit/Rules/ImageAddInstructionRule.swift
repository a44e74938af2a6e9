import BerthCore
import Foundation

/// CIS 4.9: COPY is used instead of ADD.
public struct ImageAddInstructionRule: ImageAuditRule {
    public static let description = AuditRuleDescription(
        id: "audit-image-add-instruction", cis: "4.9", scope: .image, severity: .info,
        summary: "image history shows ADD where COPY would do",
        rationale: """
            ADD also fetches URLs and unpacks archives, so a changed source can bring unexpected files \
            into the image; COPY only copies. A base image's root filesystem added as `ADD file:... in /` \
            (unpacking a tarball, which COPY cannot do) is not reported.
            """,
        fix: "Use COPY for local files; download with a checksum-verified RUN for remote ones.",
        fields: ["History[].CreatedBy"],
        triggering: [
            RuleExample(
                #"{"Id": "sha256:1", "History": [{"CreatedBy": "/bin/sh -c #(nop) ADD file:5d6 in / "}, {"CreatedBy": "/bin/sh -c #(nop) ADD dir:9f1 in /opt/app "}]}"#
            ),
            RuleExample(
                #"{"Id": "sha256:1", "History": [{"CreatedBy": "ADD https://example.com/a.tgz /opt/ # buildkit"}]}"#),
        ],
        nonTriggering: [
            RuleExample(
                #"{"Id": "sha256:1", "History": [{"CreatedBy": "/bin/sh -c #(nop) ADD file:5d6 in / "}, {"CreatedBy": "COPY app /opt/app # buildkit"}]}"#
            )
        ])

    public init() {}

    /// The instruction text after the shell prefix docker's classic builder and buildah write.
    static func instruction(_ createdBy: String) -> Substring {
        var text = Substring(createdBy).drop { $0 == " " }
        for prefix in ["/bin/sh -c #(nop) ", "|", "#(nop) "] where text.hasPrefix(prefix) {
            text = text.dropFirst(prefix.count).drop { $0 == " " }
        }
        return text
    }

    public func judge(_ image: ImageInspect) -> Verdict {
        guard let history = image.history else { return .notDecidable("no image history was given") }
        let violations = history.enumerated().compactMap { offset, command -> Violation? in
            let text = Self.instruction(command)
            guard text.hasPrefix("ADD ") else { return nil }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("ADD file:") && trimmed.hasSuffix(" in /") { return nil }
            return Violation("layer \(offset + 1) uses \(trimmed.prefix(60))", field: "History[\(offset)].CreatedBy")
        }
        return violations.isEmpty ? .pass : .fail(violations)
    }
}

import BerthCore
import Dockerfile

/// Product configuration copied into the image instead of mounted from wso2-config-volume.
public struct ConfigBakedInRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-config-baked-in", practice: .configViaVolume, severity: .warning, target: .dockerfile,
        summary: "product configuration is copied into the image",
        rationale: """
            The practice "Configuration changes needs to be done via a volume mount. Use dedicated \
            volume mount by the name: wso2-config-volume" (config-via-volume): a deployment.toml or a \
            file under repository/conf baked into the image ties one environment's settings (hosts, \
            passwords) to the image and needs a rebuild for every change.
            """,
        fix:
            "Mount the files at run time through wso2-config-volume (a ConfigMap on Kubernetes); copy nothing into repository/conf.",
        triggering: [
            RuleExample(
                "FROM wso2/wso2am:4.5.0\n↓COPY deployment.toml /home/wso2carbon/wso2am-4.5.0/repository/conf/\n"),
            RuleExample("FROM wso2/wso2am:4.5.0\n↓COPY --chown=802:802 conf/ ${WSO2_SERVER_HOME}/repository/conf/\n"),
        ],
        nonTriggering: [
            RuleExample(
                "FROM wso2/wso2am:4.5.0\nCOPY lib/mysql-connector-j-8.4.0.jar /home/wso2carbon/wso2-artifact-volume/repository/components/lib/\n"
            ),
            RuleExample("FROM wso2/wso2am:4.5.0\nCOPY docker-entrypoint.sh /home/wso2carbon/\n"),
            RuleExample("FROM alpine:3.20\nCOPY nginx.conf /etc/nginx/nginx.conf\n"),
        ],
        hadolintCodes: [])

    public init() {}

    public func check(_ context: DockerfileContext) -> [Finding] {
        var findings: [Finding] = []
        for stage in context.shippedStages {
            for instruction in stage.instructions where instruction.keyword == "COPY" || instruction.keyword == "ADD" {
                if instruction.flag("from") != nil { continue }
                guard let destination = instruction.arguments.last else { continue }
                let sources = instruction.arguments.dropLast()
                let intoVolume = destination.contains("wso2-config-volume")
                if intoVolume { continue }
                if destination.contains("repository/conf") || destination.hasSuffix("deployment.toml")
                    || sources.contains(where: { $0.hasSuffix("deployment.toml") })
                {
                    findings.append(
                        context.finding(
                            Self.description, at: instruction,
                            message:
                                "configuration is copied into '\(destination)' instead of mounted from wso2-config-volume"
                        ))
                }
            }
        }
        return findings.sorted { $0.location.line < $1.location.line }
    }
}
